#pragma once
// `echo-bench chat`'s command line, kept beside bench_main.cpp so that file only hooks it in.

#include <CLI/CLI.hpp>

#include "chat_options.hpp"

namespace echo::bench {

struct ChatCommand {
  ChatOptions options;
  bool json = false, quiet = false;
  CLI::App* app = nullptr;
};

void add_chat_command(CLI::App& app, ChatCommand& command);
// Runs it once parsed; returns the exit status (0 clean, 1 could not run, 2 bad options, 3 errors
// counted, 130 interrupted), as `run` does.
int run_chat_command(ChatCommand& command);

}  // namespace echo::bench

#include "launched_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "net.hpp"

namespace echo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr auto kReadyLimit = 10s;

std::string last_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// Where to connect to a server that listens on `host`: a wildcard address means this machine.
std::string connect_host(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

}  // namespace

std::unique_ptr<LaunchedServer> LaunchedServer::start(const LaunchSpec& spec, std::string& error) {
  echo::ChildOptions options;
  options.argv = spec.argv;
  options.own_group = true;
  options.die_with_us = true;  // no orphaned server if echo-bench is killed
  options.cpus = spec.cpus;
  options.out = spec.known_port == 0 ? echo::ChildOutput::pipe() : echo::ChildOutput::file(spec.log_path);
  options.err = echo::ChildOutput::file(spec.log_path);
  std::unique_ptr<LaunchedServer> server;
  try {
    server.reset(new LaunchedServer(options));
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
  if (!server->wait_ready(spec, error)) return nullptr;  // the destructor kills and reaps it
  return server;
}

std::string LaunchedServer::exit_error(const LaunchSpec& spec) const {
  const std::string last = last_line_of(spec.log_path);
  return fmt::format("{} {} before it was ready{}{} (log: {})", spec.name, child_.exit_status()->describe(),
                     last.empty() ? "" : ": ", last, spec.log_path);
}

bool LaunchedServer::wait_ready(const LaunchSpec& spec, std::string& error) {
  const std::string not_ready = fmt::format("{} was not ready after {} s (log: {})", spec.name, kReadyLimit.count(), spec.log_path);
  if (spec.known_port == 0) {
    const echo::ReadyLine ready = child_.wait_ready_line(kReadyLimit);
    child_.close_stdout();  // echo-server writes nothing more on stdout
    switch (ready.status) {
      case echo::ReadyLine::Status::ready:
        host_ = connect_host(ready.address.host);
        port_ = ready.address.port;
        return true;
      case echo::ReadyLine::Status::other_line:
        error = fmt::format("{} printed \"{}\" instead of `listening on HOST:PORT`", spec.name, ready.text);
        return false;
      case echo::ReadyLine::Status::exited: error = exit_error(spec); return false;
      case echo::ReadyLine::Status::timed_out: error = not_ready; return false;
    }
  }
  const auto deadline = Clock::now() + kReadyLimit;
  while (Clock::now() < deadline) {
    if (child_.wait_exit(0ms)) break;
    const int fd = echo::connect_tcp(host_, spec.known_port, 200ms);
    if (fd >= 0) {
      close(fd);
      port_ = spec.known_port;
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  error = child_.wait_exit(0ms) ? exit_error(spec) : not_ready;
  return false;
}

ServerCost LaunchedServer::stop(std::chrono::milliseconds grace) {
  const echo::ChildExit ended = child_.stop(SIGTERM, grace);
  ServerCost cost;
  cost.user_s = ended.user_s();
  cost.system_s = ended.system_s();
  cost.voluntary_switches = static_cast<std::uint64_t>(ended.usage.ru_nvcsw);
  cost.involuntary_switches = static_cast<std::uint64_t>(ended.usage.ru_nivcsw);
  cost.exit_code = ended.exited() && !ended.killed ? ended.code() : -1;
  cost.killed = ended.killed;
  return cost;
}

std::optional<unsigned short> pick_free_port() {
  try {
    const echo::Listener l = echo::listen_tcp("127.0.0.1", 0, 1);
    close(l.fd);
    return l.port;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace echo::bench

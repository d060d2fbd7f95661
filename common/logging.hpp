#pragma once

#include <string>

namespace echo {

// The default spdlog logger writes to stderr, never stdout (stdout carries the ready line and
// machine-readable output). Returns false for an unknown level name.
bool setup_logging(const std::string& level, const std::string& name);

}  // namespace echo

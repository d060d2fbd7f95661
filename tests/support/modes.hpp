#pragma once
// The end-to-end tests run every check against every backend: the modes echo-server lists
// itself (`echo-server --list-modes=tsv`), so a new mode is tested without a line here.

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "process.hpp"

namespace echo::test {

struct ModeInfo {
  std::string name;
  std::size_t default_max_connections = 0;
};

// The built echo-server's modes, asked once; throws if it cannot list them.
inline const std::vector<ModeInfo>& mode_infos() {
  static const std::vector<ModeInfo> infos = [] {
    const RunResult listed = run_program({"echo-server", "--list-modes=tsv"}, "", 10s);
    std::vector<ModeInfo> found;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      ModeInfo mode;
      if (std::getline(fields, mode.name, '\t') && fields >> mode.default_max_connections) found.push_back(mode);
    }
    if (listed.exit_code != 0 || found.empty())
      throw std::runtime_error("echo-server --list-modes=tsv listed no modes: " + listed.err);
    return found;
  }();
  return infos;
}

inline const std::vector<std::string>& modes() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& m : mode_infos()) n.push_back(m.name);
    return n;
  }();
  return names;
}

// The --max-connections a mode has when none is given.
inline std::size_t default_max_connections(const std::string& mode) {
  for (const auto& m : mode_infos())
    if (m.name == mode) return m.default_max_connections;
  throw std::invalid_argument("echo-server has no mode " + mode);
}

// `for (const auto& mode : kModes)`: modes(), asked on first use rather than at start-up.
struct ModeNames {
  auto begin() const { return modes().begin(); }
  auto end() const { return modes().end(); }
};
inline constexpr ModeNames kModes{};

}  // namespace echo::test

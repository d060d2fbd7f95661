#pragma once
// CPU lists as taskset(1) writes them ("0", "0-3", "0,2,4-5"), and pinning to them.

#include <optional>
#include <string>
#include <vector>

namespace echo::bench {

// nullopt for a malformed list; CPUs sorted, no repeats.
std::optional<std::vector<int>> parse_cpu_list(const std::string& text);
std::string format_cpu_list(const std::vector<int>& cpus);
// Pins the calling thread (and the threads and processes it starts later). False, with errno set,
// when the kernel refuses (a CPU that does not exist or is not allowed).
bool pin_to(const std::vector<int>& cpus);

}  // namespace echo::bench

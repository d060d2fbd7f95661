#include "proc_info.hpp"

#include <dirent.h>
#include <sched.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace echo {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

std::vector<pid_t> child_pids(pid_t pid) {
  std::vector<pid_t> children;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return children;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(tasks + "/" + entry->d_name + "/children");
    for (pid_t child; in >> child;) children.push_back(child);
  }
  closedir(dir);
  return children;
}

std::vector<pid_t> process_tree(pid_t root) {
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (const pid_t child : child_pids(tree[i])) tree.push_back(child);
  return tree;
}

std::optional<ProcStat> ProcStat::read(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  const auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 > text.size()) return std::nullopt;
  ProcStat stat;
  std::istringstream fields(text.substr(close_paren + 2));
  for (std::string f; fields >> f;) stat.fields_.push_back(std::move(f));
  return stat;
}

std::string_view ProcStat::field(int n) const {
  const auto index = static_cast<std::size_t>(n - 3);
  return n >= 3 && index < fields_.size() ? std::string_view(fields_[index]) : std::string_view();
}

std::uint64_t ProcStat::number(int n) const {
  const std::string_view text = field(n);
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace echo

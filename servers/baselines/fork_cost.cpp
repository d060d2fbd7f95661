// fork-cost: what one fork() costs this machine, the price `--mode fork` pays per connection.
// Times fork() + the child's _exit() + waitpid(), the median of --rounds, for a parent that has
// touched --parent-mib of memory (page tables to copy) while --hold children already sleep (the
// crowd a fork server has at C10K). Plain libc, like the other baselines.
//
//   fork-cost [--parent-mib 0,8,64] [--hold 0,5000] [--rounds 300]

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::vector<unsigned long> parse_list(const char* text) {
  std::vector<unsigned long> values;
  std::string s(text);
  for (std::size_t start = 0; start <= s.size();) {
    const std::size_t comma = std::min(s.find(',', start), s.size());
    const std::string item = s.substr(start, comma - start);
    char* end = nullptr;
    const unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0') {
      std::fprintf(stderr, "fork-cost: '%s' is not a list of numbers\n", text);
      std::exit(2);
    }
    values.push_back(v);
    start = comma + 1;
  }
  return values;
}

// Median microseconds of fork() + child exit + reap.
double median_fork_us(unsigned rounds) {
  std::vector<double> us;
  us.reserve(rounds);
  for (unsigned i = 0; i < rounds; ++i) {
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid < 0) {
      std::perror("fork-cost: fork");
      std::exit(1);
    }
    waitpid(pid, nullptr, 0);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::nth_element(us.begin(), us.begin() + static_cast<long>(us.size() / 2), us.end());
  return us[us.size() / 2];
}

// Children that sleep until killed: the crowd a fork server holds.
class Sleepers {
 public:
  ~Sleepers() { release(); }
  bool grow_to(std::size_t n) {
    while (pids_.size() < n) {
      const pid_t pid = fork();
      if (pid == 0) {
        pause();
        _exit(0);
      }
      if (pid < 0) {
        std::fprintf(stderr, "fork-cost: could hold only %zu children: %s\n", pids_.size(), std::strerror(errno));
        return false;
      }
      pids_.push_back(pid);
    }
    return true;
  }
  void release() {
    for (const pid_t pid : pids_) kill(pid, SIGKILL);
    for (const pid_t pid : pids_) waitpid(pid, nullptr, 0);
    pids_.clear();
  }

 private:
  std::vector<pid_t> pids_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<unsigned long> sizes{0, 8, 64}, holds{0};
  unsigned rounds = 300;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf("usage: fork-cost [--parent-mib 0,8,64] [--hold 0,5000] [--rounds 300]\n"
                  "Median time of fork() + the child's exit + waitpid(), per parent size (MiB it has touched)\n"
                  "and per number of children already sleeping beside it.\n");
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "fork-cost: %s needs a value (see --help)\n", arg.c_str());
      return 2;
    }
    const char* value = argv[++i];
    if (arg == "--parent-mib") sizes = parse_list(value);
    else if (arg == "--hold") holds = parse_list(value);
    else if (arg == "--rounds") rounds = static_cast<unsigned>(std::max(1ul, parse_list(value).at(0)));
    else {
      std::fprintf(stderr, "fork-cost: unknown option %s (see --help)\n", arg.c_str());
      return 2;
    }
  }
  std::sort(holds.begin(), holds.end());
  std::printf("%-12s %-14s %s\n", "parent MiB", "children held", "median fork+exit+wait us");
  Sleepers sleepers;
  for (const unsigned long hold : holds) {
    if (!sleepers.grow_to(hold)) return 1;
    for (const unsigned long mib : sizes) {
      std::vector<char> touched(mib << 20);
      std::memset(touched.data(), 1, touched.size());  // resident, so fork() has page tables to copy
      std::printf("%-12lu %-14lu %.1f\n", mib, hold, median_fork_us(rounds));
      std::fflush(stdout);
    }
  }
  return 0;
}

#include "child_spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace echo {
namespace {

// One end of a pipe or a file while the child is being set up; closed unless released.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset();
    fd_ = other.release();
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

[[noreturn]] void fail(const std::string& what, int err) { throw std::runtime_error(what + ": " + std::strerror(err)); }

void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe", errno);
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
}

Fd open_or_throw(const char* path, int flags, const std::string& what) {
  const int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    fail(what + " " + path, err);
  }
  return Fd(fd);
}

// The child's end of its stdout or stderr (-1: inherit ours) and, for a pipe, our end.
Fd output_end(const ChildOutput& output, Fd& ours) {
  switch (output.to) {
    case ChildOutput::To::inherit: return Fd();
    case ChildOutput::To::null: return open_or_throw("/dev/null", O_WRONLY, "cannot open");
    case ChildOutput::To::file:
      return open_or_throw(output.path.c_str(), O_WRONLY | O_CREAT | (output.append ? O_APPEND : O_TRUNC),
                           "cannot write");
    case ChildOutput::To::pipe: {
      Fd theirs;
      make_pipe(ours, theirs);
      return theirs;
    }
  }
  return Fd();
}

// argv[0] as execv() wants it: a name without '/' is looked up in PATH. Empty if not found.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

// dup2(), also when `fd` already is `target` (then only its close-on-exec flag must go).
void place(int fd, int target) {
  if (fd < 0) return;
  if (fd == target) fcntl(fd, F_SETFD, 0);
  else dup2(fd, target);
}

// Everything the forked child needs, made before fork(): between fork and exec only
// async-signal-safe calls are allowed (another thread may hold malloc's lock).
struct ExecPlan {
  std::string path;
  std::vector<char*> argv;
  const char* cwd = nullptr;
  int in = -1, out = -1, err = -1;
  bool own_group = false, die_with_us = false;
  pid_t parent = -1;
  bool pin = false;
  cpu_set_t cpus{};
  unsigned long fd_limit = 0;
  sigset_t mask{};  // the parent's signal mask, for the program (fork() runs with all blocked)
};

// Until exec, the child has the parent's signal handlers: one run there (echo-bench's stop
// handler writing to the stop eventfd it shares, doctest's crash handler) would act for the
// parent. So signals stay blocked across fork(), handlers go back to their defaults (what is
// ignored stays ignored, as exec would keep it), and only then the parent's mask returns.
void reset_signal_handlers() {
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) != 0) continue;
    if (current.sa_handler == SIG_IGN || current.sa_handler == SIG_DFL) continue;
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigaction(sig, &default_action, nullptr);
  }
}

[[noreturn]] void exec_child(const ExecPlan& plan) {
  reset_signal_handlers();
  sigprocmask(SIG_SETMASK, &plan.mask, nullptr);
  if (plan.own_group) setpgid(0, 0);
  if (plan.die_with_us) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != plan.parent) _exit(127);  // we died before the prctl
  }
  place(plan.in, 0);
  place(plan.out, 1);
  place(plan.err, 2);
  if (plan.cwd != nullptr && chdir(plan.cwd) != 0) {
    dprintf(2, "cannot enter %s: %s\n", plan.cwd, strerror(errno));
    _exit(126);
  }
  if (plan.fd_limit > 0) {
    const rlimit limit{plan.fd_limit, plan.fd_limit};
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (plan.pin) sched_setaffinity(0, sizeof plan.cpus, &plan.cpus);
  if (plan.path.empty()) errno = ENOENT;
  else execv(plan.path.c_str(), plan.argv.data());
  dprintf(2, "cannot run %s: %s\n", plan.argv[0], strerror(errno));
  _exit(127);
}

}  // namespace

SpawnedChild spawn_child(const ChildOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("spawn_child: empty argv");
  ExecPlan plan;
  plan.path = find_program(options.argv[0]);
  for (const auto& arg : options.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  plan.argv.push_back(nullptr);
  if (!options.cwd.empty()) plan.cwd = options.cwd.c_str();
  plan.own_group = options.own_group;
  plan.die_with_us = options.die_with_us;
  plan.parent = getpid();
  plan.fd_limit = options.fd_limit;
  plan.pin = !options.cpus.empty();
  CPU_ZERO(&plan.cpus);
  for (const int cpu : options.cpus) CPU_SET(cpu, &plan.cpus);

  Fd in_ours, in_theirs, out_ours, err_ours;
  if (options.stdin_pipe) {
    make_pipe(in_theirs, in_ours);
    signal(SIGPIPE, SIG_IGN);
  } else {
    in_theirs = open_or_throw("/dev/null", O_RDONLY, "cannot open");
  }
  const Fd out_theirs = output_end(options.out, out_ours);
  const Fd err_theirs = output_end(options.err, err_ours);
  plan.in = in_theirs.get();
  plan.out = out_theirs.get();
  plan.err = err_theirs.get();

  SpawnedChild child;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &plan.mask);
  child.pid = fork();
  const int fork_errno = errno;
  if (child.pid == 0) exec_child(plan);
  pthread_sigmask(SIG_SETMASK, &plan.mask, nullptr);
  if (child.pid < 0) fail("fork", fork_errno);
  if (plan.own_group) setpgid(child.pid, child.pid);  // also here: the group exists whoever runs first
  child.in = in_ours.release();
  child.out = out_ours.release();
  child.err = err_ours.release();
  for (const int fd : {child.in, child.out, child.err})
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return child;
}

}  // namespace echo

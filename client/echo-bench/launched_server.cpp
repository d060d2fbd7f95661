#include "launched_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "cpu_set.hpp"
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

std::string status_text(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "stopped";
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

std::unique_ptr<LaunchedServer> LaunchedServer::start(const LaunchSpec& spec, std::string& error) {
  const int log_fd = open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    error = fmt::format("cannot write {}: {}", spec.log_path, std::strerror(errno));
    return nullptr;
  }
  int ready[2] = {-1, -1};
  if (spec.known_port == 0 && pipe2(ready, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    close(log_fd);
    return nullptr;
  }
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    error = fmt::format("fork: {}", std::strerror(errno));
    close(log_fd);
    return nullptr;
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphaned server if echo-bench is killed
    if (getppid() != parent) _exit(127);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(spec.known_port == 0 ? ready[1] : log_fd, 1);
    dup2(log_fd, 2);
    if (!spec.cpus.empty()) pin_to(spec.cpus);
    execv(argv[0], argv.data());
    dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists whichever of us runs first
  close(log_fd);
  if (ready[1] >= 0) close(ready[1]);

  std::unique_ptr<LaunchedServer> server(new LaunchedServer);
  server->pid_ = pid;
  server->running_ = true;
  const bool ok = server->wait_ready(spec, ready[0], error);
  if (ready[0] >= 0) close(ready[0]);  // echo-server writes nothing more on stdout
  if (!ok) return nullptr;            // the destructor kills and reaps it
  return server;
}

bool LaunchedServer::wait_ready(const LaunchSpec& spec, int ready_fd, std::string& error) {
  const auto deadline = Clock::now() + kReadyLimit;
  std::string out;
  auto exited = [&] {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    running_ = false;
    const std::string last = last_line_of(spec.log_path);
    error = fmt::format("{} {} before it was ready{}{} (log: {})", spec.name, status_text(status), last.empty() ? "" : ": ",
                        last, spec.log_path);
    return true;
  };
  while (Clock::now() < deadline) {
    if (exited()) return false;
    if (spec.known_port != 0) {
      const int fd = echo::connect_tcp(host_, spec.known_port, 200ms);
      if (fd >= 0) {
        close(fd);
        port_ = spec.known_port;
        return true;
      }
      std::this_thread::sleep_for(20ms);
      continue;
    }
    pollfd pfd{ready_fd, POLLIN, 0};
    if (poll(&pfd, 1, 50) <= 0) continue;
    char buf[256];
    const ssize_t n = read(ready_fd, buf, sizeof buf);
    if (n <= 0) {
      std::this_thread::sleep_for(50ms);  // stdout closed: it is exiting; let exited() say how
      continue;
    }
    out.append(buf, static_cast<std::size_t>(n));
    const auto lf = out.find('\n');
    if (lf == std::string::npos) continue;
    // `listening on HOST:PORT`; HOST may be [v6].
    const std::string line = out.substr(0, lf);
    const auto colon = line.rfind(':');
    if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
      error = fmt::format("{} printed \"{}\" instead of `listening on HOST:PORT`", spec.name, line);
      return false;
    }
    host_ = line.substr(13, colon - 13);
    if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
    if (host_ == "0.0.0.0") host_ = "127.0.0.1";
    if (host_ == "::") host_ = "::1";
    port_ = static_cast<unsigned short>(std::stoul(line.substr(colon + 1)));
    return true;
  }
  if (exited()) return false;
  error = fmt::format("{} was not ready after {} s (log: {})", spec.name, kReadyLimit.count(), spec.log_path);
  return false;
}

bool LaunchedServer::reap(int options, ServerCost* cost) {
  int status = 0;
  rusage usage{};
  const pid_t r = wait4(pid_, &status, options, &usage);
  if (r != pid_) return false;
  running_ = false;
  if (cost != nullptr) {
    cost->user_s = seconds(usage.ru_utime);
    cost->system_s = seconds(usage.ru_stime);
    cost->voluntary_switches = static_cast<std::uint64_t>(usage.ru_nvcsw);
    cost->involuntary_switches = static_cast<std::uint64_t>(usage.ru_nivcsw);
    cost->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return true;
}

ServerCost LaunchedServer::stop(std::chrono::milliseconds grace) {
  ServerCost cost;
  if (!running_) return cost;
  kill(-pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (reap(WNOHANG, &cost)) {
      kill(-pid_, SIGKILL);  // anything of the group left behind (a peer's helper) goes too
      return cost;
    }
    std::this_thread::sleep_for(10ms);
  }
  kill(-pid_, SIGKILL);
  reap(0, &cost);
  cost.exit_code = -1;
  return cost;
}

LaunchedServer::~LaunchedServer() {
  if (running_) {
    kill(-pid_, SIGKILL);
    reap(0, nullptr);
  }
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

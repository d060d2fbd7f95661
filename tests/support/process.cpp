#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "proc_info.hpp"

namespace echo::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string resolve_program(const std::string& name) {
  return name.find('/') == std::string::npos ? (binary_dir() / name).string() : name;
}

// fork + exec with pipes for stdin, stdout and stderr. Returns the pid.
pid_t spawn(const std::vector<std::string>& argv, int& in_fd, int& out_fd, int& err_fd, unsigned long fd_limit = 0) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string path = resolve_program(argv.at(0));
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (fd_limit > 0) {
      const rlimit lim{fd_limit, fd_limit};
      setrlimit(RLIMIT_NOFILE, &lim);
    }
    execv(path.c_str(), args.data());
    dprintf(2, "exec %s: %s\n", path.c_str(), strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  in_fd = in[1];
  out_fd = out[0];
  err_fd = err[0];
  return pid;
}

// Reads whatever is available on the fds into the strings, waiting at most `wait`.
// An fd that reached end of file is set to -1 (and left open for its owner to close).
void drain(int& out_fd, std::string& out, int& err_fd, std::string& err, std::chrono::milliseconds wait) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  if (out_fd < 0 && err_fd < 0) {
    poll(nullptr, 0, static_cast<int>(wait.count()));
    return;
  }
  if (poll(fds, 2, static_cast<int>(wait.count())) <= 0) return;
  char buf[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t n = read(fds[i].fd, buf, sizeof buf);
    if (n > 0) (i == 0 ? out : err).append(buf, static_cast<std::size_t>(n));
    else if (n == 0) (i == 0 ? out_fd : err_fd) = -1;
  }
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::filesystem::path binary_dir() { return ECHO_BINARY_DIR; }

ServerProcess::ServerProcess(std::vector<std::string> args, std::string program, unsigned long fd_limit) {
  std::vector<std::string> argv{program, "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  int in_fd = -1;
  pid_ = spawn(argv, in_fd, out_fd_, err_fd_, fd_limit);
  close(in_fd);
  out_open_ = out_fd_;
  err_open_ = err_fd_;
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    pump(100ms);
    const auto nl = out_.find('\n');
    if (nl != std::string::npos) {
      ready_line_ = out_.substr(0, nl);
      const auto colon = ready_line_.rfind(':');
      if (ready_line_.rfind("listening on ", 0) != 0 || colon == std::string::npos)
        throw std::runtime_error("unexpected first line: " + ready_line_);
      port_ = static_cast<unsigned short>(std::stoi(ready_line_.substr(colon + 1)));
      return;
    }
    if (wait_exit(0ms) >= 0) break;
  }
  kill(pid_, SIGKILL);
  wait_exit(5s);
  throw std::runtime_error("server did not become ready; stderr: " + err_);
}

ServerProcess::~ServerProcess() {
  if (status_ < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(out_fd_);
  close(err_fd_);
}

void ServerProcess::pump(std::chrono::milliseconds wait) { drain(out_open_, out_, err_open_, err_, wait); }

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  do {
    if (status_ >= 0) return status_;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = decode_status(status);
      for (int i = 0; i < 20; ++i) pump(10ms);  // collect the last words (the summary)
      return status_;
    }
    pump(10ms);
  } while (Clock::now() < deadline);
  return -1;
}

int ServerProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (status_ >= 0) return status_;
  kill(pid_, sig);
  const int code = wait_exit(timeout);
  if (code < 0) {
    kill(pid_, SIGKILL);
    wait_exit(5s);
    return -1;
  }
  return code;
}

std::string ServerProcess::stderr_text() {
  pump(0ms);
  return err_;
}

std::string ServerProcess::stdout_text() {
  pump(0ms);
  return out_;
}

RunResult run_program(std::vector<std::string> argv, const std::string& input, std::chrono::milliseconds timeout) {
  int in_fd = -1, out_fd = -1, err_fd = -1;
  const pid_t pid = spawn(argv, in_fd, out_fd, err_fd);
  int out_open = out_fd, err_open = err_fd;
  RunResult result;
  std::size_t written = 0;
  fcntl(in_fd, F_SETFL, O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  bool exited = false;
  while (!exited && Clock::now() < deadline) {
    if (in_fd >= 0 && written < input.size()) {
      const ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      else if (n < 0 && errno != EAGAIN) written = input.size();
    }
    if (in_fd >= 0 && written >= input.size()) {
      close(in_fd);
      in_fd = -1;
    }
    drain(out_open, result.out, err_open, result.err, 10ms);
    exited = waitpid(pid, &status, WNOHANG) == pid;
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else {
    result.exit_code = decode_status(status);
  }
  for (int i = 0; i < 50; ++i) drain(out_open, result.out, err_open, result.err, 1ms);
  if (in_fd >= 0) close(in_fd);
  close(out_fd);
  close(err_fd);
  return result;
}

int count_zombie_children(pid_t pid) {
  int zombies = 0;
  for (const pid_t child : child_pids(pid)) {
    const auto stat = ProcStat::read(child);
    if (stat && stat->field(3) == "Z") ++zombies;
  }
  return zombies;
}

}  // namespace echo::test

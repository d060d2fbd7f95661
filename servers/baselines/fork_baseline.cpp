// fork-baseline: the plainest fork-per-connection server there is, for the protocol of SPEC.md
// without its limits: accept(), fork(), and in the child read/upper-case/write until end of
// input. It is what `echo-server --mode fork` is measured against in churn runs (a new
// connection per request), where the fork is the cost:
//   echo-bench compare --churn --peer fork-baseline='fork-baseline --port {port}'
//
// Upper-casing is byte by byte, so the reply stream is the request stream upper-cased: no
// framing is needed, only an LF after a last line that had none. No --max-line, no connection
// limit, no idle timeout, no drain on SIGTERM: everything echo-server adds, this leaves out.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reaps in the handler (waitpid is async-signal-safe). Not SIG_IGN: children reaped by the
// kernel never reach wait4()'s rusage, and compare could not count their CPU.
void reap(int) {
  const int saved_errno = errno;
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

[[noreturn]] void serve(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[16384];
  char last = '\n';
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i)
      buf[i] = static_cast<char>(static_cast<unsigned char>(buf[i]) -
                                 32 * (static_cast<unsigned char>(buf[i] - 'a') < 26));  // branchless: vectorizes
    if (!write_all(fd, buf, static_cast<std::size_t>(n))) _exit(0);
    last = buf[n - 1];
  }
  if (last != '\n') write_all(fd, "\n", 1);  // end of input: a last line without LF
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 7007;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: fork-baseline [--port PORT]   (binds 127.0.0.1; 0 = a free port)\n");
      return 2;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = reap;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof addr;
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 4096) != 0 ||
      getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "fork-baseline: cannot listen on 127.0.0.1:%d: %s\n", port, std::strerror(errno));
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  for (;;) {
    const int fd = accept(lfd, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) usleep(10000);  // no spare-fd trick here: just wait
      continue;
    }
    const pid_t pid = fork();
    if (pid == 0) {
      close(lfd);
      signal(SIGCHLD, SIG_DFL);
      serve(fd);
    }
    close(fd);
  }
}

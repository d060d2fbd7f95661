// epoll-baseline: the smallest correct single-threaded epoll server for the protocol of SPEC.md
// (upper-case transform, max line 65536), in plain C++ on libc alone. It stands for "the limit of
// one event loop on this machine": `echo-bench compare --peer baseline='epoll-baseline --port {port}'`
// runs it beside the echo-server backends, whose throughput is then reported as a ratio to it.
// `--processes N`: N such loops in N processes, each with its own SO_REUSEPORT socket on the one
// port (the kernel spreads connections by hash): the limit for `echo-server --mode hybrid`.
//
// Level-triggered. Per readiness: one recv(), the replies to every complete line in it, one
// send(). A connection whose replies cannot all be written is watched for EPOLLOUT only, so
// nothing more is read from it until they are (backpressure): a connection holds at most about
// one read of replies plus one unfinished line, whatever its client does.

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kMaxLine = 65536;  // bytes, LF not counted: echo-server's default
constexpr std::string_view kErrTooLong = "ERR line too long\n";
constexpr int kLingerReads = 64;  // after an ERR, reads discarded before closing regardless

struct Conn {
  std::string partial;  // the start of a line whose LF has not arrived yet
  std::string out;      // replies not yet written; cleared, never freed, between bursts
  std::size_t out_off = 0;
  std::uint32_t events = 0;  // what epoll watches for this fd now
  bool closing = false;      // end of input or ERR: close once `out` is written
  bool error = false;        // ERR sent: linger before closing (see flush)
  int linger = 0;            // > 0: lingering; reads left to discard (a silent peer keeps it open)
};

struct Totals { unsigned long long connections = 0, lines = 0, bytes_in = 0, bytes_out = 0; } totals;
int epfd = -1;
std::vector<Conn*> conns;  // indexed by fd
int spare_fd = -1;         // kept in reserve for EMFILE (see accept_all)

void answer(Conn& c, const char* p, std::size_t n) {
  const std::size_t start = c.out.size();
  c.out.append(p, n);
  // Branchless, over a local pointer and length (a char store may alias the string's own
  // members, which would stop the loop from vectorizing).
  char* q = c.out.data() + start;
  for (std::size_t i = 0; i < n; ++i)
    q[i] = static_cast<char>(static_cast<unsigned char>(q[i]) - 32 * (static_cast<unsigned char>(q[i] - 'a') < 26));
  c.out.push_back('\n');
  ++totals.lines;
}

// The protocol: appends to c.out one reply per complete line in [p, p+n).
void frame(Conn& c, const char* p, std::size_t n) {
  while (n > 0) {
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', n));
    const std::size_t len = lf ? static_cast<std::size_t>(lf - p) : n;
    if (c.partial.size() + len > kMaxLine) {  // refuse before buffering it: memory stays bounded
      c.out.append(kErrTooLong);
      c.closing = c.error = true;
      return;
    }
    if (!lf) {
      c.partial.append(p, n);
      return;
    }
    if (c.partial.empty()) {
      answer(c, p, len);  // the common case: the whole line is in this read, no copy to partial
    } else {
      c.partial.append(p, len);
      answer(c, c.partial.data(), c.partial.size());
      c.partial.clear();
    }
    p += len + 1;
    n -= len + 1;
  }
}

void close_conn(int fd) {
  delete conns[static_cast<std::size_t>(fd)];
  conns[static_cast<std::size_t>(fd)] = nullptr;
  close(fd);  // also removes it from the epoll set
}

void watch(int fd, Conn& c, std::uint32_t events) {
  if (c.events == events) return;  // epoll_ctl is a syscall: only when interest changes
  epoll_event ev{events, {.fd = fd}};
  epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
  c.events = events;
}

// One send() per burst of replies, then decide what to wait for next.
void flush(int fd, Conn& c) {
  if (c.out_off < c.out.size()) {
    const ssize_t k = send(fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (k < 0 && errno != EAGAIN && errno != EINTR) return close_conn(fd);  // reset, EPIPE
    if (k > 0) {
      c.out_off += static_cast<std::size_t>(k);
      totals.bytes_out += static_cast<unsigned long long>(k);
    }
    if (c.out_off < c.out.size()) return watch(fd, c, EPOLLOUT);  // backpressure: stop reading
    c.out.clear();
    c.out_off = 0;
  }
  if (!c.closing) return watch(fd, c, EPOLLIN);
  if (!c.error) return close_conn(fd);
  // After ERR the peer may still be sending; close() with unread input sends RST, which can
  // destroy the ERR line before the peer reads it. So: FIN first, then read and discard a while.
  shutdown(fd, SHUT_WR);
  c.error = false;
  c.linger = kLingerReads;
  watch(fd, c, EPOLLIN);
}

void on_readable(int fd, Conn& c) {
  static char buf[65536];  // shared by all connections: data is framed before the next recv
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (c.linger > 0) {
    if (n <= 0 || --c.linger == 0) close_conn(fd);
    return;
  }
  if (n < 0) return close_conn(fd);  // reset: nobody is left to answer
  if (n == 0) {                      // end of input: a last line without LF is answered too
    if (!c.partial.empty()) answer(c, c.partial.data(), c.partial.size());
    c.partial.clear();
    c.closing = true;
  } else {
    totals.bytes_in += static_cast<unsigned long long>(n);
    frame(c, buf, static_cast<std::size_t>(n));
  }
  flush(fd, c);
}

void accept_all(int listen_fd) {
  for (;;) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
        // Level-triggered: the listener would stay readable and we would spin. Use the spare
        // descriptor to accept and drop one waiting connection (muduo's answer), then retake it.
        close(spare_fd);
        const int victim = accept(listen_fd, nullptr, nullptr);
        if (victim >= 0) close(victim);
        spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
      return;  // EAGAIN: backlog drained
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (conns.size() <= static_cast<std::size_t>(fd)) conns.resize(static_cast<std::size_t>(fd) + 1, nullptr);
    Conn* c = new Conn;
    c->events = EPOLLIN;
    conns[static_cast<std::size_t>(fd)] = c;
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    ++totals.connections;
  }
}

// Binds host:port (numeric or a name; port 0 = a free one). Prints the bound address into `where`.
int listen_on(const char* host, const char* port, bool reuse_port, char* where, std::size_t where_size) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host, port, &hints, &res); rc != 0) {
    std::fprintf(stderr, "epoll-baseline: cannot resolve %s: %s\n", host, gai_strerror(rc));
    return -1;
  }
  int fd = -1, err = 0;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      err = errno;
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if ((bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) != 0)) {
      err = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    std::fprintf(stderr, "epoll-baseline: cannot listen on %s:%s: %s\n", host, port, std::strerror(err));
    return -1;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  char h[NI_MAXHOST], p[NI_MAXSERV];
  getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV);
  std::snprintf(where, where_size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
  return fd;
}

// One event loop on `listen_fd` until a stop signal arrives; prints its totals.
int serve(int listen_fd, int signal_fd) {
  spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  for (const int fd : {listen_fd, signal_fd}) {
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  }
  epoll_event events[256];
  for (bool stop = false; !stop;) {
    const int n = epoll_wait(epfd, events, 256, -1);
    if (n < 0 && errno != EINTR) {
      std::perror("epoll-baseline: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd) {
        accept_all(listen_fd);
      } else if (fd == signal_fd) {
        stop = true;
      } else if (static_cast<std::size_t>(fd) < conns.size() && conns[static_cast<std::size_t>(fd)]) {
        Conn& c = *conns[static_cast<std::size_t>(fd)];  // may be a newer conn on a reused fd: harmless
        if (c.events & EPOLLOUT) flush(fd, c);
        else on_readable(fd, c);
      }
    }
  }
  for (std::size_t fd = 0; fd < conns.size(); ++fd)
    if (conns[fd]) close_conn(static_cast<int>(fd));
  std::fprintf(stderr, "epoll-baseline[%d]: %llu connections, %llu lines, %llu bytes in, %llu bytes out\n", getpid(),
               totals.connections, totals.lines, totals.bytes_in, totals.bytes_out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage = "usage: epoll-baseline [--host 127.0.0.1] [--port 7007] [--processes 1]\n";
  const char* host = "127.0.0.1";
  const char* port = "7007";
  long processes = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--host" || arg == "--port") && i + 1 < argc) {
      (arg == "--host" ? host : port) = argv[++i];
    } else if (arg == "--processes" && i + 1 < argc) {
      processes = std::strtol(argv[++i], nullptr, 10);
      if (processes < 1 || processes > 1024) {
        std::fprintf(stderr, "epoll-baseline: --processes must be 1 to 1024\n");
        return 2;
      }
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "epoll-baseline: bad argument '%s'\n%s", argv[i], usage);
      return 2;
    }
  }
  char* end = nullptr;
  const long port_number = std::strtol(port, &end, 10);
  if (*port == '\0' || *end != '\0' || port_number < 0 || port_number > 65535) {
    std::fprintf(stderr, "epoll-baseline: bad port '%s'\n", port);
    return 2;
  }

  // Signals arrive as readable data on a descriptor in the same epoll set: no handler races.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const int signal_fd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);  // per process: its own signals

  char where[NI_MAXHOST + NI_MAXSERV + 4];
  const bool reuse_port = processes > 1;
  const int listen_fd = listen_on(host, port, reuse_port, where, sizeof where);
  if (listen_fd < 0) return 1;
  std::printf("listening on %s\n", where);
  std::fflush(stdout);

  // The other loops bind their own sockets to the port the first one got (port 0 included).
  const std::string bound_port = std::strrchr(where, ':') + 1;
  std::vector<pid_t> children;
  for (long i = 1; i < processes; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      close(listen_fd);
      char ignored[sizeof where];
      const int own_fd = listen_on(host, bound_port.c_str(), true, ignored, sizeof ignored);
      _exit(own_fd < 0 ? 1 : serve(own_fd, signal_fd));
    }
    if (pid > 0) children.push_back(pid);
  }
  const int status = serve(listen_fd, signal_fd);
  for (const pid_t pid : children) {
    kill(pid, SIGTERM);  // a stop sent to the first process alone reaches every loop
    waitpid(pid, nullptr, 0);
  }
  return status;
}

#pragma once
// Small POSIX socket helpers shared by the servers, the clients and the tests.

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace echo {

struct Listener {
  int fd = -1;
  std::string host;  // as bound, numeric
  unsigned short port = 0;
  int family = 0;  // AF_INET or AF_INET6
};

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;
// getaddrinfo() for TCP: every address of host:port (passive: for bind), or nullptr with
// getaddrinfo's reason in `error`.
AddrInfoPtr resolve_tcp(const std::string& host, unsigned short port, bool passive, std::string& error);

// Resolves host (numeric or a name) and binds the first address that works. Throws
// std::runtime_error with a one-line message ("cannot listen on 127.0.0.1:7007: Address already in use").
// SO_REUSEPORT, so that other sockets (hybrid's workers) may bind the same port: `start_group`
// first checks the port is free (another group's SO_REUSEPORT socket would let us join it
// silently, and "port in use" must stay an error); `join_group` binds beside our own group.
enum class PortSharing { exclusive, start_group, join_group };
inline constexpr int kListenBacklog = 4096;
Listener listen_tcp(const std::string& host, unsigned short port, int backlog = kListenBacklog,
                    PortSharing sharing = PortSharing::exclusive);

// Connects (blocking, with a timeout). Returns the fd, or -1 with errno set (ETIMEDOUT on timeout).
int connect_tcp(const std::string& host, unsigned short port, std::chrono::milliseconds timeout);

// HOST:PORT as users type it and the ready line says it: "127.0.0.1:7007", "[::1]:7007" (an
// IPv6 address in brackets, so the port stays apart).
std::string format_endpoint(std::string_view host, unsigned short port);
std::string format_address(const sockaddr* addr);  // the same, from a socket address
void set_nodelay(int fd);
void set_nonblocking(int fd, bool on);

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::size_t raise_fd_limit();

// Out of descriptors (or kernel memory) while accepting: retrying at once would spin.
bool is_resource_exhaustion(int err);

// Says `message` if the socket has room for it (never blocks) and closes the socket.
void reject_and_close(int fd, std::string_view message);

// muduo's answer to EMFILE: keep one descriptor in reserve. When accept() fails for lack of
// descriptors, give the reserve back, accept the waiting connection, tell it we are busy and
// close it, then take the reserve again. The backlog drains instead of the loop spinning.
class SpareFd {
 public:
  SpareFd();
  ~SpareFd();
  SpareFd(const SpareFd&) = delete;
  SpareFd& operator=(const SpareFd&) = delete;
  // Turns away one pending connection on listen_fd. Returns true if one was turned away.
  bool shed_one(int listen_fd);

 private:
  int fd_ = -1;
};

}  // namespace echo

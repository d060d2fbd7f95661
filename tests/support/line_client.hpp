#pragma once
// A plain blocking TCP client for tests: every call is bounded by a timeout.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo::test {

using namespace std::chrono_literals;

class LineClient {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit LineClient(unsigned short port, std::chrono::milliseconds timeout = 5s);
  ~LineClient();
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  void send(std::string_view bytes);  // all of it, or throws
  // Next line without its LF, or nullopt on close, reset or timeout (see last_error()).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s);
  std::vector<std::string> read_lines(std::size_t n, std::chrono::milliseconds timeout = 10s);
  // The next n bytes, whatever they hold (raw framing); fewer on close, reset or timeout.
  std::string read_bytes(std::size_t n, std::chrono::milliseconds timeout = 10s);
  // True if the server closes (EOF or reset) within the timeout and sends nothing more.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  void half_close();  // shutdown(SHUT_WR): our end of input
  void reset();       // close with SO_LINGER 0: the peer sees RST
  int fd() const { return fd_; }
  const std::string& last_error() const { return last_error_; }

 private:
  bool fill(std::chrono::milliseconds timeout);  // reads more into buf_; false on EOF/error/timeout

  int fd_ = -1;
  std::string buf_;
  std::string last_error_;
};

}  // namespace echo::test

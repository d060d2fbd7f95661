#pragma once
// The open connections of a multi-threaded backend, so that a stop request can reach them:
// shutdown(SHUT_RD) wakes a blocked or pending read with end of input, whoever is waiting on it.
// It only reaches them; whether a connection may open at all is admission's (admission.hpp).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <unordered_set>

namespace echo {

class ConnectionRegistry {
 public:
  void add(int fd);
  // Call before closing fd, so a stop request never touches a recycled descriptor.
  void remove(int fd);
  void shutdown_all(int how);  // SHUT_RD: drain; SHUT_RDWR: cut
  std::size_t size() const;
  // True if every connection is gone within `timeout`.
  bool wait_empty(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::unordered_set<int> fds_;
};

}  // namespace echo

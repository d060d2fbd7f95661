#include "connection_registry.hpp"

#include <sys/socket.h>

namespace echo {

void ConnectionRegistry::add(int fd) {
  std::lock_guard lock(mutex_);
  fds_.insert(fd);
}

void ConnectionRegistry::remove(int fd) {
  std::lock_guard lock(mutex_);
  fds_.erase(fd);
  if (fds_.empty()) empty_.notify_all();
}

void ConnectionRegistry::shutdown_all(int how) {
  std::lock_guard lock(mutex_);
  for (const int fd : fds_) shutdown(fd, how);
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return fds_.size();
}

bool ConnectionRegistry::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return empty_.wait_for(lock, timeout, [this] { return fds_.empty(); });
}

}  // namespace echo

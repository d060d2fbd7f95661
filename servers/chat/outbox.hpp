#pragma once
// A chat member's undelivered output: lines that others (another thread, the hub's reader)
// append and that the member's own session writes to its socket. Bounded by --max-backlog: a
// member that does not read is cut off here, so a slow reader never holds the room back and
// costs at most its backlog in memory (redis's client-output-buffer-limit).

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace echo::chat {

class Outbox {
 public:
  explicit Outbox(std::size_t limit) : limit_(limit) {}
  virtual ~Outbox() = default;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Any thread. Appends `line` (and, with `close`, the end of the conversation); ignored once the
  // member is closing or was cut off. Going over the limit drops everything queued: cut off.
  void push(std::string_view line, bool close);

  struct Batch {
    std::string bytes;  // the caller clears it once written; its buffer is reused
    std::size_t lines = 0;
    bool close = false;       // write `bytes`, then close
    bool overflowed = false;  // over --max-backlog: cut the connection, write nothing
  };
  // Moves everything queued into `batch`. False when there was nothing: the next push() wakes().
  bool take(Batch& batch);
  // True once over the limit: a session stuck writing to this member checks it on wake().
  bool overflowed() {
    std::lock_guard lock(mutex_);
    return overflowed_;
  }

 protected:
  // Tells the session that output is waiting. Called from the pushing thread, without the lock.
  virtual void wake() = 0;

 private:
  std::mutex mutex_;
  std::string queued_;
  std::size_t lines_ = 0;
  const std::size_t limit_;
  bool close_ = false;
  bool overflowed_ = false;
  bool finished_ = false;  // the close or the cut was taken: nothing more is accepted
  bool armed_ = false;     // the session found nothing and waits for wake()
};

}  // namespace echo::chat

#include "outbox.hpp"

namespace echo::chat {

void Outbox::push(std::string_view line, bool close) {
  bool wake_session = false;
  {
    std::lock_guard lock(mutex_);
    if (finished_ || close_ || overflowed_) return;
    if (queued_.size() + line.size() > limit_) {
      overflowed_ = true;
      std::string().swap(queued_);  // its memory goes back at once
      lines_ = 0;
    } else {
      queued_.append(line);
      lines_ += line.empty() ? 0 : 1;
      close_ = close;
    }
    wake_session = armed_ || overflowed_;  // a cut-off must reach a session stuck in a write too
    armed_ = false;
  }
  if (wake_session) wake();
}

bool Outbox::take(Batch& batch) {
  std::lock_guard lock(mutex_);
  if (finished_ || (queued_.empty() && !close_ && !overflowed_)) {
    armed_ = !finished_;
    return false;
  }
  batch.bytes.swap(queued_);  // the two buffers take turns: no allocation per batch
  queued_.clear();
  batch.lines = lines_;
  lines_ = 0;
  batch.close = close_;
  batch.overflowed = overflowed_;
  finished_ = close_ || overflowed_;
  return true;
}

}  // namespace echo::chat

#include "local_hub.hpp"

namespace echo::chat {

void LocalHub::deliver() {
  for (const Delivery& d : out_.deliveries)
    for (const MemberId id : d.to)
      if (const auto it = outboxes_.find(id); it != outboxes_.end()) it->second->push(d.line, d.close);
  if (out_.messages > 0) counters_.chat_messages.fetch_add(out_.messages, std::memory_order_relaxed);
  out_.clear();
}

void LocalHub::join(MemberId id, std::shared_ptr<Outbox> outbox) {
  std::lock_guard lock(mutex_);
  outboxes_.emplace(id, std::move(outbox));
  core_.join(id, out_);
  deliver();
}

void LocalHub::lines(MemberId id, std::string_view lines) {
  std::lock_guard lock(mutex_);
  for (std::size_t lf; (lf = lines.find('\n')) != std::string_view::npos; lines.remove_prefix(lf + 1))
    core_.line(id, lines.substr(0, lf), out_);
  deliver();
}

void LocalHub::leave(MemberId id, std::string_view last_line) {
  std::lock_guard lock(mutex_);
  core_.leave(id, last_line, out_);
  deliver();
  outboxes_.erase(id);
}

}  // namespace echo::chat

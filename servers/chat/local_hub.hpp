#pragma once
// The chat in the sessions' own process (coro, thread, pool): the core behind one mutex. The
// lock decides each room's order, and deliveries are pushed into the members' outboxes while
// it is held, so every outbox receives them in that order. coro's one thread never contends.

#include <memory>
#include <mutex>
#include <unordered_map>

#include "chat_link.hpp"
#include "counters.hpp"
#include "transform.hpp"

namespace echo::chat {

class LocalHub final : public ChatLink {
 public:
  LocalHub(Transform transform, Counters& counters) : core_(transform), counters_(counters) {}

  void join(MemberId id, std::shared_ptr<Outbox> outbox) override;
  void lines(MemberId id, std::string_view lines) override;
  void leave(MemberId id, std::string_view last_line) override;

 private:
  void deliver();  // out_ to the outboxes; the lock is held

  std::mutex mutex_;
  ChatCore core_;
  ChatOutput out_;
  std::unordered_map<MemberId, std::shared_ptr<Outbox>> outboxes_;
  Counters& counters_;
};

}  // namespace echo::chat

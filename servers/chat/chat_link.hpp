#pragma once
// What a chat session talks to: the room logic, wherever it runs. In the same process
// (LocalHub: coro, thread, pool) or in the parent (RemoteLink to the Hub: fork, hybrid). A
// session says who joined, what it sent and when it leaves; deliveries come back through the
// member's Outbox, in the order the one decider of its room chose.

#include <memory>
#include <string_view>

#include "chat_core.hpp"
#include "outbox.hpp"

namespace echo::chat {

class ChatLink {
 public:
  virtual ~ChatLink() = default;
  // A new member; everything for it is pushed into `outbox` from now on, until its close.
  virtual void join(MemberId id, std::shared_ptr<Outbox> outbox) = 0;
  // One or more whole lines the member sent, each ending in LF.
  virtual void lines(MemberId id, std::string_view lines) = 0;
  // The member reads no more: it leaves its room and gets `last_line` (may be empty) and the
  // close. Call exactly once per member, also after /quit.
  virtual void leave(MemberId id, std::string_view last_line) = 0;
  // True while the way to the decider is backed up: sessions then stop reading (bounded memory).
  virtual bool congested() const { return false; }
  // Every session is over (a stop): let go of what keeps the event loop running.
  virtual void shutdown() {}
};

}  // namespace echo::chat

#include "chat_plan.hpp"

#include <fmt/format.h>

namespace echo::bench {

ChatPlan::ChatPlan(const ChatOptions& o, std::string room_prefix)
    : options(o), room_of(o.clients), members(o.rooms, 0), senders(o.rooms), sent(new std::atomic<std::uint64_t>[o.senders]) {
  for (std::size_t r = 0; r < o.rooms; ++r) room_names.push_back(fmt::format("{}-{}", room_prefix, r));
  for (std::size_t client = 0; client < o.clients; ++client) {
    room_of[client] = client % o.rooms;
    ++members[room_of[client]];
  }
  for (std::size_t k = 0; k < o.senders; ++k) {  // clients 0..K-1: one per room in turn
    sent[k].store(0);
    sender_client.push_back(k);
    auto& room_senders = senders[room_of[k]];
    sender_slot.push_back(room_senders.size());
    room_senders.push_back(k);
  }
}

}  // namespace echo::bench

#pragma once
// A worker process's end of the chat (fork's child, a hybrid worker): the rooms are decided by
// the Hub in the parent, reached over one socketpair (common/chat/chat_wire.hpp). Events go up
// in the order the sessions made them; deliveries come down, one copy per worker with the list
// of its local recipients, and are pushed into their outboxes here. Runs on one event loop.

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <unordered_map>

#include "chat_link.hpp"
#include "chat_wire.hpp"

namespace echo::chat {

class RemoteLink final : public ChatLink {
 public:
  // `hub_fd`: this worker's end of its socketpair with the hub; the link owns it.
  RemoteLink(asio::io_context& loop, int hub_fd, std::size_t max_backlog);
  ~RemoteLink() override;

  void join(MemberId id, std::shared_ptr<Outbox> outbox) override;
  void lines(MemberId id, std::string_view lines) override;
  void leave(MemberId id, std::string_view last_line) override;
  bool congested() const override;
  void shutdown() override;

  struct State;  // shared with the link's two coroutines, which may outlive it by a moment

 private:
  std::shared_ptr<State> state_;
};

}  // namespace echo::chat

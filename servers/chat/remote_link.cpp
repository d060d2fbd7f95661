#include "remote_link.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <array>
#include <spdlog/spdlog.h>

#include "channel_writer.hpp"

namespace echo::chat {
namespace {

constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

struct RemoteLink::State {
  State(asio::io_context& loop, int fd, std::size_t backlog)
      : channel(loop, asio::local::stream_protocol(), fd), output_ready(loop), congestion_limit(backlog) {}

  asio::local::stream_protocol::socket channel;
  asio::steady_timer output_ready;
  std::string queued;  // events not yet written to the hub
  std::unordered_map<MemberId, std::shared_ptr<Outbox>> members;
  std::size_t congestion_limit;
  bool hub_gone = false;

  void send(EventKind kind, MemberId id, std::string_view text) {
    if (hub_gone) return;
    const bool was_empty = queued.empty();
    append_event(queued, kind, id, text);
    if (was_empty) output_ready.cancel();
  }

  // Without a hub there is no chat: every member gets its close, now and on joining.
  void lose_hub() {
    if (!hub_gone) spdlog::debug("chat: the hub channel closed");
    hub_gone = true;
    for (auto& [id, outbox] : members) outbox->push({}, true);
    members.clear();
    asio::error_code ignored;
    channel.close(ignored);
    output_ready.cancel();
  }
};

namespace {

asio::awaitable<void> write_events(std::shared_ptr<RemoteLink::State> s) {
  const std::error_code error = co_await write_queued(s->channel, s->queued, s->output_ready, s->hub_gone);
  if (error) s->lose_hub();
}

asio::awaitable<void> read_deliveries(std::shared_ptr<RemoteLink::State> s) {
  FrameReader frames;
  std::array<char, kChannelRead> in;
  while (!s->hub_gone) {
    const auto [error, n] = co_await s->channel.async_read_some(asio::buffer(in), use_nothrow);
    if (error) break;
    frames.append({in.data(), n});
    while (const auto body = frames.next()) {
      const auto delivery = decode_delivery(*body);
      if (!delivery) {
        spdlog::error("chat: a bad frame from the hub");
        s->lose_hub();
        co_return;
      }
      for (std::size_t i = 0; i < delivery->count; ++i) {
        const auto it = s->members.find(delivery->id(i));
        if (it == s->members.end()) continue;
        it->second->push(delivery->line, delivery->close);
        if (delivery->close) s->members.erase(it);  // its last delivery
      }
    }
    if (frames.bad()) break;
  }
  s->lose_hub();
}

}  // namespace

RemoteLink::RemoteLink(asio::io_context& loop, int hub_fd, std::size_t max_backlog)
    : state_(std::make_shared<State>(loop, hub_fd, max_backlog)) {
  asio::co_spawn(loop, write_events(state_), asio::detached);
  asio::co_spawn(loop, read_deliveries(state_), asio::detached);
}

RemoteLink::~RemoteLink() { shutdown(); }

void RemoteLink::join(MemberId id, std::shared_ptr<Outbox> outbox) {
  if (state_->hub_gone) return outbox->push({}, true);
  state_->members.emplace(id, std::move(outbox));
  state_->send(EventKind::join, id, {});
}

void RemoteLink::lines(MemberId id, std::string_view lines) { state_->send(EventKind::line, id, lines); }

void RemoteLink::leave(MemberId id, std::string_view last_line) {
  if (state_->hub_gone) {  // nobody will send its close: close it here
    if (const auto it = state_->members.find(id); it != state_->members.end()) it->second->push(last_line, true);
    return;
  }
  state_->send(EventKind::leave, id, last_line);
}

// Events wait here while the hub is behind; past the member backlog the sessions stop reading.
bool RemoteLink::congested() const { return state_->queued.size() > state_->congestion_limit; }

void RemoteLink::shutdown() {
  // Its sessions are over; lose_hub() only closes the channel and wakes the coroutines.
  state_->lose_hub();
}

}  // namespace echo::chat

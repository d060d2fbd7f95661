#include "hub.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "channel_writer.hpp"
#include "chat_core.hpp"
#include "chat_wire.hpp"

namespace echo::chat {
namespace {

constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);
// A worker reads its channel at once (its members' outboxes take the cut-offs), so a channel
// this far behind means a worker that is stuck, not slow.
constexpr std::size_t kMaxWorkerBacklog = std::size_t{256} << 20;

struct Worker {
  Worker(asio::io_context& io, int fd) : channel(io, asio::local::stream_protocol(), fd), output_ready(io) {}
  asio::local::stream_protocol::socket channel;
  asio::steady_timer output_ready;
  std::string queued;                   // deliveries not yet written to it
  std::unordered_set<MemberId> members;  // who lives there
  std::vector<MemberId> recipients;      // scratch: one delivery's recipients there
  bool gone = false;

  void let_go() {
    gone = true;
    asio::error_code ignored;
    channel.close(ignored);
    output_ready.cancel();
  }
};

}  // namespace

struct Hub::State {
  State(Transform transform, Counters& c) : core(transform), counters(c) {}

  asio::io_context io{1};  // first: destroyed last, after everything that uses it
  asio::executor_work_guard<asio::io_context::executor_type> keep_running = asio::make_work_guard(io);
  ChatCore core;
  ChatOutput out;
  Counters& counters;
  std::unordered_map<MemberId, std::shared_ptr<Worker>> where;  // member -> the worker it lives on
  std::vector<Worker*> touched;
  std::mutex fork_mutex;  // pause_for_fork() / resume_after_fork()
  std::condition_variable fork_changed;
  std::uint64_t paused = 0;   // the last pause the hub thread is parked for
  std::uint64_t resumed = 0;  // the last pause the parent ended

  // Each delivery goes once to each worker with recipients, carrying their ids.
  void deliver() {
    for (const Delivery& d : out.deliveries) {
      for (const MemberId id : d.to) {
        const auto it = where.find(id);
        if (it == where.end()) continue;
        Worker& w = *it->second;
        if (w.recipients.empty()) touched.push_back(&w);
        w.recipients.push_back(id);
      }
      for (Worker* w : touched) {
        if (!w->gone) {
          if (w->queued.empty()) w->output_ready.cancel();
          append_delivery(w->queued, w->recipients.data(), w->recipients.size(), d.line, d.close);
          if (w->queued.size() > kMaxWorkerBacklog) {
            spdlog::error("chat hub: a worker is {} bytes behind; letting it go", w->queued.size());
            w->let_go();  // its reader sees the close and makes its members leave
          }
        }
        w->recipients.clear();
      }
      touched.clear();
    }
    if (out.messages > 0) counters.chat_messages.fetch_add(out.messages, std::memory_order_relaxed);
    out.clear();
  }

  void on_event(const std::shared_ptr<Worker>& w, const Event& e) {
    switch (e.kind) {
      case EventKind::join:
        w->members.insert(e.id);
        where[e.id] = w;
        core.join(e.id, out);
        break;
      case EventKind::line:
        for (std::string_view lines = e.text; !lines.empty();) {
          const std::size_t lf = std::min(lines.find('\n'), lines.size());
          core.line(e.id, lines.substr(0, lf), out);
          lines.remove_prefix(std::min(lf + 1, lines.size()));
        }
        break;
      case EventKind::leave:
        core.leave(e.id, e.text, out);
        deliver();  // its close first, then it is forgotten
        where.erase(e.id);
        w->members.erase(e.id);
        return;
    }
    deliver();
  }

  // A worker died or was let go: its members leave their rooms.
  void forget(Worker& w) {
    w.let_go();
    for (const MemberId id : w.members) {
      where.erase(id);
      core.leave(id, {}, out);
    }
    w.members.clear();
    deliver();
  }

  asio::awaitable<void> read_events(std::shared_ptr<Worker> w) {
    FrameReader frames;
    std::array<char, kChannelRead> in;
    while (!w->gone) {
      const auto [error, n] = co_await w->channel.async_read_some(asio::buffer(in), use_nothrow);
      if (error) break;
      frames.append({in.data(), n});
      bool bad = false;
      while (const auto body = frames.next()) {
        const auto event = decode_event(*body);
        if (!event) {
          bad = true;
          break;
        }
        on_event(w, *event);
      }
      if (bad || frames.bad()) {
        spdlog::error("chat hub: a bad frame from a worker; letting it go");
        break;
      }
    }
    forget(*w);
  }

  asio::awaitable<void> write_deliveries(std::shared_ptr<Worker> w) {
    const std::error_code error = co_await write_queued(w->channel, w->queued, w->output_ready, w->gone);
    if (error) w->let_go();
  }
};

Hub::Hub(Transform transform, Counters& counters) : state_(std::make_unique<State>(transform, counters)) {
  // Signals (SIGCHLD, SIGTERM) belong to the thread that accepts and reaps, not to the hub: the
  // new thread starts with every signal blocked. (Under TSan, a handler run on a thread asleep in
  // epoll_wait was deferred until it woke, and children went unreaped.)
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &before);
  thread_ = std::thread([s = state_.get()] {
    try {
      s->io.run();
    } catch (const std::exception& e) {
      spdlog::error("chat hub: {}", e.what());
    }
  });
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

Hub::~Hub() {
  state_->io.stop();
  thread_.join();
}

std::pair<int, int> Hub::make_channel() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::system_error(errno, std::generic_category(), "socketpair for the chat hub");
  return {fds[0], fds[1]};
}

void Hub::adopt(int hub_end) {
  asio::post(state_->io, [s = state_.get(), hub_end] {
    auto w = std::make_shared<Worker>(s->io, hub_end);
    asio::co_spawn(s->io, s->read_events(w), asio::detached);
    asio::co_spawn(s->io, s->write_deliveries(w), asio::detached);
  });
}

void Hub::pause_for_fork() {
  State* s = state_.get();
  std::unique_lock lock(s->fork_mutex);
  const std::uint64_t pause = s->resumed + 1;  // numbered: a late waker never mistakes the next
  asio::post(s->io, [s, pause] {
    std::unique_lock held(s->fork_mutex);
    s->paused = pause;
    s->fork_changed.notify_all();
    s->fork_changed.wait(held, [s, pause] { return s->resumed >= pause; });
  });
  s->fork_changed.wait(lock, [s, pause] { return s->paused >= pause; });
}

void Hub::resume_after_fork() {
  State* s = state_.get();
  std::lock_guard lock(s->fork_mutex);
  s->resumed = s->paused;
  s->fork_changed.notify_all();
}

void close_inherited_fds(std::initializer_list<int> keep) {
  std::vector<int> kept;
  for (const int fd : keep)
    if (fd > 2) kept.push_back(fd);
  std::sort(kept.begin(), kept.end());
  unsigned from = 3;
  for (const int fd : kept) {
    if (static_cast<unsigned>(fd) > from) close_range(from, static_cast<unsigned>(fd) - 1, 0);
    from = static_cast<unsigned>(fd) + 1;
  }
  close_range(from, ~0U, 0);
}

}  // namespace echo::chat

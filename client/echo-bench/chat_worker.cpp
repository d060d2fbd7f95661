#include "chat_worker.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "chat_line.hpp"

namespace echo::bench {
namespace {

constexpr std::uint64_t kTimerTag = UINT64_MAX;      // epoll tag of the open loop's timer
constexpr std::size_t kMaxLine = 64 * 1024;          // a delivery longer than this is not ours
constexpr std::size_t kMaxUnsent = 1 << 20;          // open loop: a sender this far behind waits

std::uint64_t ns_of(Clock::time_point t) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::string shown(std::string_view line) {  // a line for an error message: short, printable
  std::string s;
  for (const char ch : line.substr(0, 60)) s += (ch >= 32 && ch < 127) ? ch : '?';
  return line.size() > 60 ? s + "..." : s;
}

}  // namespace

ChatWorker::ChatWorker(const ChatPlan& plan, const Target& target, const std::vector<std::size_t>& clients, double rate,
                       ChatStats& stats, ChatControl& control, std::vector<MemberOutcome>& outcomes)
    : plan_(plan),
      target_(target),
      stats_(stats),
      control_(control),
      outcomes_(outcomes),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      schedule_(rate),
      buf_(kReadBuffer) {
  conns_.reserve(clients.size());
  for (const std::size_t client : clients) {
    const std::size_t room = plan.room_of[client];
    Conn& c = conns_.emplace_back(client, room, plan.senders[room].size());
    for (std::size_t k = 0; k < plan.sender_client.size(); ++k)
      if (plan.sender_client[k] == client) {
        c.sender = static_cast<long>(k);
        senders_.push_back(conns_.size() - 1);
      }
  }
  if (schedule_.active()) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, schedule_.timer_fd(), &ev);
  }
}

ChatWorker::~ChatWorker() {
  for (Conn& c : conns_)
    if (c.fd >= 0) close(c.fd);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void ChatWorker::run() {
  connect_deadline_ = Clock::now() + to_duration(plan_.options.timeout_s);
  for (Conn& c : conns_) {
    c.fd = start_connect(target_);
    if (c.fd < 0) {
      lost(c, fmt::format("client {} could not connect: {}", c.client, std::strerror(errno)));
      continue;
    }
    watch(c, EPOLL_CTL_ADD);
  }
  std::vector<epoll_event> events(256);
  while (!control_.stop.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kTick).count()));
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) on_event(events[static_cast<std::size_t>(i)], now);
    phases(now);
  }
  record_outcomes();
}

// What the run's phase asks of this thread now: connects that took too long, the start of the
// sending, its end, and whether every member got everything.
void ChatWorker::phases(Clock::time_point now) {
  if (!going_ && now > connect_deadline_)
    for (Conn& c : conns_)
      if (!c.connected && !c.closed) lost(c, fmt::format("client {} could not connect within --timeout", c.client));
  if (!going_ && control_.go.load(std::memory_order_acquire)) {
    going_ = true;
    if (schedule_.active()) {
      schedule_.start(control_.measure_start - to_duration(plan_.options.warmup_s));
      release_due(now);
    }
  }
  if (!going_) return;
  if (!schedule_.active()) fill_closed_loop(now);
  if (!senders_reported_ && now >= control_.send_end) {
    senders_reported_ = true;
    schedule_.stop_waking();
    control_.senders_stopped.fetch_add(1, std::memory_order_acq_rel);
  }
  if (!complete_reported_ && control_.counts_final.load(std::memory_order_acquire) &&
      (members_complete() || now >= control_.send_end + to_duration(plan_.options.timeout_s))) {
    complete_reported_ = true;
    control_.complete.fetch_add(1, std::memory_order_acq_rel);
  }
}

void ChatWorker::on_event(const epoll_event& ev, Clock::time_point now) {
  if (ev.data.u64 == kTimerTag) {
    schedule_.clear_wakeup();
    release_due(now);
    return;
  }
  Conn& c = conns_[ev.data.u64];
  if (c.closed) return;
  if (!c.connected) {
    on_connected(c);
    return;
  }
  if (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c, now);
  if (!c.closed && (ev.events & EPOLLOUT)) flush(c);
}

void ChatWorker::on_connected(Conn& c) {
  if (const int err = socket_error(c.fd); err != 0) {
    lost(c, fmt::format("client {} could not connect: {}", c.client, std::strerror(err)));
    return;
  }
  c.connected = true;
  c.want_write = true;  // EPOLLOUT is armed from the connect: flush disarms it once the bytes are out
  // Join, then say hello in the new room: our own hello coming back proves we are in.
  c.out = fmt::format("/join {}\n", plan_.room_names[c.room]) + hello_line(c.client);
  flush(c);
}

void ChatWorker::on_readable(Conn& c, Clock::time_point now) {
  while (!c.closed) {
    const ssize_t n = recv(c.fd, buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      lost(c, n == 0 ? fmt::format("the server closed client {}'s connection", c.client)
                     : fmt::format("client {}'s connection broke: {}", c.client, std::strerror(errno)));
      return;
    }
    std::string_view data(buf_.data(), static_cast<std::size_t>(n));
    for (auto lf = data.find('\n'); lf != std::string_view::npos && !c.closed; lf = data.find('\n')) {
      if (c.in.empty()) {
        on_line(c, data.substr(0, lf), now);
      } else {
        c.in.append(data.substr(0, lf));
        on_line(c, c.in, now);
        c.in.clear();
      }
      data.remove_prefix(lf + 1);
    }
    c.in.append(data);
    if (c.in.size() > kMaxLine) {
      ++c.unexpected;
      stats_.unexpected.add();
      lost(c, fmt::format("client {} got a line over {} bytes", c.client, kMaxLine));
    }
  }
}

void ChatWorker::on_line(Conn& c, std::string_view line, Clock::time_point now) {
  if (!going_) control_.setup_lines.fetch_add(1, std::memory_order_relaxed);
  const ChatLine parsed = parse_chat_line(line);
  switch (parsed.kind) {
    case ChatLine::Kind::message: on_message(c, parsed.sender, parsed.seq, parsed.origin_ns, now); return;
    case ChatLine::Kind::hello:
      if (parsed.client == c.client && !c.joined) {
        c.joined = true;
        control_.joined.fetch_add(1, std::memory_order_acq_rel);
      }
      return;
    case ChatLine::Kind::notice: return;
    case ChatLine::Kind::server_error:
      stats_.server_errors.add();
      ++c.unexpected;
      stats_.note(fmt::format("client {} got \"{}\"", c.client, shown(line)));
      return;
    case ChatLine::Kind::malformed:
      stats_.unexpected.add();
      ++c.unexpected;
      stats_.note(fmt::format("client {} got a line nobody sent: \"{}\"", c.client, shown(line)));
      return;
  }
}

void ChatWorker::on_message(Conn& c, std::uint64_t sender, std::uint64_t seq, std::uint64_t origin_ns,
                            Clock::time_point now) {
  // Only a message really sent, by a sender of this member's room, is a delivery. (Reading `go`
  // first also makes the window's bounds, written before it, safe to read here.)
  if (!control_.go.load(std::memory_order_acquire) || sender >= plan_.sender_client.size() || plan_.room_of_sender(sender) != c.room ||
      seq >= plan_.sent[sender].load(std::memory_order_acquire)) {
    stats_.unexpected.add();
    ++c.unexpected;
    stats_.note(fmt::format("client {} (room {}) got message {} of sender {}, which was not sent to its room", c.client,
                            c.room, seq, sender));
    return;
  }
  const auto verdict = c.checker.receive(plan_.sender_slot[sender], seq);
  if (verdict == DeliveryChecker::Verdict::duplicate) {
    stats_.duplicated.add();
    stats_.note(fmt::format("client {} got message {} of sender {} twice", c.client, seq, sender));
    return;
  }
  if (verdict == DeliveryChecker::Verdict::late) {
    stats_.late.add();
    stats_.note(fmt::format("client {} got message {} of sender {} after a later one", c.client, seq, sender));
  }
  stats_.deliveries.add();
  const Clock::time_point origin{std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(origin_ns))};
  if (origin >= control_.measure_start && origin < control_.send_end) {
    stats_.window_deliveries.add();
    stats_.latency.record(ns_between(origin, now));
  }
  if (static_cast<long>(sender) == c.sender) ++c.own_back;
}

void ChatWorker::send_message(Conn& c, Clock::time_point origin) {
  const auto sender = static_cast<std::size_t>(c.sender);
  const std::uint64_t seq = c.seq++;
  plan_.sent[sender].store(c.seq, std::memory_order_release);  // before its bytes can reach anyone
  if (origin >= control_.measure_start) stats_.window_messages.add();
  c.out += message_line(sender, seq, ns_of(origin));
}

// Closed loop: a sender sends while fewer than -p of its messages are still on their way back.
void ChatWorker::fill_closed_loop(Clock::time_point now) {
  if (now >= control_.send_end) return;
  for (const std::size_t i : senders_) {
    Conn& c = conns_[i];
    if (c.closed) continue;
    const std::size_t before = c.out.size();
    while (c.seq - c.own_back < plan_.options.window) send_message(c, now);
    if (c.out.size() != before) flush(c);
  }
}

// Open loop: message j of this thread is due at t0 + j / rate; its senders take turns.
void ChatWorker::release_due(Clock::time_point now) {
  if (senders_.empty()) return;
  const std::uint64_t due = schedule_.due_by(now);
  while (released_ < due) {
    const Clock::time_point when = schedule_.due_time(released_);
    if (when >= control_.send_end) return;
    Conn& c = conns_[senders_[released_ % senders_.size()]];
    if (!c.closed && c.out.size() - c.out_done > kMaxUnsent) break;  // its latency keeps counting from `when`
    if (!c.closed) {
      send_message(c, when);
      flush(c);
    }
    ++released_;
  }
  if (schedule_.due_time(released_) < control_.send_end) schedule_.wake_at(released_);
}

void ChatWorker::flush(Conn& c) {
  while (c.out_done < c.out.size()) {
    const ssize_t n = send(c.fd, c.out.data() + c.out_done, c.out.size() - c.out_done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) {
      lost(c, fmt::format("client {} could not send: {}", c.client, std::strerror(errno)));
      return;
    }
    c.out_done += static_cast<std::size_t>(n);
  }
  if (c.out_done == c.out.size()) {
    c.out.clear();
    c.out_done = 0;
  }
  const bool want = !c.out.empty();
  if (want != c.want_write) {
    c.want_write = want;
    watch(c, EPOLL_CTL_MOD);
  }
}

// A connection that failed or was closed by the server: counted once, never reopened (a new
// connection would be a new member, with a different history).
void ChatWorker::lost(Conn& c, const std::string& why) {
  if (c.closed) return;
  if (!c.connected) {
    stats_.connect_failures.add();
    if (!c.joined) control_.failed.fetch_add(1, std::memory_order_acq_rel);
  } else {
    stats_.disconnects.add();
    if (!c.joined) control_.failed.fetch_add(1, std::memory_order_acq_rel);
  }
  stats_.note(why);
  c.closed = true;
  if (c.fd >= 0) {
    close(c.fd);
    c.fd = -1;
  }
}

void ChatWorker::watch(Conn& c, int op) {
  epoll_event ev{};
  ev.events = EPOLLIN | (c.want_write || !c.connected ? EPOLLOUT : 0u);
  ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
  epoll_ctl(epoll_fd_, op, c.fd, &ev);
}

bool ChatWorker::members_complete() const {
  return std::all_of(conns_.begin(), conns_.end(), [&](const Conn& c) {
    if (c.closed) return true;  // nothing more will come; what is missing is counted at the end
    const auto& senders = plan_.senders[c.room];
    for (std::size_t slot = 0; slot < senders.size(); ++slot)
      if (!c.checker.complete(slot, plan_.sent[senders[slot]].load(std::memory_order_acquire))) return false;
    return true;
  });
}

void ChatWorker::record_outcomes() {
  for (const Conn& c : conns_) {
    std::vector<std::uint64_t> sent;
    for (const std::size_t k : plan_.senders[c.room]) sent.push_back(plan_.sent[k].load(std::memory_order_acquire));
    MemberOutcome& o = outcomes_[c.client];
    o.room = c.room;
    o.missing = c.checker.missing(sent);
    o.clean = o.missing == 0 && c.checker.duplicates() == 0 && c.checker.late() == 0 && c.unexpected == 0;
    o.order_hash = c.checker.order_hash();
  }
}

}  // namespace echo::bench

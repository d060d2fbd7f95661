#include "chat_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "chat_plan.hpp"
#include "chat_worker.hpp"
#include "net.hpp"
#include "stop_signal.hpp"
#include "target.hpp"
#include "tree_cpu.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;

struct Threads {
  std::vector<std::unique_ptr<ChatStats>> stats;
  std::vector<std::thread> threads;
  template <class Field>
  std::uint64_t sum(Field field) const {
    std::uint64_t n = 0;
    for (const auto& s : stats) n += field(*s);
    return n;
  }
};

// Waits until `done()` or `deadline`, in short steps so that Ctrl-C is noticed. False if not done.
template <class Done>
bool wait_until(Done done, Clock::time_point deadline) {
  while (!done()) {
    if (echo::stop_requested() || Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

bool enough_descriptors(const ChatOptions& o, unsigned threads, std::string& error) {
  const std::size_t needed = o.clients + 2 * threads + 32;  // + epoll and timer per thread, stdio, spare
  const std::size_t limit = echo::raise_fd_limit();
  if (needed <= limit) return true;
  error = fmt::format("{} clients need about {} open files, but the limit is {} (see `ulimit -Hn`)", o.clients, needed,
                      limit);
  return false;
}

std::string room_prefix() {  // room names no other run (or person) on the server is using
  static std::atomic<unsigned> runs{0};
  return fmt::format("bench{}x{}", getpid(), runs.fetch_add(1));
}

// The measured window: a progress line per second on stderr while the senders send.
void show_progress(const ChatOptions& o, const Threads& t, const ChatControl& control) {
  std::uint64_t last = 0;
  auto last_tick = control.measure_start;
  while (Clock::now() < control.send_end && !echo::stop_requested()) {
    std::this_thread::sleep_for(5ms);
    const auto now = Clock::now();
    if (now - last_tick < 1s || now < control.measure_start) continue;
    const std::uint64_t delivered = t.sum([](const ChatStats& s) { return s.window_deliveries.get(); });
    Histogram latency;
    for (const auto& s : t.stats) latency.add(s->latency);
    const std::uint64_t errors = t.sum([](const ChatStats& s) {
      return s.duplicated.get() + s.late.get() + s.unexpected.get() + s.server_errors.get() + s.disconnects.get();
    });
    if (o.progress)
      fmt::print(stderr, "{}{:5.0f}s {:>10.0f} deliveries/s  errors {:<6} p99 {:>9.1f} us\n",
                 o.label.empty() ? "" : o.label + "  ", std::chrono::duration<double>(now - control.measure_start).count(),
                 static_cast<double>(delivered - last) / std::chrono::duration<double>(now - last_tick).count(), errors,
                 static_cast<double>(latency.quantile(0.99)) / 1000.0);
    last = delivered;
    last_tick = now;
  }
}

// One order per room: members with nothing else wrong must all have seen the same sequence.
// Those outside the room's most common order are counted.
std::uint64_t order_mismatches(const std::vector<MemberOutcome>& outcomes, std::size_t rooms) {
  std::vector<std::map<std::uint64_t, std::uint64_t>> orders(rooms);
  for (const MemberOutcome& m : outcomes)
    if (m.clean) ++orders[m.room][m.order_hash];
  std::uint64_t mismatched = 0;
  for (const auto& seen : orders) {
    std::uint64_t members = 0, most = 0;
    for (const auto& [hash, n] : seen) {
      members += n;
      most = std::max(most, n);
    }
    mismatched += members - most;
  }
  return mismatched;
}

ChatResult add_up(const ChatOptions& o, const ChatPlan& plan, const Threads& t, const std::vector<MemberOutcome>& outcomes,
                  const ChatControl& control, Clock::time_point window_end) {
  ChatResult r;
  r.options = o;
  r.threads = static_cast<unsigned>(t.threads.size());
  r.joined = control.joined.load();
  for (std::size_t k = 0; k < o.senders; ++k) {
    r.messages += plan.sent[k].load();
    r.expected += plan.sent[k].load() * plan.members[plan.room_of_sender(k)];
  }
  r.window_messages = t.sum([](const ChatStats& s) { return s.window_messages.get(); });
  r.delivered = t.sum([](const ChatStats& s) { return s.deliveries.get(); });
  r.window_deliveries = t.sum([](const ChatStats& s) { return s.window_deliveries.get(); });
  for (const MemberOutcome& m : outcomes) r.missing += m.missing;
  r.duplicated = t.sum([](const ChatStats& s) { return s.duplicated.get(); });
  r.out_of_order = t.sum([](const ChatStats& s) { return s.late.get(); });
  r.order_mismatch = order_mismatches(outcomes, o.rooms);
  r.unexpected = t.sum([](const ChatStats& s) { return s.unexpected.get(); });
  r.server_errors = t.sum([](const ChatStats& s) { return s.server_errors.get(); });
  r.disconnects = t.sum([](const ChatStats& s) { return s.disconnects.get(); });
  r.connect_failures = t.sum([](const ChatStats& s) { return s.connect_failures.get(); });
  for (const auto& s : t.stats) {
    r.latency.add(s->latency);
    if (r.error_sample.empty()) r.error_sample = s->error_sample;
  }
  if (r.error_sample.empty() && r.missing > 0) r.error_sample = fmt::format("{} deliveries never arrived", r.missing);
  if (r.error_sample.empty() && r.order_mismatch > 0)
    r.error_sample = fmt::format("{} members saw their room's messages in another order", r.order_mismatch);
  r.duration_s = std::max(0.0, std::chrono::duration<double>(window_end - control.measure_start).count());
  r.interrupted = echo::stop_requested();
  return r;
}

}  // namespace

std::optional<ChatResult> run_chat(const ChatOptions& o, std::string& error) {
  if (auto bad = validate(o)) {
    error = *bad;
    return std::nullopt;
  }
  const auto target = resolve_target(o.host, o.port, error);
  if (!target) return std::nullopt;
  const unsigned threads = effective_threads(o);
  if (!enough_descriptors(o, threads, error)) return std::nullopt;
  const int probe = echo::connect_tcp(o.host, o.port, std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000)));
  if (probe < 0) {
    error = fmt::format("cannot connect to {}: {}", target->text, std::strerror(errno));
    return std::nullopt;
  }
  close(probe);

  const ChatPlan plan(o, room_prefix());
  ChatControl control;
  std::vector<MemberOutcome> outcomes(o.clients);
  Threads t;
  std::vector<std::vector<std::size_t>> clients(threads);
  for (std::size_t c = 0; c < o.clients; ++c) clients[c % threads].push_back(c);
  for (unsigned i = 0; i < threads; ++i) {
    std::size_t senders = 0;
    for (const std::size_t c : clients[i]) senders += c < o.senders ? 1 : 0;
    const double rate = o.rate * static_cast<double>(senders) / static_cast<double>(o.senders);
    ChatStats* stats = t.stats.emplace_back(std::make_unique<ChatStats>()).get();
    t.threads.emplace_back([&, i, rate, stats] {
      ChatWorker worker(plan, *target, clients[i], rate, *stats, control, outcomes);
      worker.run();
    });
  }
  auto finish = [&] {
    control.stop = true;
    for (auto& th : t.threads) th.join();
  };

  // Everybody in their room before the first message: then every member must get every message.
  // Each join and hello goes to every member, so rooms of N take N² lines to fill: the joins may
  // take long, and only --timeout seconds with no client getting in and no line arriving fails.
  std::uint64_t progress = 0;
  auto last_progress = Clock::now();
  while (control.joined.load() + control.failed.load() < o.clients && !echo::stop_requested() &&
         Clock::now() - last_progress < to_duration(o.timeout_s)) {
    std::this_thread::sleep_for(5ms);
    if (const std::uint64_t now = control.joined.load() + control.setup_lines.load(); now != progress) {
      progress = now;
      last_progress = Clock::now();
    }
  }
  if (control.joined.load() < o.clients && !echo::stop_requested()) {
    finish();
    std::string why;
    for (const auto& s : t.stats)
      if (why.empty()) why = s->error_sample;
    error = fmt::format("only {} of {} clients got into their rooms on {}{}", control.joined.load(), o.clients,
                        target->text,
                        why.empty() ? fmt::format(" (nothing more came in {} s: does it run with --chat?)", o.timeout_s) : ": " + why);
    return std::nullopt;
  }
  control.measure_start = Clock::now() + to_duration(o.warmup_s);
  control.send_end = control.measure_start + to_duration(o.duration_s);
  const double cpu_before = o.server_pid > 0 ? tree_cpu_seconds(o.server_pid) : 0;
  control.go.store(true, std::memory_order_release);
  show_progress(o, t, control);
  const auto window_end = std::min(Clock::now(), control.send_end);  // earlier on Ctrl-C

  // Sending is over: once every thread stopped, the counts are final and members can tell
  // whether they got everything; each waits at most --timeout for the last deliveries.
  wait_until([&] { return control.senders_stopped.load() == threads; }, Clock::time_point::max());
  control.counts_final.store(true, std::memory_order_release);
  wait_until([&] { return control.complete.load() == threads; }, Clock::time_point::max());
  const double cpu_after = o.server_pid > 0 ? tree_cpu_seconds(o.server_pid) : 0;
  finish();
  ChatResult r = add_up(o, plan, t, outcomes, control, window_end);
  if (o.server_pid > 0) r.server_cpu_s = cpu_after - cpu_before;
  r.target = target->text;
  return r;
}

}  // namespace echo::bench

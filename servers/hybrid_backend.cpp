// hybrid: --workers processes, each one single-threaded event loop with a coroutine per
// connection (the coro backend, unchanged), all serving one port: the Python seeds' "processes +
// coroutines", nginx's worker model, muduo's "one loop per process".
// Who waits: nobody per connection; each worker waits in its own epoll. The parent only
// supervises: it starts the workers, replaces one that dies (backing off if they keep dying at
// start), and waits for them at stop. Workers share nothing but the counters' shared mapping;
// a crash takes down one worker's connections, never the server.
//
// How workers share the port (--listener):
//   shared     every worker waits on the one listening socket it inherited; an arriving
//              connection wakes the idle workers and the first to accept() takes it. Busy workers
//              are not waiting, so load goes where there is room; a dying worker loses nothing
//              queued, since the queue belongs to the socket, not to the worker.
//   reuseport  each worker has its own socket bound with SO_REUSEPORT; the kernel spreads
//              connections by a hash of their addresses, whatever each worker's load, and the
//              connections queued on a worker that dies are reset.
// docs/PERFORMANCE.md measures both; shared is the default.

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <new>
#include <spdlog/spdlog.h>
#include <string>
#include <system_error>
#include <vector>

#include "async_server.hpp"
#include "backend.hpp"
#include "child_exits.hpp"
#include "child_process.hpp"
#include "hub.hpp"
#include "stop_signal.hpp"

namespace echo {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A worker that dies sooner than this after its start counts as failing at start: back off.
constexpr milliseconds kHealthyAfter{1000};
constexpr milliseconds kFirstBackoff{100}, kMaxBackoff{5000};

// One worker's place, as the parent sees it (its counters are in worker_counters_, shared).
struct WorkerSlot {
  pid_t pid = -1;  // -1: not running
  Clock::time_point started;
  Clock::time_point restart_at;  // when not running: when to start it again
  milliseconds backoff{0};
  unsigned deaths = 0;
};

// Starts it again at once, or after a doubling back-off when it keeps failing at start.
void schedule_restart(WorkerSlot& slot, bool failing) {
  slot.backoff = failing ? std::clamp(slot.backoff * 2, kFirstBackoff, kMaxBackoff) : milliseconds(0);
  slot.restart_at = Clock::now() + slot.backoff;
}

// Each worker counts into its own Counters (for the spread, and to know which connections died
// with it); `server` points them at the server's, whose `open` the one limit applies to.
Counters* make_shared_worker_counters(std::size_t n, Counters& server) {
  void* mem = mmap(nullptr, n * sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap worker counters");
  auto* workers = static_cast<Counters*>(mem);
  for (std::size_t i = 0; i < n; ++i) new (workers + i) Counters{}, workers[i].server = &server;
  return workers;  // lives until exit, like the server's own counters
}

// The server's totals are its workers' totals (`open` is already the server's own).
void add_totals(Counters& into, const Counters& worker) {
  into.accepted += worker.accepted.load();
  into.rejected += worker.rejected.load();
  into.add_traffic(worker.lines.load(), worker.bytes_in.load(), worker.bytes_out.load());
  into.chat_delivered += worker.chat_delivered.load();
  into.chat_slow_dropped += worker.chat_slow_dropped.load();  // messages: the hub counts into `into`
}

class Supervisor {
 public:
  Supervisor(const ServerConfig& config, const Listener& listener, Counters& counters, unsigned workers)
      : config_(config), listener_(listener), counters_(counters), slots_(workers),
        worker_counters_(make_shared_worker_counters(workers, counters)) {}

  void run() {
    // --chat: the rooms are decided here, by a hub thread each worker has a socketpair to.
    if (config_.chat) hub_ = std::make_unique<chat::Hub>(config_.transform, counters_);
    for (std::size_t i = 0; i < slots_.size(); ++i) start(i);
    // reuseport: worker 0 took the first socket; the parent must not keep it in the group, or the
    // kernel would queue connections on a socket nobody accepts from.
    if (config_.listener == ListenerSharing::reuseport) {
      close(listener_.fd);
      parent_holds_listener_ = false;
    }
    while (!stop_requested()) {
      pollfd fds[2] = {{stop_fd(), POLLIN, 0}, {exits_.fd(), POLLIN, 0}};
      poll(fds, 2, next_restart_wait());
      exits_.reap([this](pid_t pid, int status) { on_exit(pid, status); });
      restart_due();
    }
    stop_all();
    report();
  }

 private:
  void start(std::size_t i) {
    WorkerSlot& slot = slots_[i];
    std::pair<int, int> channel{-1, -1};  // {the worker's end, the hub's end}
    if (hub_) {
      try {
        channel = chat::Hub::make_channel();
      } catch (const std::exception& e) {
        spdlog::error("hybrid: cannot start worker {}: {}", i, e.what());
        schedule_restart(slot, true);
        return;
      }
    }
    if (hub_) hub_->pause_for_fork();
    const pid_t pid = fork();
    if (pid == 0) run_worker(i, channel);
    if (hub_) {
      hub_->resume_after_fork();
      close(channel.first);
      if (pid > 0) hub_->adopt(channel.second);
      else close(channel.second);
    }
    if (pid < 0) {
      spdlog::error("hybrid: cannot start worker {}: {}", i, std::strerror(errno));
      schedule_restart(slot, true);
      return;
    }
    slot.pid = pid;
    slot.started = Clock::now();
  }

  [[noreturn]] void run_worker(std::size_t i, std::pair<int, int> channel) {
    exits_.forget_in_child();
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // a supervisor killed with SIGKILL takes its workers along
    if (getppid() != supervisor_) _exit(0);  // it died before prctl() took effect
    if (hub_) chat::close_inherited_fds({parent_holds_listener_ ? listener_.fd : -1, stop_fd(), channel.first});
    Listener mine = listener_;
    // reuseport: the first worker 0 takes main's socket; every other worker, and any worker
    // started after the parent let go of that socket, binds its own.
    if (config_.listener == ListenerSharing::reuseport && !(i == 0 && parent_holds_listener_)) {
      close(listener_.fd);
      try {
        mine = listen_tcp(listener_.host, listener_.port, kListenBacklog, PortSharing::join_group);
      } catch (const std::exception& e) {
        spdlog::error("hybrid worker {}: {}", i, e.what());
        _exit(1);
      }
    }
    if (stop_requested()) _exit(0);  // the stop arrived between fork() and here
    run_async_server(config_, mine, worker_counters_[i], 1, channel.first);
    _exit(0);
  }

  void on_exit(pid_t pid, int status) {
    const auto it = std::find_if(slots_.begin(), slots_.end(), [&](const WorkerSlot& s) { return s.pid == pid; });
    if (it == slots_.end()) return;
    WorkerSlot& slot = *it;
    const auto i = static_cast<std::size_t>(it - slots_.begin());
    slot.pid = -1;
    // Its connections died with it: give their places back to the server-wide limit.
    worker_counters_[i].release(worker_counters_[i].open.load());
    if (stop_requested()) return;
    ++slot.deaths;
    const bool failing = Clock::now() - slot.started < kHealthyAfter;
    schedule_restart(slot, failing);
    spdlog::warn("hybrid: worker {} (pid {}) {}; starting a new one{}", i, pid, ChildExit{status, {}, false}.describe(),
                 slot.backoff.count() ? fmt::format(" in {} ms", slot.backoff.count()) : "");
  }

  void restart_due() {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].pid < 0 && Clock::now() >= slots_[i].restart_at && !stop_requested()) start(i);
  }

  // Milliseconds until the next worker is due to start again; -1 (forever) when none is waiting.
  int next_restart_wait() const {
    int wait = -1;
    for (const auto& slot : slots_) {
      if (slot.pid >= 0) continue;
      const auto left = std::chrono::duration_cast<milliseconds>(slot.restart_at - Clock::now()).count();
      const int ms = static_cast<int>(std::max<long>(0, left)) + 1;
      wait = wait < 0 ? ms : std::min(wait, ms);
    }
    return wait;
  }

  // The workers saw the stop too (they share its eventfd) and are draining; wait for them, and
  // kill those still there after the drain time.
  void stop_all() {
    const auto deadline = Clock::now() + config_.drain_timeout + std::chrono::seconds(1);
    const auto running = [&] {
      return std::count_if(slots_.begin(), slots_.end(), [](const WorkerSlot& s) { return s.pid >= 0; });
    };
    exits_.reap_until([&] { return running() == 0; }, deadline, [this](pid_t pid, int status) { on_exit(pid, status); });
    for (auto& slot : slots_) {
      if (slot.pid < 0) continue;
      spdlog::warn("hybrid: worker pid {} did not finish in time; killing it", slot.pid);
      kill(slot.pid, SIGKILL);
      waitpid(slot.pid, nullptr, 0);
      slot.pid = -1;
    }
  }

  // The server's totals are the workers' totals; the spread says how evenly the port was shared.
  void report() {
    std::string spread;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      add_totals(counters_, worker_counters_[i]);
      spread += fmt::format("{}{}", i ? " " : "", worker_counters_[i].accepted.load());
    }
    unsigned deaths = 0;
    for (const auto& slot : slots_) deaths += slot.deaths;
    spdlog::info("hybrid: connections per worker: {}; workers replaced: {}", spread, deaths);
  }

  const ServerConfig& config_;
  const Listener& listener_;
  Counters& counters_;
  std::vector<WorkerSlot> slots_;
  Counters* worker_counters_;
  const pid_t supervisor_ = getpid();
  bool parent_holds_listener_ = true;  // reuseport: main's socket, until the first workers started
  ChildExits exits_;
  std::unique_ptr<chat::Hub> hub_;  // --chat; stopped after the workers
};

}  // namespace

void run_hybrid_backend(const ServerConfig& config, const Listener& listener, Counters& counters) {
  spdlog::info("hybrid: {} worker processes, one event loop each; listener {}", config.workers,
               to_string(config.listener));
  Supervisor(config, listener, counters, config.workers).run();
}

}  // namespace echo

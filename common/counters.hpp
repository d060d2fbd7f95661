#pragma once
// Totals that every thread and every forked child adds to. They live in one shared anonymous
// mapping made before the first fork: the only memory the fork backend's processes share.

#include <atomic>
#include <cstdint>
#include <string>

namespace echo {

struct Counters {
  std::atomic<std::uint64_t> accepted{0};  // connections served
  std::atomic<std::uint64_t> rejected{0};  // turned away: over --max-connections, no process or thread, out of fds
  std::atomic<std::uint64_t> lines{0};     // lines answered
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  // Connections admitted and not yet released: what --max-connections limits. Here, not in a
  // process's own memory, so that processes serving one port can share one limit.
  std::atomic<std::uint64_t> open{0};
  // --chat (common/chat/): messages accepted, lines written to members, members cut for a
  // backlog over --max-backlog; and the source of the server-wide connection number of guest-N.
  std::atomic<std::uint64_t> chat_messages{0};
  std::atomic<std::uint64_t> chat_delivered{0};
  std::atomic<std::uint64_t> chat_slow_dropped{0};
  std::atomic<std::uint64_t> member_ids{0};
  // hybrid: a worker's own counters name the whole server's, whose `open` the limit applies to.
  // The pointer holds in every process: both mappings are made before the first fork.
  Counters* server = nullptr;

  // Adds one burst at once: one atomic add per read, not per line.
  void add_traffic(std::uint64_t n_lines, std::uint64_t in, std::uint64_t out) {
    lines.fetch_add(n_lines, std::memory_order_relaxed);
    bytes_in.fetch_add(in, std::memory_order_relaxed);
    bytes_out.fetch_add(out, std::memory_order_relaxed);
  }

  // Admission (see servers/admission.hpp): takes a place for a new connection unless `limit` are
  // open already, and counts it served; otherwise counts it rejected and returns false.
  bool try_admit(std::uint64_t limit);
  // An admitted connection that cannot be served after all (no process or thread for it): gives
  // its place back and counts it rejected instead.
  void unadmit();
  // `n` admitted connections have closed: one as a session ends, or a whole batch at once (the
  // connections of a worker process that died: `worker.release(worker.open.load())`).
  void release(std::uint64_t n = 1);
  // Counts one connection turned away; the only place that adds to `rejected`.
  void reject() { rejected.fetch_add(1, std::memory_order_relaxed); }

  // The next server-wide connection number (1, 2, ...): from the server's counters in hybrid.
  std::uint64_t next_member_id() {
    Counters& ids = server != nullptr ? *server : *this;
    return ids.member_ids.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  std::string summary() const;
  std::string chat_summary() const;  // what --chat adds to the stop summary
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "counters must work across processes");

// Counters in a MAP_SHARED | MAP_ANONYMOUS mapping, visible to children forked after this call.
Counters& make_shared_counters();

}  // namespace echo

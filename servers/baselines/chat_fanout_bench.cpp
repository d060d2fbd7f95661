// chat-fanout-bench: how fast can one process (the chat hub) hand a stream of messages to W
// worker processes? The fork/hybrid chat design choice, measured on its own (docs/CHAT.md):
//
//   socketpair          one write per message per worker (the hub when it keeps up)
//   socketpair-batched  messages gathered, one write of up to 64 KiB per worker (the hub under load)
//   shm-ring            one ring in shared memory, written once for every worker; each worker
//                       has its own read index, and an eventfd that the writer rings only when
//                       that worker went to sleep (the writer sleeps likewise when the ring is full)
//
// Workers are forked processes; each checks that it got every message, in order. Prints, per
// transport and worker count: messages/s, deliveries/s, CPU µs per delivery (hub + workers).
// Usage: chat-fanout-bench [--messages N] [--size BYTES] [--workers 2,4,8,16]

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kRingSlots = 4096;
constexpr std::size_t kMaxWorkers = 64;
constexpr std::size_t kSlotSize = 256;

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0) std::exit(3);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// A message: its sequence number, then filler up to `size` bytes.
void fill_message(char* at, std::uint64_t seq, std::size_t size) {
  std::memset(at, 'm', size);
  std::memcpy(at, &seq, sizeof seq);
}

bool check_message(const char* at, std::uint64_t expected) {
  std::uint64_t seq;
  std::memcpy(&seq, at, sizeof seq);
  return seq == expected;
}

// --- socketpair: the worker reads a byte stream of fixed-size messages.
[[noreturn]] void socket_worker(int fd, std::uint64_t messages, std::size_t size) {
  std::vector<char> buf(65536 + size);
  std::size_t have = 0;
  std::uint64_t next = 0;
  while (next < messages) {
    const ssize_t n = read(fd, buf.data() + have, 65536);
    if (n <= 0) _exit(2);
    have += static_cast<std::size_t>(n);
    std::size_t at = 0;
    for (; have - at >= size; at += size)
      if (!check_message(buf.data() + at, next++)) _exit(1);
    std::memmove(buf.data(), buf.data() + at, have - at);
    have -= at;
  }
  _exit(0);
}

void socket_hub(const std::vector<int>& fds, std::uint64_t messages, std::size_t size, bool batched) {
  const std::size_t per_write = batched ? std::max<std::size_t>(1, 65536 / size) : 1;
  std::vector<char> chunk(per_write * size);
  for (std::uint64_t seq = 0; seq < messages;) {
    std::size_t n = 0;
    for (; n < per_write && seq < messages; ++n, ++seq) fill_message(chunk.data() + n * size, seq, size);
    for (const int fd : fds) write_all(fd, chunk.data(), n * size);  // one copy per worker
  }
}

// --- shared-memory ring with eventfd wake-ups.
struct Ring {
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint32_t> writer_sleeping{0};
  int writer_bell = -1;
  struct alignas(64) Reader {
    std::atomic<std::uint64_t> next{0};
    std::atomic<std::uint32_t> sleeping{0};
    int bell = -1;
  } readers[kMaxWorkers];
  char slots[kRingSlots][kSlotSize];
};

void ring(int bell) {
  const std::uint64_t one = 1;
  if (write(bell, &one, sizeof one) < 0) std::exit(3);
}
void sleep_on(int bell) {
  std::uint64_t n;
  if (read(bell, &n, sizeof n) < 0) std::exit(3);
}

[[noreturn]] void ring_worker(Ring& r, std::size_t me, std::uint64_t messages) {
  auto& self = r.readers[me];
  std::uint64_t next = 0;
  while (next < messages) {
    std::uint64_t avail = r.published.load(std::memory_order_acquire);
    if (avail == next) {
      self.sleeping.store(1);  // then look again: the writer checks this after publishing
      avail = r.published.load();
      if (avail == next) {
        sleep_on(self.bell);
        continue;
      }
      self.sleeping.store(0);
    }
    for (; next < avail; ++next)
      if (!check_message(r.slots[next % kRingSlots], next)) _exit(1);
    self.next.store(next, std::memory_order_release);
    if (r.writer_sleeping.exchange(0)) ring(r.writer_bell);
  }
  _exit(0);
}

void ring_hub(Ring& r, std::size_t workers, std::uint64_t messages, std::size_t size) {
  const auto slowest = [&] {
    std::uint64_t m = UINT64_MAX;
    for (std::size_t w = 0; w < workers; ++w) m = std::min(m, r.readers[w].next.load(std::memory_order_acquire));
    return m;
  };
  for (std::uint64_t seq = 0; seq < messages; ++seq) {
    while (seq - slowest() >= kRingSlots) {  // full: sleep until a reader moves on
      r.writer_sleeping.store(1);
      if (seq - slowest() < kRingSlots) {
        r.writer_sleeping.store(0);
        break;
      }
      sleep_on(r.writer_bell);
    }
    fill_message(r.slots[seq % kRingSlots], seq, size);  // written once, for every worker
    r.published.store(seq + 1);
    for (std::size_t w = 0; w < workers; ++w)
      if (r.readers[w].sleeping.load() && r.readers[w].sleeping.exchange(0)) ring(r.readers[w].bell);
  }
}

struct Result {
  double seconds, cpu;
  bool ok;
};

Result run(const std::string& transport, std::size_t workers, std::uint64_t messages, std::size_t size) {
  const double cpu_before = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  if (transport == "shm-ring") {
    void* mem = mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) std::exit(3);
    Ring& r = *new (mem) Ring{};
    r.writer_bell = eventfd(0, 0);
    for (std::size_t w = 0; w < workers; ++w) r.readers[w].bell = eventfd(0, 0);
    for (std::size_t w = 0; w < workers; ++w) {
      const pid_t pid = fork();
      if (pid == 0) ring_worker(r, w, messages);
      pids.push_back(pid);
    }
    ring_hub(r, workers, messages, size);
    close(r.writer_bell);
    for (std::size_t w = 0; w < workers; ++w) close(r.readers[w].bell);
    munmap(mem, sizeof(Ring));
  } else {
    std::vector<int> hub_ends;
    for (std::size_t w = 0; w < workers; ++w) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::exit(3);
      const pid_t pid = fork();
      if (pid == 0) {
        close(sv[0]);
        socket_worker(sv[1], messages, size);
      }
      close(sv[1]);
      hub_ends.push_back(sv[0]);
      pids.push_back(pid);
    }
    socket_hub(hub_ends, messages, size, transport == "socketpair-batched");
    for (const int fd : hub_ends) close(fd);
  }
  bool ok = true;
  for (const pid_t p : pids) {
    int status = 0;
    if (p != 0 && (waitpid(p, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) ok = false;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {seconds, cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN) - cpu_before, ok};
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t messages = 200000;
  std::size_t size = 64;
  std::vector<std::size_t> worker_counts{2, 4, 8, 16};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string opt = argv[i];
    if (opt == "--messages") messages = std::strtoull(argv[i + 1], nullptr, 10);
    else if (opt == "--size") size = std::strtoull(argv[i + 1], nullptr, 10);
    else if (opt == "--workers") {
      worker_counts.clear();
      for (char* p = argv[i + 1]; *p;) {
        worker_counts.push_back(std::strtoull(p, &p, 10));
        if (*p == ',') ++p;
      }
    } else {
      std::fprintf(stderr, "usage: chat-fanout-bench [--messages N] [--size BYTES] [--workers 2,4,8,16]\n");
      return 2;
    }
  }
  if (messages == 0 || size < 8 || size > kSlotSize) {
    std::fprintf(stderr, "chat-fanout-bench: --messages at least 1, --size 8 to %zu\n", kSlotSize);
    return 2;
  }
  for (const auto w : worker_counts)
    if (w < 1 || w > kMaxWorkers) {
      std::fprintf(stderr, "chat-fanout-bench: --workers each 1 to %zu\n", kMaxWorkers);
      return 2;
    }
  std::printf("%-20s %7s %14s %16s %14s %8s\n", "transport", "workers", "messages/s", "deliveries/s", "cpu_us/deliv", "check");
  for (const auto w : worker_counts)
    for (const std::string t : {"socketpair", "socketpair-batched", "shm-ring"}) {
      const Result r = run(t, w, messages, size);
      const double deliveries = static_cast<double>(messages * w);
      std::printf("%-20s %7zu %14.0f %16.0f %14.3f %8s\n", t.c_str(), w, static_cast<double>(messages) / r.seconds, deliveries / r.seconds,
                  r.cpu * 1e6 / deliveries, r.ok ? "ok" : "FAILED");
      std::fflush(stdout);
    }
  return 0;
}

#include "chat_options.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "proc_info.hpp"

namespace echo::bench {

std::optional<std::string> validate(const ChatOptions& o) {
  if (o.clients == 0) return "-c must be at least 1";
  if (o.rooms == 0) return "--rooms must be at least 1";
  if (o.rooms > o.clients) return fmt::format("--rooms {} is more than the {} clients (-c) to fill them", o.rooms, o.clients);
  if (o.senders == 0) return "--senders must be at least 1";
  if (o.senders > o.clients) return fmt::format("--senders {} is more than the {} clients (-c)", o.senders, o.clients);
  if (o.window == 0) return "-p must be at least 1";
  if (!(o.duration_s > 0)) return "-d must be more than 0 seconds";
  if (o.warmup_s < 0) return "--warmup must not be negative";
  if (o.rate < 0) return "--rate must not be negative";
  if (!(o.timeout_s > 0)) return "--timeout must be more than 0 seconds";
  return std::nullopt;
}

unsigned effective_threads(const ChatOptions& o) {
  unsigned threads = o.threads;
  if (threads == 0) threads = static_cast<unsigned>(std::max<std::size_t>(1, allowed_cpus().size()));
  return static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, o.clients));
}

}  // namespace echo::bench

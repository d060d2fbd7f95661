#include "run_options.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "proc_info.hpp"

namespace echo::bench {

std::optional<std::string> validate(const RunOptions& o) {
  if (o.connections == 0) return "-c must be at least 1";
  if (o.pipeline == 0) return "-p must be at least 1";
  if (o.size == 0) return "-s must be at least 1 (a request is -s bytes, LF included)";
  if (o.size > 65536) return "-s must be at most 65536 (the server's default --max-line)";
  if (o.requests == 0 && !(o.duration_s > 0)) return "-d must be more than 0 seconds";
  if (o.warmup_s < 0) return "--warmup must not be negative";
  if (o.rate < 0) return "--rate must not be negative";
  if (!(o.timeout_s > 0)) return "--timeout must be more than 0 seconds";
  if (o.connect_rate < 0) return "--connect-rate must not be negative";
  if (o.churn && o.pipeline > 1) return "--churn sends one line per connection: -p does not apply";
  if (o.churn && o.rate > 0) return "--churn is closed-loop only: drop --rate";
  if (o.churn && o.idle > 0) return "--idle holds connections open: it does not go with --churn";
  if (o.rate > 0 && o.rate < static_cast<double>(o.connections) / 60.0)
    return fmt::format("--rate {} is too low for {} connections (each would wait over a minute)", o.rate, o.connections);
  return std::nullopt;
}

unsigned effective_threads(const RunOptions& o) {
  unsigned threads = o.threads;
  if (threads == 0) threads = static_cast<unsigned>(std::max<std::size_t>(1, allowed_cpus().size()));
  return static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, o.connections));
}

std::optional<Expect> parse_expect(const std::string& name) {
  if (name == "upper") return Expect::upper;
  if (name == "echo") return Expect::echo;
  if (name == "none") return Expect::none;
  return std::nullopt;
}

const char* to_string(Expect expect) {
  switch (expect) {
    case Expect::upper: return "upper";
    case Expect::echo: return "echo";
    case Expect::none: return "none";
  }
  return "?";
}

}  // namespace echo::bench

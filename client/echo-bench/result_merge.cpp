#include "result_merge.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace echo::bench {
namespace {

// What must be the same in every part for their sum to be one load; empty when it is.
std::string difference(const RunOptions& a, const RunOptions& b) {
  if (a.size != b.size) return fmt::format("-s {} and -s {}", a.size, b.size);
  if (a.pipeline != b.pipeline) return fmt::format("-p {} and -p {}", a.pipeline, b.pipeline);
  if (a.expect != b.expect) return fmt::format("--expect {} and --expect {}", to_string(a.expect), to_string(b.expect));
  if (a.framing != b.framing) return "different --framing";
  if (a.churn != b.churn) return "--churn in one, not in the other";
  if ((a.rate > 0) != (b.rate > 0)) return "open loop (--rate) in one, closed loop in the other";
  return {};
}

}  // namespace

std::optional<RunResult> merge_results(const std::vector<RunResult>& parts, std::string& error,
                                       const std::vector<std::string>& names) {
  if (parts.empty()) {
    error = "nothing to merge";
    return std::nullopt;
  }
  auto name = [&](std::size_t i) { return i < names.size() ? names[i] : fmt::format("part {}", i + 1); };
  RunResult m;
  m.processes = 0;  // summed below
  m.options = parts.front().options;
  m.options.connections = 0;
  m.options.rate = 0;
  m.options.requests = 0;
  m.options.agent_index = 0;
  m.options.agent_count = static_cast<unsigned>(parts.size());
  std::vector<std::string> targets;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const RunResult& p = parts[i];
    if (const auto diff = difference(parts.front().options, p.options); !diff.empty()) {
      error = fmt::format("cannot merge {} with {}: they ran different loads ({})", name(0), name(i), diff);
      return std::nullopt;
    }
    m.options.connections += p.options.connections;
    m.options.rate += p.options.rate;
    m.options.requests += p.options.requests;
    m.options.duration_s = std::max(m.options.duration_s, p.options.duration_s);
    if (std::find(targets.begin(), targets.end(), p.target) == targets.end()) targets.push_back(p.target);
    m.threads += p.threads;
    m.connections += p.connections;
    m.requests += p.requests;
    m.requests_total += p.requests_total;
    for (std::size_t k = 0; k < kErrorKinds; ++k) {
      m.errors_by_kind[k] += p.errors_by_kind[k];
      if (m.first_errno[k] == 0) m.first_errno[k] = p.first_errno[k];
    }
    if (m.mismatch_sample.empty()) m.mismatch_sample = p.mismatch_sample;
    m.bytes_out += p.bytes_out;
    m.bytes_in += p.bytes_in;
    // They ran side by side from one start time: the load lasted as long as the longest part.
    m.duration_s = std::max(m.duration_s, p.duration_s);
    m.interrupted = m.interrupted || p.interrupted;
    m.cpu_s += p.cpu_s;
    m.open_s = std::max(m.open_s, p.open_s);  // all were open once the slowest part was
    m.processes += p.processes;
    m.idle_asked += p.idle_asked;
    m.idle_established += p.idle_established;
    m.idle_answered += p.idle_answered;
    m.idle_open_s = std::max(m.idle_open_s, p.idle_open_s);
    m.source_addresses = std::max(m.source_addresses, p.source_addresses);
    m.cpu_wait_s += p.cpu_wait_s;
    m.latency.add(p.latency);
    m.connect_latency.add(p.connect_latency);
    m.schedule_lag.add(p.schedule_lag);
    // Second k of every part is the same wall-clock second (one start time): add them up.
    if (m.intervals.size() < p.intervals.size()) m.intervals.resize(p.intervals.size());
    for (std::size_t s = 0; s < p.intervals.size(); ++s) {
      m.intervals[s].requests += p.intervals[s].requests;
      m.intervals[s].errors += p.intervals[s].errors;
      m.intervals[s].latency.add(p.intervals[s].latency);
    }
  }
  m.target = targets.front();
  for (std::size_t i = 1; i < targets.size(); ++i) m.target += "," + targets[i];
  return m;
}

}  // namespace echo::bench

#include "run_report.hpp"

#include <cstring>
#include <fmt/format.h>

#include "scale_report.hpp"

#include "generator_health.hpp"

namespace echo::bench {
namespace {

void write_latency(JsonWriter& json, std::string_view key, const Histogram& h) {
  json.begin_object(key)
      .value("p50", to_us(h.quantile(0.50)))
      .value("p90", to_us(h.quantile(0.90)))
      .value("p99", to_us(h.quantile(0.99)))
      .value("p999", to_us(h.quantile(0.999)))
      .value("max", to_us(h.max()))
      .value("min", to_us(h.min()))
      .value("mean", h.mean() / 1000.0)
      .end_object();
}

std::string latency_line(const Histogram& h) {
  return fmt::format("p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}  (mean {:.1f})", to_us(h.quantile(0.50)),
                     to_us(h.quantile(0.90)), to_us(h.quantile(0.99)), to_us(h.quantile(0.999)), to_us(h.max()),
                     h.mean() / 1000.0);
}

}  // namespace

const char* load_kind(const RunOptions& o) { return o.churn ? "churn" : o.rate > 0 ? "open loop" : "closed loop"; }

std::string human_report(const RunResult& r) {
  const RunOptions& o = r.options;
  const std::string pace = o.churn     ? std::string("one line per connection")
                           : o.rate > 0 ? fmt::format("{:.0f} req/s", o.rate)
                                        : fmt::format("pipeline {}", o.pipeline);
  std::string text = fmt::format("echo-bench run: {}, {} {}, {}-byte lines, {}, {} thread{}, {}", r.target, o.connections,
                                 o.churn ? "concurrent connects" : "connections", o.size, pace, r.threads,
                                 r.threads == 1 ? "" : "s", load_kind(o));
  text += fmt::format(", expect {}{}\n", to_string(o.expect), o.framing == Framing::raw ? ", raw framing" : "");
  text += fmt::format("  duration     {:.3f} s{}\n", r.duration_s,
                      r.interrupted ? " (interrupted)" : o.requests == 0 ? fmt::format(" after {:.1f} s warm-up", o.warmup_s) : "");
  text += fmt::format("  requests     {} correct   {:.1f} req/s   {:.2f} Mbit/s\n", r.requests, r.rps(), r.mbps());
  text += fmt::format("  latency us   {}{}\n", latency_line(r.latency),
                      o.rate > 0 ? "  from when each line was due" : "");
  if (o.churn) {
    text += fmt::format("  connects     {:.1f} /s\n", r.connects_per_s());
    text += fmt::format("  connect us   {}\n", latency_line(r.connect_latency));
  }
  text += fmt::format("  connections  {} established\n", r.connections);
  text += scale_lines(r);
  text += health_line(generator_health(r));
  text += fmt::format("  errors       {}", r.errors());
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (r.errors_by_kind[k] == 0) continue;
    text += fmt::format("   {} {}", kErrorNames[k], r.errors_by_kind[k]);
    if (r.first_errno[k] != 0) text += fmt::format(" ({})", std::strerror(r.first_errno[k]));
    if (static_cast<ErrorKind>(k) == ErrorKind::mismatch && !r.mismatch_sample.empty())
      text += fmt::format(" (e.g. \"{}\")", r.mismatch_sample);
  }
  text += '\n';
  return text;
}

void write_json(JsonWriter& json, const RunResult& r, std::string_view key) {
  const RunOptions& o = r.options;
  json.begin_object(key)
      .value("target", r.target)
      .value("load", load_kind(o))
      .value("connections", r.connections)
      .value("connections_asked", static_cast<std::uint64_t>(o.connections))
      .value("threads", static_cast<std::uint64_t>(r.threads))
      .value("pipeline", static_cast<std::uint64_t>(o.pipeline))
      .value("size", static_cast<std::uint64_t>(o.size))
      .value("rate", o.rate)
      .value("expect", to_string(o.expect))
      .value("framing", std::string(to_string(o.framing)))
      .value("requests", r.requests)
      .value("errors", r.errors());
  json.begin_object("errors_by_kind");
  for (std::size_t k = 0; k < kErrorKinds; ++k) json.value(kErrorNames[k], r.errors_by_kind[k]);
  json.end_object();
  json.value("duration_s", r.duration_s)
      .value("rps", r.rps())
      .value("mbps", r.mbps())
      .value("bytes_out", r.bytes_out)
      .value("bytes_in", r.bytes_in)
      .value("interrupted", r.interrupted);
  write_latency(json, "latency_us", r.latency);
  write_scale_json(json, r);
  if (o.churn) {
    json.begin_object("churn").value("connects", r.connect_latency.count()).value("connects_per_s", r.connects_per_s());
    write_latency(json, "connect_latency_us", r.connect_latency);
    json.end_object();
  }
  write_json(json, "generator", generator_health(r));
  write_intervals(json, r);
  json.end_object();
}

std::string json_report(const RunResult& r) {
  JsonWriter json;
  write_json(json, r);
  return json.str();
}

}  // namespace echo::bench

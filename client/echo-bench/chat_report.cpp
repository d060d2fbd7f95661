#include "chat_report.hpp"

#include <fmt/format.h>

#include "run_report.hpp"

namespace echo::bench {
namespace {

std::string load_words(const ChatOptions& o) {
  return o.rate > 0 ? fmt::format("open loop at {:.0f} messages/s", o.rate)
                    : fmt::format("closed loop, {} message{} in flight per sender", o.window, o.window == 1 ? "" : "s");
}

}  // namespace

std::string human_report(const ChatResult& r) {
  const ChatOptions& o = r.options;
  std::string s = fmt::format("chat on {}: {} clients in {} room{} ({} members each), {} sender{}, {}; {:.1f} s measured, "
                              "{} thread{}\n",
                              r.target, o.clients, o.rooms, o.rooms == 1 ? "" : "s", o.clients / o.rooms, o.senders,
                              o.senders == 1 ? "" : "s", load_words(o), r.duration_s, r.threads, r.threads == 1 ? "" : "s");
  s += fmt::format("  messages sent    {} ({:.0f}/s measured)\n", r.messages, r.messages_per_s());
  s += fmt::format("  deliveries       {} of {} expected ({:.0f}/s measured)\n", r.delivered, r.expected,
                   r.deliveries_per_s());
  s += fmt::format("  delivery latency p50 {:.1f} us  p90 {:.1f} us  p99 {:.1f} us  p99.9 {:.1f} us  max {:.1f} us\n",
                   to_us(r.latency.quantile(0.5)), to_us(r.latency.quantile(0.9)), to_us(r.latency.quantile(0.99)),
                   to_us(r.latency.quantile(0.999)), to_us(r.latency.max()));
  s += fmt::format("  errors           {}", r.errors());
  if (r.errors() > 0) {
    s += fmt::format(" (missing {}, duplicated {}, out of order {}, room order differs {}, unexpected lines {}, ERR lines "
                     "{}, disconnected {}, connect failed {})\n  first error      {}",
                     r.missing, r.duplicated, r.out_of_order, r.order_mismatch, r.unexpected, r.server_errors,
                     r.disconnects, r.connect_failures, r.error_sample);
  }
  s += "\n";
  if (r.interrupted) s += "  interrupted: the figures cover only what ran\n";
  return s;
}

void write_json(JsonWriter& json, const ChatResult& r, std::string_view key) {
  const ChatOptions& o = r.options;
  using U = std::uint64_t;
  json.begin_object(key)
      .value("target", r.target)
      .value("clients", static_cast<U>(o.clients))
      .value("rooms", static_cast<U>(o.rooms))
      .value("members_per_room", static_cast<U>(o.clients / o.rooms))
      .value("senders", static_cast<U>(o.senders))
      .value("rate", o.rate)
      .value("window", static_cast<U>(o.window))
      .value("threads", static_cast<U>(r.threads))
      .value("joined", static_cast<U>(r.joined))
      .value("duration_s", r.duration_s)
      .value("messages", r.messages)
      .value("messages_per_s", r.messages_per_s())
      .value("deliveries_expected", r.expected)
      .value("deliveries", r.delivered)
      .value("deliveries_per_s", r.deliveries_per_s())
      .value("errors", r.errors())
      .value("missing", r.missing)
      .value("duplicated", r.duplicated)
      .value("out_of_order", r.out_of_order)
      .value("order_mismatch", r.order_mismatch)
      .value("unexpected", r.unexpected)
      .value("server_errors", r.server_errors)
      .value("disconnects", r.disconnects)
      .value("connect_failures", r.connect_failures)
      .value("interrupted", r.interrupted);
  if (r.server_cpu_s >= 0) json.value("server_cpu_s", r.server_cpu_s).value("cpu_us_per_delivery", r.cpu_us_per_delivery());
  if (!r.error_sample.empty()) json.value("first_error", r.error_sample);
  json.begin_object("latency_us")
      .value("p50", to_us(r.latency.quantile(0.5)))
      .value("p90", to_us(r.latency.quantile(0.9)))
      .value("p99", to_us(r.latency.quantile(0.99)))
      .value("p999", to_us(r.latency.quantile(0.999)))
      .value("max", to_us(r.latency.max()))
      .end_object();
  json.end_object();
}

std::string json_report(const ChatResult& r) {
  JsonWriter json;
  write_json(json, r);
  return json.str();
}

}  // namespace echo::bench

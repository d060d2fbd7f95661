#include "result_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "framer.hpp"

namespace echo::bench {
namespace {

void write_options(JsonWriter& json, const RunOptions& o) {
  json.begin_object("options")
      .value("host", o.host)
      .value("port", static_cast<std::uint64_t>(o.port))
      .value("connections", static_cast<std::uint64_t>(o.connections))
      .value("pipeline", static_cast<std::uint64_t>(o.pipeline))
      .value("size", static_cast<std::uint64_t>(o.size))
      .value("duration_s", o.duration_s)
      .value("requests", o.requests)
      .value("warmup_s", o.warmup_s)
      .value("rate", o.rate)
      .value("churn", o.churn)
      .value("expect", to_string(o.expect))
      .value("framing", std::string(to_string(o.framing)))
      .value("timeout_s", o.timeout_s)
      .value("agent_index", static_cast<std::uint64_t>(o.agent_index))
      .value("agent_count", static_cast<std::uint64_t>(o.agent_count))
      .value("start_at", o.start_at)
      .end_object();
}

// Reads members one by one, remembering the first that is missing or of the wrong type.
class Reader {
 public:
  Reader(const JsonValue& object, std::string& error, std::string where)
      : object_(object), error_(error), where_(std::move(where)) {}

  const JsonValue* member(std::string_view key, JsonValue::Kind kind) {
    const JsonValue* v = object_.find(key);
    if (v == nullptr || !v->is(kind)) {
      complain(fmt::format("{}{} is missing or not {}", where_, key, kind_name(kind)));
      return nullptr;
    }
    return v;
  }
  template <class T>
  void u64(std::string_view key, T& out) {
    const JsonValue* v = member(key, JsonValue::Kind::number);
    if (v == nullptr) return;
    if (auto n = v->as_u64()) {
      out = static_cast<T>(*n);
    } else {
      complain(fmt::format("{}{} is not a whole number", where_, key));
    }
  }
  void real(std::string_view key, double& out) {
    if (const JsonValue* v = member(key, JsonValue::Kind::number)) out = *v->as_double();
  }
  void flag(std::string_view key, bool& out) {
    if (const JsonValue* v = member(key, JsonValue::Kind::boolean)) out = *v->as_bool();
  }
  void text(std::string_view key, std::string& out) {
    if (const JsonValue* v = member(key, JsonValue::Kind::string)) out = *v->as_string();
  }
  void complain(const std::string& what) {
    if (error_.empty()) error_ = what;
  }
  bool ok() const { return error_.empty(); }

 private:
  static const char* kind_name(JsonValue::Kind k) {
    switch (k) {
      case JsonValue::Kind::number: return "a number";
      case JsonValue::Kind::string: return "a string";
      case JsonValue::Kind::boolean: return "true or false";
      case JsonValue::Kind::array: return "an array";
      case JsonValue::Kind::object: return "an object";
      default: return "null";
    }
  }
  const JsonValue& object_;
  std::string& error_;
  std::string where_;
};

void read_options(const JsonValue& v, RunOptions& o, std::string& error) {
  Reader in(v, error, "options.");
  in.text("host", o.host);
  in.u64("port", o.port);
  in.u64("connections", o.connections);
  in.u64("pipeline", o.pipeline);
  in.u64("size", o.size);
  in.real("duration_s", o.duration_s);
  in.u64("requests", o.requests);
  in.real("warmup_s", o.warmup_s);
  in.real("rate", o.rate);
  in.flag("churn", o.churn);
  std::string expect, framing;
  in.text("expect", expect);
  in.text("framing", framing);
  in.real("timeout_s", o.timeout_s);
  in.u64("agent_index", o.agent_index);
  in.u64("agent_count", o.agent_count);
  in.real("start_at", o.start_at);
  if (!in.ok()) return;
  if (auto e = parse_expect(expect)) {
    o.expect = *e;
  } else {
    in.complain(fmt::format("options.expect '{}' is not upper, echo or none", expect));
  }
  if (auto f = echo::parse_framing(framing)) {
    o.framing = *f;
  } else {
    in.complain(fmt::format("options.framing '{}' is not line or raw", framing));
  }
}

}  // namespace

void write_histogram(JsonWriter& json, std::string_view key, const Histogram& h) {
  json.begin_object(key).value("count", h.count()).value("sum", h.sum()).value("min", h.min()).value("max", h.max());
  json.begin_array("buckets");
  for (std::size_t i = 0; i < Histogram::kBuckets; ++i)
    if (const auto n = h.bucket_count(i); n != 0)
      json.begin_array().value({}, static_cast<std::uint64_t>(i)).value({}, n).end_array();
  json.end_array().end_object();
}

bool read_histogram(const JsonValue& v, Histogram& h, std::string& error) {
  if (!v.is(JsonValue::Kind::object)) {
    error = "a histogram is not an object";
    return false;
  }
  Reader in(v, error, "histogram ");
  std::uint64_t count = 0, sum = 0, min = 0, max = 0;
  in.u64("count", count);
  in.u64("sum", sum);
  in.u64("min", min);
  in.u64("max", max);
  const JsonValue* buckets = in.member("buckets", JsonValue::Kind::array);
  if (!in.ok()) return false;
  Histogram read;
  std::uint64_t seen = 0;
  for (const JsonValue& pair : buckets->elements()) {
    const auto& e = pair.elements();
    const auto index = e.size() == 2 ? e[0].as_u64() : std::nullopt;
    const auto n = e.size() == 2 ? e[1].as_u64() : std::nullopt;
    if (!index || !n || *index >= Histogram::kBuckets) {
      error = fmt::format("histogram bucket is not [index below {}, count]", Histogram::kBuckets);
      return false;
    }
    read.add_bucket(static_cast<std::size_t>(*index), *n);
    seen += *n;
  }
  if (seen != count) {
    error = fmt::format("histogram buckets add up to {}, but its count says {}", seen, count);
    return false;
  }
  if (count != 0) read.add_totals(sum, min, max);
  h.add(read);
  return true;
}

std::string result_file_text(const RunResult& r) {
  JsonWriter json;
  json.begin_object().value("format", kResultFormat).value("version", kResultVersion);
  write_options(json, r.options);
  json.value("target", r.target)
      .value("threads", static_cast<std::uint64_t>(r.threads))
      .value("connections", r.connections)
      .value("requests", r.requests)
      .value("requests_total", r.requests_total);
  json.begin_object("errors_by_kind");
  for (std::size_t k = 0; k < kErrorKinds; ++k) json.value(kErrorNames[k], r.errors_by_kind[k]);
  json.end_object();
  json.value("mismatch_sample", r.mismatch_sample)
      .value("bytes_out", r.bytes_out)
      .value("bytes_in", r.bytes_in)
      .value("duration_s", r.duration_s)
      .value("interrupted", r.interrupted)
      .value("cpu_s", r.cpu_s)
      .value("cpu_wait_s", r.cpu_wait_s);
  write_histogram(json, "latency_ns", r.latency);
  write_histogram(json, "connect_latency_ns", r.connect_latency);
  write_histogram(json, "schedule_lag_ns", r.schedule_lag);
  json.begin_array("intervals");
  for (const IntervalStats& i : r.intervals) {
    json.begin_object().value("requests", i.requests).value("errors", i.errors);
    write_histogram(json, "latency_ns", i.latency);
    json.end_object();
  }
  json.end_array();
  json.begin_object("scale")  // how the connections were opened and held (docs/SCALE.md)
      .value("open_s", r.open_s)
      .value("idle_asked", r.idle_asked)
      .value("idle_established", r.idle_established)
      .value("idle_answered", r.idle_answered)
      .value("idle_open_s", r.idle_open_s)
      .value("processes", r.processes)
      .value("source_addresses", r.source_addresses)
      .end_object();
  json.end_object();
  return json.str() + "\n";
}

bool write_result_file(const RunResult& r, const std::string& path, std::string& error) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << result_file_text(r);
    out.close();
    if (!out) {
      error = fmt::format("cannot write {}: {}", temporary, std::strerror(errno));
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    unlink(temporary.c_str());
    return false;
  }
  return true;
}

std::optional<RunResult> parse_result(const std::string& text, std::string& error) {
  const auto doc = JsonValue::parse(text, error);
  if (!doc) {
    error = fmt::format("not an echo-bench result (not JSON: {}); run --result writes them", error);
    return std::nullopt;
  }
  const JsonValue* format = doc->find("format");
  if (!doc->is(JsonValue::Kind::object) || format == nullptr || format->as_string() != kResultFormat) {
    error = fmt::format("not an echo-bench result (no \"format\": \"{}\")", kResultFormat);
    return std::nullopt;
  }
  RunResult r;
  Reader in(*doc, error, "");
  std::uint64_t version = 0;
  in.u64("version", version);
  if (in.ok() && version != kResultVersion)
    in.complain(fmt::format("version {} of the result format; this echo-bench reads version {}", version, kResultVersion));
  if (const JsonValue* o = in.member("options", JsonValue::Kind::object)) read_options(*o, r.options, error);
  in.text("target", r.target);
  in.u64("threads", r.threads);
  in.u64("connections", r.connections);
  in.u64("requests", r.requests);
  in.u64("requests_total", r.requests_total);
  if (const JsonValue* e = in.member("errors_by_kind", JsonValue::Kind::object)) {
    Reader kinds(*e, error, "errors_by_kind.");
    for (std::size_t k = 0; k < kErrorKinds; ++k) kinds.u64(kErrorNames[k], r.errors_by_kind[k]);
  }
  in.text("mismatch_sample", r.mismatch_sample);
  in.u64("bytes_out", r.bytes_out);
  in.u64("bytes_in", r.bytes_in);
  in.real("duration_s", r.duration_s);
  in.flag("interrupted", r.interrupted);
  in.real("cpu_s", r.cpu_s);
  if (const JsonValue* w = doc->find("cpu_wait_s"); w && w->as_double()) r.cpu_wait_s = *w->as_double();  // optional
  const std::pair<const char*, Histogram*> histograms[] = {
      {"latency_ns", &r.latency}, {"connect_latency_ns", &r.connect_latency}, {"schedule_lag_ns", &r.schedule_lag}};
  for (const auto& [key, h] : histograms)
    if (const JsonValue* v = in.member(key, JsonValue::Kind::object); v && in.ok()) read_histogram(*v, *h, error);
  if (const JsonValue* list = in.member("intervals", JsonValue::Kind::array); list && in.ok()) {
    for (const JsonValue& v : list->elements()) {
      IntervalStats& i = r.intervals.emplace_back();
      Reader one(v, error, "intervals[].");
      one.u64("requests", i.requests);
      one.u64("errors", i.errors);
      if (const JsonValue* h = one.member("latency_ns", JsonValue::Kind::object); h && one.ok())
        read_histogram(*h, i.latency, error);
      if (!one.ok()) break;
    }
  }
  if (const JsonValue* v = doc->find("scale"); v && in.ok()) {  // absent in files of older versions
    Reader scale(*v, error, "scale.");
    scale.real("open_s", r.open_s);
    scale.u64("idle_asked", r.idle_asked);
    scale.u64("idle_established", r.idle_established);
    scale.u64("idle_answered", r.idle_answered);
    scale.real("idle_open_s", r.idle_open_s);
    scale.u64("processes", r.processes);
    scale.u64("source_addresses", r.source_addresses);
  }
  if (!in.ok()) return std::nullopt;
  if (r.latency.count() != r.requests) {
    error = fmt::format("requests says {}, but the latency histogram holds {}", r.requests, r.latency.count());
    return std::nullopt;
  }
  return r;
}

std::optional<RunResult> read_result_file(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto r = parse_result(text.str(), error);
  if (!r) error = fmt::format("{}: {}", path, error);
  return r;
}

}  // namespace echo::bench

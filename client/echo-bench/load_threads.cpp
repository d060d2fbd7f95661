#include "load_threads.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "churn_worker.hpp"
#include "load_worker.hpp"
#include "stop_signal.hpp"

namespace echo::bench {

LoadThreads::LoadThreads(const RunOptions& o, const Payload& payload, const Target& target, unsigned threads)
    : finished_at_(threads), launched_(Clock::now()) {
  control_.measuring = o.requests != 0;  // -n counts every reply, from the first
  std::uint64_t requests_left = o.requests;
  for (unsigned i = 0; i < threads; ++i) {
    // Connections dealt evenly; -n, --rate and --connect-rate in proportion to them, -n's remainder to the last.
    WorkerPlan plan;
    plan.options = &o;
    plan.payload = &payload;
    plan.target = &target;
    plan.connections = o.connections / threads + (i < o.connections % threads ? 1 : 0);
    plan.requests = i + 1 == threads ? requests_left : o.requests * plan.connections / o.connections;
    requests_left -= plan.requests;
    plan.rate = o.rate * static_cast<double>(plan.connections) / static_cast<double>(o.connections);
    plan.connect_rate = o.connect_rate * static_cast<double>(plan.connections) / static_cast<double>(o.connections);
    stats_.push_back(std::make_unique<WorkerStats>());
    threads_.emplace_back([this, plan, &ws = *stats_.back(), &done = finished_at_[i]] {
      if (plan.options->churn) {
        ChurnWorker(plan, ws, control_).run();
      } else {
        LoadWorker(plan, ws, control_).run();
      }
      done = Clock::now();
      finished_.fetch_add(1, std::memory_order_release);
    });
  }
}

LoadThreads::~LoadThreads() { stop_and_join(); }

void LoadThreads::stop_and_join() {
  control_.stop = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

Clock::time_point LoadThreads::last_finish() const {
  return *std::max_element(finished_at_.begin(), finished_at_.end());
}

void LoadThreads::wait_first_round() const {
  using namespace std::chrono_literals;
  while (control_.connected.load() < threads_.size() && !echo::stop_requested()) std::this_thread::sleep_for(1ms);
}

void LoadThreads::go() {
  started_ = Clock::now();
  control_.go = true;
}

Histogram LoadThreads::latency() const {
  Histogram h;
  for (const auto& s : stats_) h.add(s->latency);
  return h;
}

std::string LoadThreads::describe_errors() const {
  std::string text;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    std::uint64_t n = 0;
    int err = 0;
    for (const auto& s : stats_) {
      n += s->errors[k].get();
      if (err == 0) err = s->first_errno[k].load();
    }
    if (n == 0) continue;
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {}", n, kErrorNames[k]);
    if (err != 0) text += fmt::format(" ({})", std::strerror(err));
  }
  return text;
}

void LoadThreads::add_to(RunResult& r) const {
  for (const auto& s : stats_) {
    r.connections += s->connects.get();
    r.requests += s->requests.get();
    r.requests_total += s->requests_total.get();
    r.bytes_out += s->bytes_out.get();
    r.bytes_in += s->bytes_in.get();
    r.latency.add(s->latency);
    r.connect_latency.add(s->connect_latency);
    r.schedule_lag.add(s->schedule_lag);
    for (std::size_t k = 0; k < kErrorKinds; ++k) {
      r.errors_by_kind[k] += s->errors[k].get();
      if (r.first_errno[k] == 0) r.first_errno[k] = s->first_errno[k].load();
    }
    if (r.mismatch_sample.empty()) r.mismatch_sample = s->mismatch_sample;
  }
}

}  // namespace echo::bench

// Target reachability probes (see target_prober.h).
#include "metrics/target_prober.h"

#include <spdlog/spdlog.h>

namespace wb::metrics {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TargetProber::TargetProber(std::string instance_id, ApplierMetrics* metrics, std::chrono::milliseconds interval)
    : instance_id_(std::move(instance_id)), interval_(interval), metrics_(metrics) {}

TargetProber::~TargetProber() { stop(); }

void TargetProber::set_targets(const std::map<std::string, sink::ConnectionSettings>& targets) {
  std::lock_guard<std::mutex> lock(mu_);
  targets_ = targets;
  for (auto it = states_.begin(); it != states_.end();) {
    if (targets_.contains(it->first)) {
      ++it;
      continue;
    }
    if (metrics_ != nullptr) metrics_->remove_target(it->first);
    it = states_.erase(it);
  }
}

void TargetProber::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void TargetProber::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, s] : sinks_) s->disconnect();
  sinks_.clear();
}

void TargetProber::probe_once() {
  std::map<std::string, sink::ConnectionSettings> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets = targets_;
  }
  for (auto it = sinks_.begin(); it != sinks_.end();) {
    it = targets.contains(it->first) ? std::next(it) : sinks_.erase(it);
  }
  for (const auto& [name, settings] : targets) {
    const int64_t started_ms = wall_ms();
    TargetState t;
    t.connection = name;
    t.type = settings.type;
    t.instance = instance_id_;
    try {
      auto& s = sinks_[name];
      if (!s) s = sink::make_sink(settings);
      t.reachable = s->ping();
    } catch (const std::exception&) {
      t.reachable = false;  // e.g. an unknown connection type
    }
    t.checked_ms = wall_ms();
    spdlog::debug("target {} probed: {} ({} ms)", name, t.reachable ? "reachable" : "not reachable",
                  t.checked_ms - started_ms);
    std::lock_guard<std::mutex> lock(mu_);
    if (!targets_.contains(name)) continue;  // removed by a redeploy meanwhile
    auto previous = states_.find(name);
    bool first = previous == states_.end();
    if ((first && !t.reachable) || (!first && previous->second.reachable != t.reachable)) {
      // One line per change of state, never one per probe.
      if (t.reachable) {
        spdlog::info("target {} is reachable again", name);
      } else {
        spdlog::warn("target {} ({}) is not reachable", name, settings.type);
      }
    }
    states_[name] = t;
    if (metrics_ != nullptr) metrics_->set_target_up(name, t.reachable);
  }
}

std::vector<TargetState> TargetProber::states() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TargetState> out;
  for (const auto& [name, t] : states_) out.push_back(t);
  return out;
}

void TargetProber::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    probe_once();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace wb::metrics

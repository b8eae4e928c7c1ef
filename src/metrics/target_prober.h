// Pings every target connection of the running pipeline once per interval, on its own thread and
// its own connections (never the workers'), so that status and /readyz can say whether each target
// is reachable — a slow or hanging target delays only this thread. Each result also sets
// writebehind_target_up{connection} at once.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/applier_metrics.h"
#include "metrics/instance_registry.h"
#include "sink/sink.h"

namespace wb::metrics {

class TargetProber {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval{1000};

  // metrics may be null.
  explicit TargetProber(std::string instance_id, ApplierMetrics* metrics = nullptr,
                        std::chrono::milliseconds interval = kDefaultInterval);
  ~TargetProber();  // stop()
  TargetProber(const TargetProber&) = delete;
  TargetProber& operator=(const TargetProber&) = delete;

  // The connections to probe (replaces the previous set: a redeploy may change them).
  void set_targets(const std::map<std::string, sink::ConnectionSettings>& targets);
  void start();
  void stop();
  // Probes every target once, now (tests; start() does it on its thread).
  void probe_once();

  // The latest result per connection; a target not probed yet is absent.
  std::vector<TargetState> states() const;

 private:
  void loop();

  const std::string instance_id_;
  const std::chrono::milliseconds interval_;
  ApplierMetrics* const metrics_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, sink::ConnectionSettings> targets_;
  std::map<std::string, TargetState> states_;
  std::map<std::string, std::unique_ptr<sink::Sink>> sinks_;  // probe thread only
  std::thread thread_;
};

}  // namespace wb::metrics

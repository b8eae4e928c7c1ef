// The applier's eye on Redis: once per interval, on its own thread and its own Redis connection
// (never on the data path), it reads every job's status (job_status.h), sets the Redis-side gauges
// of the metrics (stream length, pending, lag, dead letters, paused), keeps a short history per job
// for the dashboard, publishes this applier's heartbeat and the targets' states
// (instance_registry.h) and keeps the latest StatusSnapshot for /api/status and /readyz.
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

#include "common/redis_connection.h"
#include "metrics/applier_metrics.h"
#include "metrics/status_snapshot.h"
#include "metrics/target_prober.h"

namespace wb::metrics {

struct SamplerOptions {
  static constexpr std::chrono::milliseconds kDefaultInterval{1000};
  static constexpr size_t kDefaultHistoryPoints = 300;  // 5 minutes at one sample a second
  static constexpr size_t kDefaultLatestRejected = 5;
  static constexpr std::chrono::milliseconds kRedisIoTimeout{5000};

  RedisEndpoint redis;
  std::string prefix = "wb:";
  std::string instance_id;
  std::string metrics_address;  // announced in the heartbeat ("" when the server is off)
  std::chrono::milliseconds interval = kDefaultInterval;
  size_t history_points = kDefaultHistoryPoints;
  size_t latest_rejected = kDefaultLatestRejected;
};

class StatusSampler {
 public:
  // metrics may be null (no gauges to set); prober may be null (targets are not probed).
  StatusSampler(SamplerOptions options, ApplierMetrics* metrics, TargetProber* prober);
  ~StatusSampler();  // stop()
  StatusSampler(const StatusSampler&) = delete;
  StatusSampler& operator=(const StatusSampler&) = delete;

  // The jobs to watch and the pipeline's checksum; called at start and after every redeploy.
  void set_jobs(std::vector<JobRef> jobs, std::string pipeline_checksum);
  // The address the HTTP server really listens on (announced in the heartbeat; "" when none).
  void set_metrics_address(std::string address);

  void start();
  // Stops the thread and removes this applier's heartbeat from Redis.
  void stop();
  // One sample, now (tests; the thread calls it every interval).
  void sample_once();

  std::shared_ptr<const StatusSnapshot> snapshot() const;

  // Ready: the latest sample reached Redis recently and every target answered its latest probe.
  // *why lists what is not ready.
  bool ready(std::string* why) const;

 private:
  void loop();
  StatusSnapshot sample(RedisConnection& redis);

  const SamplerOptions options_;
  ApplierMetrics* const metrics_;
  TargetProber* const prober_;
  const int64_t started_ms_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<JobRef> jobs_;
  std::string pipeline_checksum_;
  std::string metrics_address_;
  std::map<std::string, std::string> streams_;  // job -> resolved stream
  std::map<std::string, std::deque<HistoryPoint>> history_;
  std::shared_ptr<const StatusSnapshot> latest_;
  std::chrono::steady_clock::time_point latest_at_;
  uint64_t seq_ = 0;
  bool redis_failing_ = false;
  std::thread thread_;

  std::unique_ptr<RedisConnection> redis_;  // sampler thread only
};

}  // namespace wb::metrics

// The applier's own metrics (issue 6), in one registry:
//   writebehind_incoming_entries_total{job,operation}  operation = inserted|updated|deleted|filtered|rejected
//   writebehind_stream_length{job}                      backlog: length of the job's stream
//   writebehind_pending_entries{job}                    delivered to a consumer, not yet acknowledged
//   writebehind_lag_milliseconds{job}                   age of the oldest unacknowledged entry (0: none)
//   writebehind_dead_letter_length{job}                 length of the job's dead-letter stream
//   writebehind_batch_duration_seconds{job}             histogram: read -> acknowledged, per batch
//   writebehind_batch_size{job}                         histogram: entries per acknowledged batch
//   writebehind_target_errors_total{job,kind}           kind = transient|schema|data
//   writebehind_retries_total{job}                      transactions retried after a target failure
//   writebehind_job_paused{job}                         1 while `writebehind stop --job` holds it
//   writebehind_target_up{connection}                   1 when the last ping of the target succeeded
//   writebehind_redis_up                                1 when the last status sample reached Redis
//
// The counters are incremented by the workers at the moment a batch is acknowledged (XACK and the
// counters hash <prefix>stats:<job> in one MULTI/EXEC), with the same per-op counts the hash
// receives: with one applier running since the counters were reset, the two agree exactly. The
// gauges that live in Redis are set by the status sampler (status_sampler.h), never on the data path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/registry.h"

namespace wb::metrics {

// Incoming entries of one acknowledged batch, by op code (before coalescing) — as in the stats hash.
struct BatchCounts {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t deleted = 0;
  int64_t filtered = 0;
  int64_t rejected = 0;
};

// The Redis-side gauges of one job, as sampled.
struct JobGauges {
  int64_t stream_length = 0;
  int64_t pending = 0;
  int64_t lag_ms = 0;
  int64_t dead_letters = 0;
  bool paused = false;
};

class ApplierMetrics {
 public:
  // Buckets of the histograms (upper bounds; +Inf implicit).
  static const std::vector<double>& batch_duration_bounds();  // seconds, 1 ms .. 60 s
  static const std::vector<double>& batch_size_bounds();      // entries, 1 .. 10000

  // Registers the families in registry (which must outlive this object).
  explicit ApplierMetrics(Registry& registry);

  // Creates every series of a job at zero, so that rate() sees the first increment.
  void add_job(const std::string& job);
  // Drops the gauges of a job that no longer runs (counters stay: they only ever go up).
  void remove_job_gauges(const std::string& job);

  // Worker hooks.
  void batch_acknowledged(const std::string& job, const BatchCounts& counts, size_t entries, double seconds);
  void target_error(const std::string& job, const std::string& kind);  // "transient" | "schema" | "data"
  void retry(const std::string& job);

  // Sampler hooks.
  void set_job_gauges(const std::string& job, const JobGauges& g);
  void set_target_up(const std::string& connection, bool up);
  void remove_target(const std::string& connection);
  void set_redis_up(bool up);

  // For tests and /api/status: the in-process count of one series.
  double incoming(const std::string& job, const std::string& operation) const;

 private:
  Family<Counter>& incoming_;
  Family<Gauge>& stream_length_;
  Family<Gauge>& pending_;
  Family<Gauge>& lag_;
  Family<Gauge>& dead_letters_;
  Family<Histogram>& batch_duration_;
  Family<Histogram>& batch_size_;
  Family<Counter>& target_errors_;
  Family<Counter>& retries_;
  Family<Gauge>& paused_;
  Family<Gauge>& target_up_;
  Gauge& redis_up_;
};

// The operation label values, in the order above.
inline const char* const kOperations[] = {"inserted", "updated", "deleted", "filtered", "rejected"};
// The kind label values of writebehind_target_errors_total.
inline const char* const kTargetErrorKinds[] = {"transient", "schema", "data"};

}  // namespace wb::metrics

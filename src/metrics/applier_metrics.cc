// The writebehind_* metric set (see applier_metrics.h).
#include "metrics/applier_metrics.h"

namespace wb::metrics {

const std::vector<double>& ApplierMetrics::batch_duration_bounds() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return b;
}

const std::vector<double>& ApplierMetrics::batch_size_bounds() {
  static const std::vector<double> b = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  return b;
}

ApplierMetrics::ApplierMetrics(Registry& r)
    : incoming_(r.counter("writebehind_incoming_entries_total",
                          "Incoming stream entries acknowledged, by operation (op code before coalescing; "
                          "filtered and rejected as in the job's counters).",
                          {"job", "operation"})),
      stream_length_(r.gauge("writebehind_stream_length", "Entries in the job's stream (the backlog).", {"job"})),
      pending_(
          r.gauge("writebehind_pending_entries", "Entries delivered to an applier and not yet acknowledged.", {"job"})),
      lag_(r.gauge("writebehind_lag_milliseconds",
                   "Age of the oldest unacknowledged entry of the job's stream in milliseconds (0 when none).",
                   {"job"})),
      dead_letters_(r.gauge("writebehind_dead_letter_length", "Entries in the job's dead-letter stream.", {"job"})),
      batch_duration_(r.histogram("writebehind_batch_duration_seconds",
                                  "Time from reading a batch to its acknowledgement, in seconds.", {"job"},
                                  batch_duration_bounds())),
      batch_size_(
          r.histogram("writebehind_batch_size", "Entries per acknowledged batch.", {"job"}, batch_size_bounds())),
      target_errors_(r.counter("writebehind_target_errors_total",
                               "Failed target transactions, by kind (transient: outage; schema: the target refuses "
                               "every record; data: a record at fault).",
                               {"job", "kind"})),
      retries_(r.counter("writebehind_retries_total", "Target transactions retried after a failure.", {"job"})),
      paused_(r.gauge("writebehind_job_paused", "1 while the job is paused (writebehind stop --job).", {"job"})),
      target_up_(r.gauge("writebehind_target_up", "1 when the target answered the last ping.", {"connection"})),
      redis_up_(r.gauge("writebehind_redis_up", "1 when the last status sample reached Redis.").with({})) {}

void ApplierMetrics::add_job(const std::string& job) {
  for (const char* op : kOperations) incoming_.with({job, op});
  for (const char* kind : kTargetErrorKinds) target_errors_.with({job, kind});
  retries_.with({job});
  batch_duration_.with({job});
  batch_size_.with({job});
  set_job_gauges(job, JobGauges{});
}

void ApplierMetrics::remove_job_gauges(const std::string& job) {
  stream_length_.remove({job});
  pending_.remove({job});
  lag_.remove({job});
  dead_letters_.remove({job});
  paused_.remove({job});
}

void ApplierMetrics::batch_acknowledged(const std::string& job, const BatchCounts& c, size_t entries, double seconds) {
  const int64_t by_op[] = {c.inserted, c.updated, c.deleted, c.filtered, c.rejected};
  for (size_t i = 0; i < std::size(kOperations); ++i) {
    Counter& counter = incoming_.with({job, kOperations[i]});
    if (by_op[i] > 0) counter.inc(static_cast<double>(by_op[i]));
  }
  batch_duration_.with({job}).observe(seconds);
  batch_size_.with({job}).observe(static_cast<double>(entries));
}

void ApplierMetrics::target_error(const std::string& job, const std::string& kind) {
  target_errors_.with({job, kind}).inc();
}

void ApplierMetrics::retry(const std::string& job) { retries_.with({job}).inc(); }

void ApplierMetrics::set_job_gauges(const std::string& job, const JobGauges& g) {
  stream_length_.with({job}).set(static_cast<double>(g.stream_length));
  pending_.with({job}).set(static_cast<double>(g.pending));
  lag_.with({job}).set(static_cast<double>(g.lag_ms));
  dead_letters_.with({job}).set(static_cast<double>(g.dead_letters));
  paused_.with({job}).set(g.paused ? 1 : 0);
}

void ApplierMetrics::set_target_up(const std::string& connection, bool up) {
  target_up_.with({connection}).set(up ? 1 : 0);
}

void ApplierMetrics::remove_target(const std::string& connection) { target_up_.remove({connection}); }

void ApplierMetrics::set_redis_up(bool up) { redis_up_.set(up ? 1 : 0); }

double ApplierMetrics::incoming(const std::string& job, const std::string& operation) const {
  return incoming_.with({job, operation}).value();
}

}  // namespace wb::metrics

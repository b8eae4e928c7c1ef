// What the workers report for operators (src/metrics implements it for /metrics): one call per
// acknowledged batch, per failed target transaction and per retry. Called from the worker threads
// and their acker threads (job_worker.h), so implementations must be thread safe and cheap (no
// I/O). Optional: ApplierSettings::observer.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

#include "sink/sink_error.h"
#include "source/ack_batch.h"

namespace wb::applier {

class JobObserver {
 public:
  virtual ~JobObserver() = default;

  // Right after the batch's acknowledgement (XACK + counters in one MULTI/EXEC) succeeded, with the
  // very counts written to <prefix>stats:<job>; `took`: from the read to the acknowledgement.
  virtual void batch_acknowledged(const std::string& job, const JobCounters& counters, size_t entries,
                                  std::chrono::steady_clock::duration took) = 0;
  // A target transaction failed (before the batch is retried, split or dead-lettered).
  virtual void target_error(const std::string& job, sink::ErrorKind kind) = 0;
  // A failed transaction is tried again after retry_interval.
  virtual void retry(const std::string& job) = 0;
};

}  // namespace wb::applier

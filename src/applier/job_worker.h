// One job's worker: read a batch -> decode -> transform -> coalesce -> write to every output -> ack,
// on its own thread, with its own Redis connection and its own target connections.
//
// Exactness: a batch is acknowledged (XACK + counters + key tracking + dead letters, one MULTI/EXEC)
// only after every target transaction of the batch committed. Killed at any point, the batch stays
// pending and is read again at restart; re-applying it is harmless for keyed outputs (upserts and
// deletes by key). Entries are applied in stream order; a batch is split into transactions of at
// most write_batch_size records (after coalescing), committed in order.
//
// Failures:
//  - target Transient / Schema errors: roll back, retry the same transaction every retry_interval,
//    logging once per outage and once at recovery (and setting state/last_error in the stats hash);
//    a Schema error also re-reads the table's columns. Nothing is acknowledged meanwhile.
//  - target Data errors: the transaction's records are split in halves until the offending ones are
//    found; they go to the dead-letter stream (or are dropped with error_handling ignore), counted as
//    rejected; the rest commits.
//  - Redis errors: reconnect with backoff; the batch in flight is abandoned and read again.
//  - stop(): the batch in flight is finished and acknowledged (during a target outage it is
//    abandoned instead, and read again at the next start), then run() returns.
//
// Pause (`writebehind stop --job`, control_flags.h): between batches the worker checks the flag
// (at most every kPauseCheckInterval) and reads nothing while it is set.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "applier/job_plan.h"
#include "applier/key_tracker.h"
#include "applier/output_mapper.h"
#include "applier/transform_chain.h"
#include "sink/sink.h"
#include "source/stream_reader.h"

namespace wb::applier {

// Creates the sink of a named connection (one per worker: sinks are not thread-safe).
using SinkFactory = std::function<std::unique_ptr<sink::Sink>(const std::string& connection)>;

class JobWorker {
 public:
  static constexpr std::chrono::milliseconds kMinReconnectBackoff{100};
  static constexpr std::chrono::milliseconds kMaxReconnectBackoff{5000};
  static constexpr std::chrono::milliseconds kStopPollInterval{50};
  static constexpr std::chrono::milliseconds kPauseCheckInterval{250};

  JobWorker(JobPlan job, ApplierSettings settings, SinkFactory sinks);
  ~JobWorker();
  JobWorker(const JobWorker&) = delete;
  JobWorker& operator=(const JobWorker&) = delete;

  // Runs until stop() (from any thread). Never throws.
  void run();
  void stop() { stop_.store(true); }
  bool stopping() const { return stop_.load(); }

  // One step of run(): connects if needed, reads one batch and applies it. Returns the number of
  // entries acknowledged (0 when nothing was read, or the batch was abandoned). Throws on Redis
  // errors (run() reconnects). For tests and for run().
  size_t run_once();

  const JobPlan& job() const { return job_; }

 private:
  struct Rejection {
    const ChangeRecord* record;
    std::string error;
    std::string output;
  };

  void connect_redis();
  bool apply_batch(std::vector<StreamEntry> entries, AckBatch& ack);
  bool write_records(std::vector<ChangeRecord>& records, AckBatch& ack);
  // Writes one range in one transaction per sink. Throws SinkError; *failed_output names the
  // output whose write failed (empty when a commit failed).
  void write_range(const std::vector<const ChangeRecord*>& chunk, std::string* failed_output);
  void ensure_columns();
  void reject(const std::string& entry_id, const EntryFields& original, const std::string& error,
              const std::string& output, AckBatch& ack);
  void enter_outage(const std::string& why, bool schema);
  void leave_outage();
  void set_state(const char* state, const std::string& error);
  bool sleep_unless_stopped(std::chrono::milliseconds d);
  bool reducible() const;
  std::string stats_key() const;
  bool paused();  // the pause flag, read at most every kPauseCheckInterval

  JobPlan job_;
  ApplierSettings settings_;
  SinkFactory make_sink_;
  std::atomic<bool> stop_{false};

  std::unique_ptr<StreamReader> reader_;
  std::unique_ptr<TransformChain> chain_;
  std::map<std::string, std::unique_ptr<sink::Sink>> sinks_;  // by connection name
  std::vector<std::unique_ptr<KeyTracker>> trackers_;         // per output; null when untracked
  std::vector<OutputMapper> mappers_;                         // per output

  bool in_outage_ = false;
  std::chrono::steady_clock::time_point outage_since_;
  bool redis_lost_ = false;

  bool state_announced_ = false;  // state set to running at the first connect
  bool paused_ = false;
  std::chrono::steady_clock::time_point next_pause_check_{};
  std::string first_rejection_;  // of the batch in flight, for the one log line per batch
};

}  // namespace wb::applier

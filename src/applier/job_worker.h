// One job's worker: read a batch -> decode -> transform -> coalesce -> write to every output -> ack,
// with its own Redis connections and its own target connections.
//
// Exactness: a batch is acknowledged (XACK + counters + key tracking + dead letters, one MULTI/EXEC)
// only after every target transaction of the batch committed. Killed at any point, the batch stays
// pending and is read again at restart (with acknowledgements sent behind, below, the batch before
// it too); re-applying is harmless for keyed outputs (upserts and deletes by key). Entries are applied in stream order; a batch is split into transactions of at
// most write_batch_size records (after coalescing), committed in order.
//
// Exactly once for outputs that are not idempotent (APPEND, TYPE2): in each transaction that writes
// such an output, the worker also upserts its row of the target's progress table (sink.h,
// kProgressTable): the first entry id of its batch, the last entry id the transaction commits, and
// the records rejected so far. Recovery (load_progress()):
//  - A batch read again after a crash (own pending entries, or those claimed from a dead consumer)
//    reads every row of the job on each such target — also rows of consumers since deleted from the
//    group. A row counts when an entry of the batch lies in its range [first id, committed id]; the
//    batch then skips, on that target, its entries up to the highest committed id of the rows that
//    count, and dead-letters again (writing nowhere) the rejections they list among its entries.
//  - The range, not just its ends: a batch may come back in pieces (read with a lower
//    read_batch_size, its first entries claimed by a consumer that died in turn, a crash after some
//    pieces were acknowledged), and a piece need not hold either end. Nothing is carried in memory
//    from one piece to the next. A row whose batch was acknowledged covers no pending entry, or only
//    committed ones, so a stale row hides nothing (the argument is at load_progress()).
//  - A claimed batch whose entries a row covers gets our own row at once, in a transaction of its
//    own before anything of the batch is written, so the skip survives our death even if the row
//    found is overwritten meanwhile.
//  - A commit that failed with a lost connection may have committed: before the retry the target's
//    own row tells (its first id is this batch's). A range is retried after a target failed at
//    COMMIT while others had committed it (PostgreSQL reports a poison record only then): those
//    targets skip it, so their APPEND and TYPE2 outputs do not write it twice.
// Limits: one applier per job at a time (restarts under the same or another instance id) — two at
// once interleave their consumers' entries and the ranges mean nothing. Recovery reads pending
// entries in stream order whoever holds them (stream_reader.h), so a consumer restarting under its
// own name applies the older entries a successor claimed from it before its own newer ones. Not
// covered: a dead consumer whose connection Redis still lists (a vanished host, before TCP gives
// up) looks alive until its entries are claim_min_idle old; in that window newer entries may be
// applied before its older ones.
//
// Overlap: while a batch is written, the next one is read, decoded, transformed, checked against
// the outputs and reduced by key on a second thread (over a second Redis connection,
// stream_reader.h; checks stay on the worker when an output has a foreach). The records of the
// batch before are freed there too. That thread sends the read of the batch after next as soon as
// it has its batch's reply (StreamReader::request_new()), so that Redis serves it while the batch
// is decoded: at most three batches are pending for the worker at a time (in flight, read ahead,
// requested), all in stream order. Only plain new reads are overlapped, and only while no
// claim sweep is due: the batch read ahead then lies entirely after the batch in flight, so that
// after a crash both come back in stream order with the batch in flight first (which the progress
// rows rely on). Recovery reads (pending entries, own or claimed) stay strictly one after another.
//
// Failures:
//  - target Transient / Schema errors: roll back, retry the same transaction every retry_interval,
//    logging once per outage and once at recovery (and setting state/last_error in the stats hash);
//    a Schema error also re-reads the table's columns. Nothing is acknowledged meanwhile, and every
//    entry pending for this consumer is kept claimed (the batch read ahead too).
//  - target Data errors: the transaction's records are split in halves until the offending ones are
//    found; they go to the dead-letter stream (or are dropped with error_handling ignore), counted as
//    rejected; the rest commits.
//  - Redis errors: reconnect with backoff; the batch in flight and the one read ahead are abandoned
//    and read again.
//  - stop(): the batch in flight is finished and acknowledged (during a target outage it is
//    abandoned instead, and read again at the next start), then run() returns. A batch read ahead
//    stays pending and is read first at the next start.
//
// Acknowledging behind (jobs whose every output is idempotent: no APPEND, no TYPE2): a batch's
// acknowledgement is sent on a third thread while the next batch is written, so that the target is
// not idle during the MULTI/EXEC. At most one acknowledgement is in flight, and it lands before the
// next is sent and before anything else uses the control connection (control()), so acks stay in
// stream order. Killed meanwhile, two batches may be committed and unacknowledged: both are read
// again in stream order and re-applied, which upserts and deletes by key make harmless (a key may
// show its older batch's value for the moment between the two). Key tracking takes the batch's
// changes as committed when the ack is sent (a failed ack forgets the whole cache, as before);
// values read ahead are not adopted for keys the last two batches changed (key_tracker.h). Jobs
// with an APPEND or TYPE2 output acknowledge before the next batch: their progress rows describe
// one batch at a time.
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
#include <set>
#include <string>
#include <vector>

#include "applier/job_plan.h"
#include "applier/key_tracker.h"
#include "applier/output_mapper.h"
#include "applier/read_ahead.h"
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

  // One step of run(): connects if needed, takes the next batch (read now, or read ahead during the
  // previous step) and applies it; may start reading the following batch ahead. Returns the number
  // of entries acknowledged (0 when nothing was read, or the batch was abandoned). Throws on Redis
  // errors (run() reconnects). For tests and for run().
  size_t run_once();

  const JobPlan& job() const { return job_; }

 private:
  // A batch read and decoded, not yet written: its records and what its acknowledgement carries so
  // far (every entry id, op counters, records dropped or rejected by decoding and transforms).
  struct Batch {
    ReadOrigin origin = ReadOrigin::New;
    std::string owner;  // the consumer whose pending entries these were
    AckBatch ack;
    std::vector<ChangeRecord> records;
    bool checked = false;         // check_and_reduce() ran
    // Per output, the tracked keys' values read ahead with the batch (KeyTracker::adopt()).
    std::vector<KeyTracker::Prefetched> prefetched;
    std::string first_rejection;  // for the one log line per batch
    std::chrono::steady_clock::time_point read_at;
  };

  // Exactly-once bookkeeping of one batch (see the file comment).
  struct BatchProgress {
    std::map<std::string, std::string> skip_until;  // connection -> last entry id already committed there
    nlohmann::json rejected = nlohmann::json::array();  // [[entry id, output, error], ...] so far
    std::set<std::string> dropped;  // rejected before a crash: written to no target
    std::set<std::string> unsure;   // connections whose last commit failed Transient: it may have
                                    // committed (its reply lost); their progress rows tell
  };

  // The state of one target connection's progress table.
  struct ProgressTarget {
    bool needed = false;       // the connection has an APPEND or TYPE2 output
    bool ready = false;        // the table exists
    bool unavailable = false;  // it cannot be created: at-least-once (said once, loudly)
  };

  // What the worker reports once an acknowledgement sent behind has landed.
  struct AckReport {
    JobCounters counters;
    size_t entries = 0;
    std::chrono::steady_clock::time_point read_at;
    std::string first_rejection;
  };

  size_t step();  // run_once() without waiting for the acknowledgement sent behind
  void connect_redis();
  void abandon_read_ahead() noexcept;
  void abandon_ack() noexcept;
  void settle_ack();  // waits for the acknowledgement in flight; throws what it threw
  void report_ack(const AckReport& r);  // observer and log; on the worker or the acker thread
  RedisConnection& control();  // the control connection, once no acknowledgement is in flight
  // request_next: send the read of the batch after this one before decoding this one
  // (StreamReader::request_new()).
  Batch read_and_decode(bool new_only, bool request_next = false);
  void decode_into(std::vector<StreamEntry>& entries, Batch& batch);
  size_t apply_and_ack(Batch batch);
  void check_and_reduce(Batch& batch);
  bool apply_batch(Batch& batch);
  bool write_records(std::vector<ChangeRecord>& records, Batch& batch);
  // Writes one range in one transaction per sink. Throws SinkError; *failed_output names the
  // output whose write failed (empty when a commit failed).
  void write_range(const std::vector<const ChangeRecord*>& chunk, const Batch& batch, std::string* failed_output);
  void ensure_columns();
  void reject(Batch& batch, const std::string& entry_id, const EntryFields& original, const std::string& error,
              const std::string& output);
  void enter_outage(const std::string& why, bool schema);
  void leave_outage();
  void set_state(const char* state, const std::string& error);
  bool sleep_unless_stopped(std::chrono::milliseconds d);
  bool reducible() const;
  std::string stats_key() const;
  bool paused();  // the pause flag, read at most every kPauseCheckInterval
  bool pause_check_due();
  bool read_pause_flag();
  void note_pause_flag(bool flag);  // logs and records a change

  // Progress rows (exactly once).
  void ensure_progress_tables();
  void load_progress(Batch& batch, std::vector<ChangeRecord>& records);
  bool skipped(const std::string& connection, const ChangeRecord& rec) const;

  JobPlan job_;
  ApplierSettings settings_;
  SinkFactory make_sink_;
  std::atomic<bool> stop_{false};
  std::string consumer_;

  std::unique_ptr<StreamReader> reader_;
  std::unique_ptr<TransformChain> chain_;  // used by whichever thread decodes (never two at once)
  std::map<std::string, std::unique_ptr<sink::Sink>> sinks_;  // by connection name
  std::vector<std::unique_ptr<KeyTracker>> trackers_;         // per output; null when untracked
  std::vector<OutputMapper> mappers_;                         // per output
  std::map<std::string, ProgressTarget> progress_targets_;    // by connection name
  bool reducible_ = false;    // reducible(), fixed at construction
  bool has_trackers_ = false;  // some output tracks keys
  bool check_ahead_ = false;  // check_and_reduce() on the read-ahead thread (no foreach output)
  bool ack_behind_ = false;   // acknowledge while the next batch is written (no progress rows needed)
  std::vector<ChangeRecord> graveyard_;  // the last batch's records, freed on the read-ahead thread
  BatchProgress progress_;                                    // of the batch in flight

  bool in_outage_ = false;
  std::chrono::steady_clock::time_point outage_since_;
  bool redis_lost_ = false;

  bool state_announced_ = false;  // state set to running at the first connect
  bool paused_ = false;
  std::chrono::steady_clock::time_point next_pause_check_{};

  // The next batch, being read while this one is written, and the last batch's acknowledgement,
  // being sent meanwhile. Last: their threads stop before anything they use is destroyed.
  ReadAhead<std::optional<bool>> acker_;  // returns the pause flag when it read it
  ReadAhead<Batch> read_ahead_;
};

}  // namespace wb::applier

// The per-job apply loop (see job_worker.h).
#include "applier/job_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <set>
#include <thread>
#include <unordered_set>

#include "applier/control_flags.h"
#include "applier/dead_letter.h"
#include "source/entry_decoder.h"
#include "source/record_path.h"

namespace wb::applier {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

namespace {

// True when every key column of the output is the Redis key itself (key.key): the row a Redis key
// writes is then always the one its own key names, and a d entry names it too, so there is nothing
// to remember between batches (no key tracking, no memory in Redis).
bool keys_are_redis_key(const OutputPlan& out) {
  if (out.keys.empty() || out.foreach) return false;
  return std::all_of(out.keys.begin(), out.keys.end(), [](const ColumnSource& k) { return k.source == kRedisKeyPath; });
}

bool needs_progress(const OutputPlan& out) {
  return out.strategy == LoadStrategy::Append || out.strategy == LoadStrategy::Type2;
}

}  // namespace

JobWorker::JobWorker(JobPlan job, ApplierSettings settings, SinkFactory sinks)
    : job_(std::move(job)), settings_(std::move(settings)), make_sink_(std::move(sinks)) {
  consumer_ = settings_.instance_id.empty() ? default_instance_id() : settings_.instance_id;
  StreamReaderOptions ro;
  ro.endpoint = settings_.redis;
  if (job_.source_kind == SourceKind::Captured) {
    if (job_.stream.empty()) {
      ro.captured_job = job_.name;  // the stream key is asked from the module: WB.STREAM <job>
    } else {
      ro.stream = job_.stream;
    }
    ro.group_start_id = "0";  // nothing captured before the group existed is lost
    ro.trim = true;
  } else {
    ro.stream = job_.stream;
    ro.group_start_id = job_.start_id.empty() ? "0-0" : job_.start_id;
    ro.trim = false;  // never trim an application's own stream
  }
  ro.consumer = consumer_;
  ro.batch_size = std::max<size_t>(1, settings_.read_batch_size);
  ro.block = settings_.duration;
  ro.claim_min_idle = settings_.claim_min_idle;
  ro.stats_key = stats_key();
  ro.dlq_key = settings_.prefix + "dlq:" + job_.name;
  ro.dlq_max_messages = settings_.dlq_max_messages;
  reader_ = std::make_unique<StreamReader>(std::move(ro));

  chain_ = job_.transforms ? job_.transforms() : nullptr;
  if (!chain_) chain_ = std::make_unique<IdentityTransformChain>();

  trackers_.resize(job_.outputs.size());
  mappers_.reserve(job_.outputs.size());
  for (size_t i = 0; i < job_.outputs.size(); ++i) {
    const OutputPlan& out = job_.outputs[i];
    if (job_.source_kind == SourceKind::Captured && out.keyed() && out.strategy != LoadStrategy::Append &&
        !keys_are_redis_key(out)) {
      trackers_[i] = std::make_unique<KeyTracker>(settings_.prefix + "keys:" + job_.name + ":" + out.name,
                                                  std::max(KeyTracker::kMaxCachedKeys, 4 * std::max<size_t>(1, settings_.read_batch_size)));
    }
    mappers_.emplace_back(out, job_.row_format, trackers_[i].get());
    if (!sinks_.contains(out.connection)) sinks_[out.connection] = make_sink_(out.connection);
    if (needs_progress(out)) progress_targets_[out.connection].needed = true;
  }
  reducible_ = reducible();
  has_trackers_ = std::any_of(trackers_.begin(), trackers_.end(), [](const auto& t) { return t != nullptr; });
  check_ahead_ = std::none_of(job_.outputs.begin(), job_.outputs.end(), [](const OutputPlan& o) { return bool(o.foreach); });
  ack_behind_ = progress_targets_.empty();
}

JobWorker::~JobWorker() {
  abandon_ack();
  abandon_read_ahead();
}

std::string JobWorker::stats_key() const { return settings_.prefix + "stats:" + job_.name; }

bool JobWorker::sleep_unless_stopped(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stopping()) return false;
    std::this_thread::sleep_for(std::min(kStopPollInterval, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                 until - std::chrono::steady_clock::now())));
  }
  return !stopping();
}

void JobWorker::abandon_read_ahead() noexcept {
  // Its entries stay pending for this consumer and are read again (recovery, in stream order).
  if (!read_ahead_.busy()) return;
  try {
    read_ahead_.get();
  } catch (...) {
  }
}

void JobWorker::abandon_ack() noexcept {
  // Whether it landed is unknown: its entries are read again if not (re-applying is harmless).
  if (!acker_.busy()) return;
  try {
    acker_.get();
  } catch (...) {
  }
}

void JobWorker::settle_ack() {
  if (!acker_.busy()) return;
  std::optional<bool> pause_flag = acker_.get();  // throws what the ack threw: run() reconnects, forgets caches
  if (pause_flag) note_pause_flag(*pause_flag);
}

RedisConnection& JobWorker::control() {
  settle_ack();
  return reader_->control();
}

void JobWorker::run() {
  auto backoff = kMinReconnectBackoff;
  while (!stopping()) {
    try {
      step();
      backoff = kMinReconnectBackoff;
    } catch (const std::exception& e) {
      // Redis lost or refusing (or anything unexpected): start over from the pending entries.
      abandon_read_ahead();
      abandon_ack();
      if (!redis_lost_) {
        spdlog::error("job {}: {} — reconnecting to Redis and reading the pending entries again", job_.name, e.what());
        redis_lost_ = true;
      }
      reader_->disconnect();
      for (auto& t : trackers_) {
        if (t) t->forget_all();
      }
      sleep_unless_stopped(backoff);
      backoff = std::min(backoff * 2, kMaxReconnectBackoff);
    }
  }
  abandon_read_ahead();
  try {
    settle_ack();  // the last batch's: stop() promises it
  } catch (const std::exception& e) {
    spdlog::error("job {}: acknowledging the last batch failed ({}); it is read again at the next start", job_.name,
                  e.what());
  }
  for (auto& [name, s] : sinks_) s->disconnect();
}

void JobWorker::connect_redis() {
  abandon_read_ahead();
  abandon_ack();
  reader_->connect();
  if (!state_announced_) {
    set_state("running", "");  // not what a previous run may have left (retrying, schema-error)
    state_announced_ = true;
  }
  if (redis_lost_) {
    spdlog::info("job {}: Redis connection restored", job_.name);
    redis_lost_ = false;
  }
}

bool JobWorker::pause_check_due() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_pause_check_) return false;
  next_pause_check_ = now + kPauseCheckInterval;
  return true;
}

bool JobWorker::read_pause_flag() {
  // On the worker, or on the acker thread after an acknowledgement (the control connection is its).
  RedisReplyPtr r = reader_->control().command({"HEXISTS", control_key(settings_.prefix), paused_field(job_.name)});
  return reply_integer(r.get()) == 1;
}

bool JobWorker::paused() {
  // While an acknowledgement is in flight it reads the flag itself (apply_and_ack()): waiting for it
  // here would take the overlap away.
  if (!acker_.busy() && pause_check_due()) note_pause_flag(read_pause_flag());
  return paused_;
}

void JobWorker::note_pause_flag(bool flag) {
  if (flag != paused_) {
    paused_ = flag;
    if (flag) {
      spdlog::info("job {}: paused (writebehind stop); capture goes on, nothing is applied until writebehind start",
                   job_.name);
    } else {
      spdlog::info("job {}: resumed (writebehind start)", job_.name);
    }
    set_state(flag ? "paused" : "running", "");
  }
}

size_t JobWorker::run_once() {
  size_t n = step();
  settle_ack();
  return n;
}

size_t JobWorker::step() {
  if (!reader_->connected()) connect_redis();
  Batch batch;
  if (read_ahead_.busy()) {
    batch = read_ahead_.get();  // read while the previous batch was written; throws what the read threw
  } else {
    if (paused()) {
      sleep_unless_stopped(kPauseCheckInterval);
      return 0;
    }
    settle_ack();  // a recovery read or claim sweep sees every acknowledgement landed
    batch = read_and_decode(/*new_only=*/false);
  }
  if (batch.ack.entry_ids.empty()) return 0;
  if (batch.origin == ReadOrigin::New && reader_->new_entries_next() && !stopping() && !paused()) {
    // The records of the batch before this one are freed there too, off the worker's path.
    auto dead = std::make_shared<std::vector<ChangeRecord>>(std::move(graveyard_));
    graveyard_.clear();
    read_ahead_.start([this, dead] {
      dead->clear();
      return read_and_decode(/*new_only=*/true, /*request_next=*/true);
    });
  }
  return apply_and_ack(std::move(batch));
}

JobWorker::Batch JobWorker::read_and_decode(bool new_only, bool request_next) {
  // On the worker thread, or on the read-ahead thread while the worker writes: touches only the
  // read connection, the transform chain and the new Batch.
  Batch batch;
  ReadBatch read = reader_->read_batch(new_only);
  batch.read_at = std::chrono::steady_clock::now();
  batch.origin = read.origin;
  batch.owner = std::move(read.owner);
  if (new_only && check_ahead_ && has_trackers_) {
    // Read ahead: the tracked values of this batch's keys too, off the worker's path (before the
    // next read is requested: one reply outstanding on the connection at a time).
    std::vector<const std::string*> keys;
    keys.reserve(read.entries.size());
    std::unordered_set<std::string_view> seen;
    seen.reserve(read.entries.size());
    for (const StreamEntry& e : read.entries) {
      if (e.fields.empty() || e.fields[0].first != "key") continue;  // malformed: rejected by decoding
      if (seen.insert(e.fields[0].second).second) keys.push_back(&e.fields[0].second);
    }
    batch.prefetched.resize(trackers_.size());
    for (size_t i = 0; i < trackers_.size(); ++i) {
      if (trackers_[i]) batch.prefetched[i] = KeyTracker::read_ahead(reader_->connection(), trackers_[i]->hash_key(), keys);
    }
  }
  if (request_next) reader_->request_new();  // Redis serves it while this batch is decoded
  decode_into(read.entries, batch);
  if (check_ahead_) check_and_reduce(batch);
  return batch;
}

void JobWorker::decode_into(std::vector<StreamEntry>& entries, Batch& batch) {
  AckBatch& ack = batch.ack;
  ack.entry_ids.reserve(entries.size());
  batch.records.reserve(entries.size());
  for (StreamEntry& e : entries) {
    ack.entry_ids.push_back(e.id);
    if (e.deleted) continue;  // trimmed or XDELed while pending: only acknowledge it
    DecodeResult decoded = decode_entry(std::move(e), job_.source_kind, job_.row_format);
    if (!decoded.record) {
      reject(batch, ack.entry_ids.back(), decoded.original, decoded.error, "");
      continue;
    }
    ChangeRecord& rec = *decoded.record;
    ack.counters.count_op(rec.op);

    TransformOutcome outcome;
    try {
      outcome = chain_->apply(rec);
    } catch (const std::exception& ex) {
      outcome = TransformOutcome::reject(std::string("transform failed: ") + ex.what());
    }
    if (outcome.verdict == TransformOutcome::Verdict::Filter) {
      ack.counters.filtered += 1;
      continue;
    }
    if (outcome.verdict == TransformOutcome::Verdict::Reject) {
      reject(batch, rec.entry_id, rec.original, outcome.error, "");
      continue;
    }
    batch.records.push_back(std::move(rec));
  }
}

size_t JobWorker::apply_and_ack(Batch batch) {
  if (!apply_batch(batch)) {
    for (auto& t : trackers_) {
      if (t) t->discard_staged();
    }
    return 0;
  }
  settle_ack();  // one acknowledgement in flight at a time: they land in stream order
  AckBatch& ack = batch.ack;
  for (auto& t : trackers_) {
    if (t) t->collect_changes(ack.tracking);
  }
  ack.applied_at_ms = now_ms();
  AckReport report{ack.counters, ack.entry_ids.size(), batch.read_at, std::move(batch.first_rejection)};
  graveyard_ = std::move(batch.records);  // freed by the next read-ahead task
  if (ack_behind_) {
    // Taken as committed now: a failed ack makes run() forget every cache and read again.
    for (auto& t : trackers_) {
      if (t) t->commit_staged();
    }
    // Reported from the acker thread as soon as it landed (the observer is thread-safe).
    // The pause flag is read there too when due (paused() leaves it alone while an ack is in flight).
    const size_t entries = report.entries;
    auto sent = std::make_shared<std::pair<AckBatch, AckReport>>(std::move(batch.ack), std::move(report));
    acker_.start([this, sent, check_pause = pause_check_due()]() -> std::optional<bool> {
      reader_->ack(sent->first);
      report_ack(sent->second);
      if (!check_pause) return std::nullopt;
      return read_pause_flag();
    });
    return entries;
  }
  try {
    reader_->ack(ack);
  } catch (...) {
    for (auto& t : trackers_) {
      if (t) t->forget_all();  // the ack may or may not have been applied
    }
    throw;
  }
  for (auto& t : trackers_) {
    if (t) t->commit_staged();
  }
  report_ack(report);
  return report.entries;
}

void JobWorker::report_ack(const AckReport& r) {
  if (settings_.observer) {
    settings_.observer->batch_acknowledged(job_.name, r.counters, r.entries, std::chrono::steady_clock::now() - r.read_at);
  }
  if (r.counters.rejected > 0) {
    // One line per batch, never one per record: get-rejected shows them all.
    spdlog::warn("job {}: {} of {} entries rejected ({}); first: {}", job_.name, r.counters.rejected, r.entries,
                 settings_.error_handling == ErrorHandling::Ignore ? "dropped: error_handling ignore"
                                                                   : "in the dead-letter stream",
                 r.first_rejection);
  }
}

void JobWorker::reject(Batch& batch, const std::string& entry_id, const EntryFields& original,
                       const std::string& error, const std::string& output) {
  batch.ack.counters.rejected += 1;
  if (batch.first_rejection.empty()) {
    batch.first_rejection = "entry " + entry_id + " (output '" + output + "'): " + error;
  }
  if (settings_.error_handling == ErrorHandling::Ignore) {
    spdlog::debug("job {}: dropped entry {} (output '{}'): {}", job_.name, entry_id, output, error);
    return;
  }
  spdlog::debug("job {}: entry {} to the dead-letter stream (output '{}'): {}", job_.name, entry_id, output, error);
  batch.ack.dead_letters.push_back(
      make_dead_letter(entry_id, original, error, output, std::chrono::system_clock::now()));
}

bool JobWorker::reducible() const {
  // Only the final state of each Redis key matters when every output coalesces by key.
  if (job_.source_kind != SourceKind::Captured) return false;
  for (size_t i = 0; i < job_.outputs.size(); ++i) {
    auto s = job_.outputs[i].strategy;
    if (s != LoadStrategy::Upsert && s != LoadStrategy::Replace) return false;
    if (!trackers_[i] && !keys_are_redis_key(job_.outputs[i])) return false;
  }
  return !job_.outputs.empty();
}

void JobWorker::check_and_reduce(Batch& batch) {
  // What every output can write. Runs on the read-ahead thread when no output has a foreach
  // (OutputMapper::check() is then a pure function of the record), else on the worker thread.
  std::vector<ChangeRecord> records;
  records.reserve(batch.records.size());
  for (ChangeRecord& rec : batch.records) {
    bool rejected = false;
    bool written = false;
    for (const OutputMapper& m : mappers_) {
      if (auto why = m.check(rec)) {
        reject(batch, rec.entry_id, rec.original, *why, m.plan().name);
        rejected = true;
        break;
      }
      written = written || m.writes(rec);
    }
    if (rejected) continue;
    if (!written) {
      batch.ack.counters.filtered += 1;
      continue;
    }
    records.push_back(std::move(rec));
  }

  if (reducible_ && records.size() > 1) {
    // Keep each Redis key's last record (in the order of those last records).
    std::unordered_set<std::string_view> seen;
    seen.reserve(records.size());
    std::vector<bool> keep(records.size(), false);
    for (size_t i = records.size(); i-- > 0;) keep[i] = seen.insert(records[i].redis_key).second;
    std::vector<ChangeRecord> reduced;
    reduced.reserve(seen.size());
    for (size_t i = 0; i < records.size(); ++i) {
      if (keep[i]) reduced.push_back(std::move(records[i]));
    }
    records = std::move(reduced);
  }
  batch.records = std::move(records);
  batch.checked = true;
}

bool JobWorker::apply_batch(Batch& batch) {
  progress_ = BatchProgress();
  if (!batch.checked) check_and_reduce(batch);
  std::vector<ChangeRecord>& records = batch.records;

  if (has_trackers_) {
    std::vector<const std::string*> keys;
    for (size_t i = 0; i < trackers_.size(); ++i) {
      if (!trackers_[i]) continue;
      // Read ahead, the values of every key of the batch are known once adopted (read_and_decode()
      // takes them from all its entries' keys); otherwise they are loaded now.
      if (i < batch.prefetched.size() && trackers_[i]->adopt(std::move(batch.prefetched[i]))) continue;
      if (keys.empty()) {
        keys.reserve(records.size());
        for (const auto& r : records) {
          if (!r.redis_key.empty()) keys.push_back(&r.redis_key);
        }
      }
      trackers_[i]->load([this]() -> RedisConnection& { return control(); }, keys);
    }
  }
  return write_records(records, batch);
}

void JobWorker::ensure_columns() {
  for (OutputMapper& m : mappers_) {
    if (m.has_table_columns()) continue;
    m.set_table_columns(sinks_.at(m.plan().connection)->columns(m.plan().table));
  }
}

bool JobWorker::write_records(std::vector<ChangeRecord>& records, Batch& batch) {
  std::vector<const ChangeRecord*> all;
  all.reserve(records.size());
  for (const auto& r : records) all.push_back(&r);
  const size_t chunk_size = std::max<size_t>(1, settings_.write_batch_size);
  std::deque<std::pair<size_t, size_t>> work;  // [begin, end) of all, in stream order
  for (size_t b = 0; b < all.size(); b += chunk_size) work.emplace_back(b, std::min(all.size(), b + chunk_size));

  bool reread_columns = false;
  bool progress_loaded = false;
  std::vector<const ChangeRecord*> chunk;
  while (!work.empty()) {
    auto [b, e] = work.front();
    chunk.assign(all.begin() + static_cast<long>(b), all.begin() + static_cast<long>(e));
    std::string failed_output;
    std::optional<sink::ErrorKind> kind;
    std::string message;
    try {
      if (!progress_loaded) {
        ensure_progress_tables();
        if (batch.origin != ReadOrigin::New) load_progress(batch, records);
        progress_loaded = true;
      }
      if (reread_columns) {
        for (OutputMapper& m : mappers_) m.set_table_columns(sinks_.at(m.plan().connection)->columns(m.plan().table));
        reread_columns = false;
      }
      ensure_columns();
      write_range(chunk, batch, &failed_output);
      work.pop_front();
      if (in_outage_) leave_outage();
      continue;
    } catch (const sink::SinkError& err) {
      kind = err.kind();
      message = err.what();
    } catch (const std::invalid_argument& err) {
      // A write the sink refuses as malformed: never let it block the stream.
      kind = sink::ErrorKind::Data;
      message = std::string("internal error: ") + err.what();
    }
    for (auto& [name, s] : sinks_) s->rollback();
    if (settings_.observer) settings_.observer->target_error(job_.name, *kind);

    if (*kind == sink::ErrorKind::Data) {
      if (in_outage_) leave_outage();
      work.pop_front();
      if (e - b == 1) {
        reject(batch, chunk[0]->entry_id, chunk[0]->original, message, failed_output);
        progress_.rejected.push_back({chunk[0]->entry_id, failed_output, message});
      } else {
        size_t mid = b + (e - b) / 2;
        work.emplace_front(mid, e);
        work.emplace_front(b, mid);
      }
      continue;
    }
    bool schema = *kind == sink::ErrorKind::Schema;
    enter_outage(message, schema);
    if (schema) reread_columns = true;
    settle_ack();
    reader_->touch_pending();  // still ours (the read-ahead batch too): keep other instances from claiming them
    if (!sleep_unless_stopped(settings_.retry_interval)) return false;  // stop during an outage: abandon
    if (settings_.observer) settings_.observer->retry(job_.name);
  }
  return true;
}

bool JobWorker::skipped(const std::string& connection, const ChangeRecord& rec) const {
  if (progress_.dropped.contains(rec.entry_id)) return true;
  auto it = progress_.skip_until.find(connection);
  return it != progress_.skip_until.end() && !stream_id_less(it->second, rec.entry_id);
}

void JobWorker::write_range(const std::vector<const ChangeRecord*>& chunk, const Batch& batch,
                            std::string* failed_output) {
  // A commit that failed with a lost connection may still have committed: the progress row written
  // in the same transaction tells (read once the target answers; a SinkError until then).
  for (auto it = progress_.unsure.begin(); it != progress_.unsure.end(); it = progress_.unsure.erase(it)) {
    std::optional<sink::Progress> row = sinks_.at(*it)->read_progress(job_.name, consumer_);
    if (!row || row->batch_first_id != batch.ack.entry_ids.front()) continue;  // not this batch's: nothing of it
    std::string& until = progress_.skip_until[*it];
    if (until.empty() || stream_id_less(until, row->committed_id)) until = row->committed_id;
  }

  std::vector<OutputChunkPlan> plans;
  plans.reserve(mappers_.size());
  std::vector<const ChangeRecord*> unskipped;
  std::vector<const ChangeRecord*> committed;
  // A reduced batch holds each Redis key once: outputs keyed by the Redis key skip coalescing.
  const auto shape = reducible_ ? OutputMapper::ChunkShape::OnePerRedisKey : OutputMapper::ChunkShape::Any;
  for (OutputMapper& m : mappers_) {
    const std::string& connection = m.plan().connection;
    if (!progress_.dropped.empty() || progress_.skip_until.contains(connection)) {
      // Read again after a crash, or retried after another target's commit failed: what this
      // target already committed is not written twice.
      unskipped.clear();
      committed.clear();
      for (const ChangeRecord* r : chunk) {
        if (!skipped(connection, *r)) {
          unskipped.push_back(r);
        } else if (m.tracker() != nullptr && !progress_.dropped.contains(r->entry_id)) {
          committed.push_back(r);
        }
      }
      if (!committed.empty()) {
        // Their rows are in the table but the key tracking they imply was never acknowledged: stage
        // it, so that the records after them (a key change, a delete) and the ack see those rows.
        for (auto& [key, tuple] : m.plan_chunk(committed).tracking) m.tracker()->stage(key, std::move(tuple));
      }
      plans.push_back(m.plan_chunk(unskipped, shape));
    } else {
      plans.push_back(m.plan_chunk(chunk, shape));
    }
  }

  std::vector<std::pair<sink::Sink*, const OutputPlan*>> begun;  // sink, first output written to it
  for (size_t i = 0; i < mappers_.size(); ++i) {
    const OutputPlan& out = mappers_[i].plan();
    sink::Sink* s = sinks_.at(out.connection).get();
    for (const sink::TableWrite& w : plans[i].writes) {
      *failed_output = out.name;
      if (std::none_of(begun.begin(), begun.end(), [&](const auto& p) { return p.first == s; })) {
        s->begin();
        begun.emplace_back(s, &out);
      }
      s->write(w);
    }
  }
  // A target failed after others committed this range (PostgreSQL reports a poison record only at
  // COMMIT): the range is retried — whole, or split to find the record — and the targets that
  // committed it skip it then, or their APPEND and TYPE2 outputs would write it twice.
  size_t committed_sinks = 0;
  auto skip_when_retried = [&] {
    for (size_t i = 0; i < committed_sinks; ++i) {
      const std::string& connection = begun[i].second->connection;
      if (!progress_targets_.contains(connection)) continue;  // only idempotent outputs: rewritten
      std::string& until = progress_.skip_until[connection];
      if (until.empty() || stream_id_less(until, chunk.back()->entry_id)) until = chunk.back()->entry_id;
    }
  };
  try {
    for (auto& [s, out] : begun) {
      *failed_output = out->name;
      auto target = progress_targets_.find(out->connection);
      if (target != progress_targets_.end() && target->second.ready) {
        sink::Progress p;
        p.job = job_.name;
        p.consumer = consumer_;
        p.batch_first_id = batch.ack.entry_ids.front();
        p.committed_id = chunk.back()->entry_id;
        p.rejected = progress_.rejected.empty() ? std::string()
                                                : progress_.rejected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        s->write_progress(p);
      }
      s->commit();
      ++committed_sinks;
    }
  } catch (const sink::SinkError& err) {
    skip_when_retried();
    // The target that failed: after a Transient failure (a lost connection) it is unknown whether
    // the transaction committed — its progress row tells, before the retry.
    const std::string& connection = begun[committed_sinks].second->connection;
    auto target = progress_targets_.find(connection);
    if (err.kind() == sink::ErrorKind::Transient && target != progress_targets_.end() && target->second.ready) {
      progress_.unsure.insert(connection);
    }
    throw;
  } catch (...) {
    skip_when_retried();
    throw;
  }
  failed_output->clear();
  for (size_t i = 0; i < mappers_.size(); ++i) {
    if (KeyTracker* t = mappers_[i].tracker()) {
      for (auto& [key, tuple] : plans[i].tracking) t->stage(key, std::move(tuple));
    }
  }
}

void JobWorker::ensure_progress_tables() {
  // Before the batch's first transaction. A Transient error propagates (the caller retries like
  // any outage); any other means the table cannot be had: at-least-once for that target, said once.
  for (auto& [connection, target] : progress_targets_) {
    if (!target.needed || target.ready || target.unavailable) continue;
    try {
      sinks_.at(connection)->ensure_progress_table();
      target.ready = true;
    } catch (const sink::SinkError& err) {
      if (err.kind() == sink::ErrorKind::Transient) throw;
      target.unavailable = true;
      spdlog::error("job {}: connection '{}': cannot create the progress table {} ({}); its APPEND and TYPE2 "
                    "outputs are applied at least once: a batch read again after a crash may be written twice",
                    job_.name, connection, sink::kProgressTable, err.what());
    }
  }
}

void JobWorker::load_progress(Batch& batch, std::vector<ChangeRecord>& records) {
  // A batch read again after a crash (own pending entries, or entries claimed from a dead
  // consumer): what did the consumers that held its entries commit to each target? Every row of the
  // job is read — the consumer that wrote one may be gone from the group (a claim sweep deletes a
  // dead consumer once its entries were claimed, possibly by one that died in turn). A row counts
  // when an entry of this batch lies in its range [batch_first_id, committed_id]: this batch's
  // entries up to committed_id are skipped, and the rejections the row lists among them are
  // dead-lettered. Throws SinkError (the caller retries).
  //
  // Why the range is safe, with one applier per job at a time:
  //  - The entries pending for a consumer are consecutive among the group's pending entries, and
  //    two consumers' never interleave: a new batch lies above every id ever delivered; a claim
  //    takes the first entries of one dead consumer into a consumer that holds none; recovery
  //    batches are read one at a time, each acknowledged before the next is read.
  //  - So when a row is written, every entry then pending in its range belongs to the batch it
  //    describes and, up to committed_id, is committed (or rejected, and listed). The row written at
  //    once for a claimed batch (below) takes committed_id from a row that counts, whose range holds
  //    its own. Later no entry enters a range: new entries are delivered above it, claims only move
  //    entries. A row of an acknowledged batch covers nothing pending, or only what is committed.
  //  - The range, not just its ends, because a batch may come back in pieces: read again with a
  //    lower read_batch_size, or its first entries claimed by a consumer that died in turn, or some
  //    pieces acknowledged before another crash. A piece need not hold either end.
  //  - A row is overwritten only by a transaction that commits entries above its committed_id (a
  //    piece wholly covered writes nothing); the entries it covered are then acknowledged or in
  //    that batch — unless a consumer that claimed some died before writing its own row (see
  //    job_worker.h, limits).
  if (std::none_of(progress_targets_.begin(), progress_targets_.end(), [](const auto& t) { return t.second.ready; })) {
    return;
  }
  const std::vector<std::string>& entry_ids = batch.ack.entry_ids;  // in stream id order
  std::unordered_set<std::string_view> ids(entry_ids.begin(), entry_ids.end());
  auto covers_an_entry = [&](const sink::Progress& row) {
    auto first = std::lower_bound(entry_ids.begin(), entry_ids.end(), row.batch_first_id, stream_id_less);
    return first != entry_ids.end() && !stream_id_less(row.committed_id, *first);
  };

  BatchProgress progress;
  std::set<std::string> rejected_ids;
  for (auto& [connection, target] : progress_targets_) {
    if (!target.ready) continue;
    for (const sink::Progress& row : sinks_.at(connection)->read_job_progress(job_.name)) {
      if (!covers_an_entry(row)) continue;  // a batch acknowledged, or another piece of one
      std::string& until = progress.skip_until[connection];
      if (until.empty() || stream_id_less(until, row.committed_id)) until = row.committed_id;
      if (row.rejected.empty()) continue;
      nlohmann::json rejected = nlohmann::json::parse(row.rejected, nullptr, false);
      if (!rejected.is_array()) continue;
      for (auto& r : rejected) {
        bool well_formed = r.is_array() && r.size() == 3 && r[0].is_string() && r[1].is_string() && r[2].is_string();
        if (!well_formed || !ids.contains(r[0].get_ref<const std::string&>())) continue;
        // Once, however many rows list it (one per target; several consumers'): the list is
        // written back into later rows and would otherwise double with every crash.
        if (rejected_ids.insert(r[0].get<std::string>()).second) progress.rejected.push_back(r);
      }
    }
  }
  if (progress.skip_until.empty()) return;
  spdlog::info("job {}: a batch of {} read again after a crash: skipping what the targets' progress rows say "
               "is committed",
               job_.name, batch.owner);
  if (batch.owner != consumer_) {
    // Claimed: the skip becomes ours at once, before any write of the batch, under the consumer
    // that now holds the entries. The row we found may be overwritten before this batch is
    // acknowledged (its consumer restarted under its own name commits entries above it); should
    // this instance die first, whoever reads the batch next still finds ours.
    std::string rejected = progress.rejected.empty()
                               ? std::string()
                               : progress.rejected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (const auto& [connection, until] : progress.skip_until) {
      sink::Sink& s = *sinks_.at(connection);
      s.begin();
      s.write_progress({job_.name, consumer_, entry_ids.front(), until, rejected});
      s.commit();
    }
  }
  // Rejected before the crash: dead-lettered now (from the entry read again) and written nowhere.
  for (const auto& r : progress.rejected) {
    const std::string& id = r[0].get_ref<const std::string&>();
    if (!progress.dropped.insert(id).second) continue;
    auto rec = std::find_if(records.begin(), records.end(), [&](const ChangeRecord& c) { return c.entry_id == id; });
    if (rec != records.end()) reject(batch, id, rec->original, r[2].get<std::string>(), r[1].get<std::string>());
  }
  progress_ = std::move(progress);
}

void JobWorker::enter_outage(const std::string& why, bool schema) {
  if (in_outage_) return;
  in_outage_ = true;
  outage_since_ = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(settings_.retry_interval).count();
  if (schema) {
    spdlog::error("job {}: the target refuses every record ({}) — not a data error: fix the table or the job; "
                  "retrying every {:g}s, nothing is acknowledged meanwhile",
                  job_.name, why, secs);
  } else {
    spdlog::error("job {}: target unavailable ({}); retrying every {:g}s, nothing is acknowledged meanwhile",
                  job_.name, why, secs);
  }
  set_state(schema ? "schema-error" : "retrying", why);
}

void JobWorker::leave_outage() {
  in_outage_ = false;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - outage_since_).count();
  spdlog::info("job {}: target available again after {:.1f}s", job_.name, secs);
  set_state("running", "");
}

void JobWorker::set_state(const char* state, const std::string& error) {
  // Best effort, outside the ack transaction: `writebehind status` shows it; a Redis failure here
  // surfaces at the next read or ack anyway.
  try {
    RedisConnection& c = control();
    if (error.empty()) {
      c.command({"HSET", stats_key(), "state", state});
      c.command({"HDEL", stats_key(), "last_error"});
    } else {
      c.command({"HSET", stats_key(), "state", state, "last_error", error});
    }
  } catch (const std::exception&) {
  }
}

}  // namespace wb::applier

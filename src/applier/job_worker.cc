// The per-job apply loop (see job_worker.h).
#include "applier/job_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <thread>
#include <unordered_set>

#include "applier/control_flags.h"
#include "applier/dead_letter.h"
#include "source/entry_decoder.h"

namespace wb::applier {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

JobWorker::JobWorker(JobPlan job, ApplierSettings settings, SinkFactory sinks)
    : job_(std::move(job)), settings_(std::move(settings)), make_sink_(std::move(sinks)) {
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
  ro.consumer = settings_.instance_id.empty() ? default_instance_id() : settings_.instance_id;
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
    if (job_.source_kind == SourceKind::Captured && out.keyed() && out.strategy != LoadStrategy::Append) {
      trackers_[i] = std::make_unique<KeyTracker>(settings_.prefix + "keys:" + job_.name + ":" + out.name);
    }
    mappers_.emplace_back(out, job_.row_format, trackers_[i].get());
    if (!sinks_.contains(out.connection)) sinks_[out.connection] = make_sink_(out.connection);
  }
}

JobWorker::~JobWorker() = default;

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

void JobWorker::run() {
  auto backoff = kMinReconnectBackoff;
  while (!stopping()) {
    try {
      run_once();
      backoff = kMinReconnectBackoff;
    } catch (const std::exception& e) {
      // Redis lost or refusing (or anything unexpected): start over from the pending entries.
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
  for (auto& [name, s] : sinks_) s->disconnect();
}

void JobWorker::connect_redis() {
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

bool JobWorker::paused() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_pause_check_) return paused_;
  next_pause_check_ = now + kPauseCheckInterval;
  RedisReplyPtr r = reader_->connection().command({"HEXISTS", control_key(settings_.prefix), paused_field(job_.name)});
  bool flag = reply_integer(r.get()) == 1;
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
  return paused_;
}

size_t JobWorker::run_once() {
  if (!reader_->connected()) connect_redis();
  if (paused()) {
    sleep_unless_stopped(kPauseCheckInterval);
    return 0;
  }
  std::vector<StreamEntry> entries = reader_->read();
  if (entries.empty()) return 0;
  const auto read_at = std::chrono::steady_clock::now();
  first_rejection_.clear();
  AckBatch ack;
  if (!apply_batch(std::move(entries), ack)) {
    for (auto& t : trackers_) {
      if (t) t->discard_staged();
    }
    return 0;
  }
  for (auto& t : trackers_) {
    if (t) t->collect_changes(ack.tracking);
  }
  ack.applied_at_ms = now_ms();
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
  if (settings_.observer) {
    settings_.observer->batch_acknowledged(job_.name, ack.counters, ack.entry_ids.size(),
                                           std::chrono::steady_clock::now() - read_at);
  }
  if (ack.counters.rejected > 0) {
    // One line per batch, never one per record: get-rejected shows them all.
    spdlog::warn("job {}: {} of {} entries rejected ({}); first: {}", job_.name, ack.counters.rejected,
                 ack.entry_ids.size(),
                 settings_.error_handling == ErrorHandling::Ignore ? "dropped: error_handling ignore"
                                                                   : "in the dead-letter stream",
                 first_rejection_);
  }
  return ack.entry_ids.size();
}

void JobWorker::reject(const std::string& entry_id, const EntryFields& original, const std::string& error,
                       const std::string& output, AckBatch& ack) {
  ack.counters.rejected += 1;
  if (first_rejection_.empty()) first_rejection_ = "entry " + entry_id + " (output '" + output + "'): " + error;
  if (settings_.error_handling == ErrorHandling::Ignore) {
    spdlog::debug("job {}: dropped entry {} (output '{}'): {}", job_.name, entry_id, output, error);
    return;
  }
  spdlog::debug("job {}: entry {} to the dead-letter stream (output '{}'): {}", job_.name, entry_id, output, error);
  ack.dead_letters.push_back(make_dead_letter(entry_id, original, error, output, std::chrono::system_clock::now()));
}

bool JobWorker::reducible() const {
  // Only the final state of each Redis key matters when every output coalesces by key.
  if (job_.source_kind != SourceKind::Captured) return false;
  for (size_t i = 0; i < job_.outputs.size(); ++i) {
    auto s = job_.outputs[i].strategy;
    if (!trackers_[i] || (s != LoadStrategy::Upsert && s != LoadStrategy::Replace)) return false;
  }
  return !job_.outputs.empty();
}

bool JobWorker::apply_batch(std::vector<StreamEntry> entries, AckBatch& ack) {
  ack.entry_ids.reserve(entries.size());
  std::vector<ChangeRecord> records;
  records.reserve(entries.size());
  for (StreamEntry& e : entries) {
    ack.entry_ids.push_back(e.id);
    if (e.deleted) continue;  // trimmed or XDELed while pending: only acknowledge it
    std::string id = e.id;
    DecodeResult decoded = decode_entry(std::move(e), job_.source_kind, job_.row_format);
    if (!decoded.record) {
      reject(id, decoded.original, decoded.error, "", ack);
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
      reject(rec.entry_id, rec.original, outcome.error, "", ack);
      continue;
    }
    bool rejected = false;
    bool written = false;
    for (const OutputMapper& m : mappers_) {
      if (auto why = m.check(rec)) {
        reject(rec.entry_id, rec.original, *why, m.plan().name, ack);
        rejected = true;
        break;
      }
      written = written || m.writes(rec);
    }
    if (rejected) continue;
    if (!written) {
      ack.counters.filtered += 1;
      continue;
    }
    records.push_back(std::move(rec));
  }

  if (reducible() && records.size() > 1) {
    // Keep each Redis key's last record (in the order of those last records).
    std::unordered_set<std::string_view> seen;
    std::vector<bool> keep(records.size(), false);
    for (size_t i = records.size(); i-- > 0;) keep[i] = seen.insert(records[i].redis_key).second;
    std::vector<ChangeRecord> reduced;
    reduced.reserve(seen.size());
    for (size_t i = 0; i < records.size(); ++i) {
      if (keep[i]) reduced.push_back(std::move(records[i]));
    }
    records = std::move(reduced);
  }

  std::vector<const std::string*> keys;
  for (const auto& r : records) {
    if (!r.redis_key.empty()) keys.push_back(&r.redis_key);
  }
  for (auto& t : trackers_) {
    if (t) t->load(reader_->connection(), keys);
  }
  return write_records(records, ack);
}

void JobWorker::ensure_columns() {
  for (OutputMapper& m : mappers_) {
    if (m.has_table_columns()) continue;
    m.set_table_columns(sinks_.at(m.plan().connection)->columns(m.plan().table));
  }
}

bool JobWorker::write_records(std::vector<ChangeRecord>& records, AckBatch& ack) {
  std::vector<const ChangeRecord*> all;
  all.reserve(records.size());
  for (const auto& r : records) all.push_back(&r);
  const size_t chunk_size = std::max<size_t>(1, settings_.write_batch_size);
  std::deque<std::pair<size_t, size_t>> work;  // [begin, end) of all, in stream order
  for (size_t b = 0; b < all.size(); b += chunk_size) work.emplace_back(b, std::min(all.size(), b + chunk_size));

  bool reread_columns = false;
  while (!work.empty()) {
    auto [b, e] = work.front();
    std::vector<const ChangeRecord*> chunk(all.begin() + static_cast<long>(b), all.begin() + static_cast<long>(e));
    std::string failed_output;
    std::optional<sink::ErrorKind> kind;
    std::string message;
    try {
      if (reread_columns) {
        for (OutputMapper& m : mappers_) m.set_table_columns(sinks_.at(m.plan().connection)->columns(m.plan().table));
        reread_columns = false;
      }
      ensure_columns();
      write_range(chunk, &failed_output);
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
        reject(chunk[0]->entry_id, chunk[0]->original, message, failed_output, ack);
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
    reader_->touch(ack.entry_ids);  // still ours: keep other instances from claiming them
    if (!sleep_unless_stopped(settings_.retry_interval)) return false;  // stop during an outage: abandon
    if (settings_.observer) settings_.observer->retry(job_.name);
  }
  return true;
}

void JobWorker::write_range(const std::vector<const ChangeRecord*>& chunk, std::string* failed_output) {
  std::vector<OutputChunkPlan> plans;
  plans.reserve(mappers_.size());
  for (OutputMapper& m : mappers_) plans.push_back(m.plan_chunk(chunk));

  std::vector<std::pair<sink::Sink*, const std::string*>> begun;  // sink, first output written to it
  for (size_t i = 0; i < mappers_.size(); ++i) {
    const OutputPlan& out = mappers_[i].plan();
    sink::Sink* s = sinks_.at(out.connection).get();
    for (const sink::TableWrite& w : plans[i].writes) {
      *failed_output = out.name;
      if (std::none_of(begun.begin(), begun.end(), [&](const auto& p) { return p.first == s; })) {
        s->begin();
        begun.emplace_back(s, &out.name);
      }
      s->write(w);
    }
  }
  for (auto& [s, name] : begun) {
    *failed_output = *name;
    s->commit();
  }
  failed_output->clear();
  for (size_t i = 0; i < mappers_.size(); ++i) {
    if (KeyTracker* t = mappers_[i].tracker()) {
      for (auto& [key, tuple] : plans[i].tracking) t->stage(key, std::move(tuple));
    }
  }
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
    RedisConnection& c = reader_->connection();
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

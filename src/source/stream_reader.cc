// Consumer-group reading and atomic acknowledgement (see stream_reader.h).
#include "source/stream_reader.h"

#include <charconv>
#include <cstdint>
#include <set>

namespace wb {
namespace {

// Long commands are split so that no single command carries more than this many arguments.
constexpr size_t kMaxArgsPerCommand = 1024;
// The socket timeout exceeds BLOCK by this margin, so that a blocked read is never mistaken for a
// dead server while a dead server is still noticed.
constexpr std::chrono::milliseconds kIoTimeoutMargin{10000};

// Trims the stream to the oldest entry pending in the group, or to ARGV[2] (the id after the last
// acknowledged entry) when none is pending. Run inside the ack's MULTI/EXEC.
constexpr const char* kTrimScript =
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1])\n"
    "local minid = ARGV[2]\n"
    "if p[1] > 0 then minid = p[2] end\n"
    "return redis.call('XTRIM', KEYS[1], 'MINID', minid)\n";

// The consumer's name as it appears in a connection name: Redis refuses spaces and non-printables.
std::string client_name_part(std::string_view consumer) {
  std::string out(consumer);
  for (char& ch : out) {
    if (ch < '!' || ch > '~') ch = '_';
  }
  return out;
}

bool is_nogroup(const RedisReplyError& e) { return std::string_view(e.what()).starts_with("NOGROUP"); }

// [[id, [field, value, ...] | nil] | nil, ...] (the array at node `list`) -> entries. Read from a
// FlatReply: each string is copied once, from the reply as received into its StreamEntry.
void parse_entries(const FlatReply& reply, FlatReply::Index list, std::vector<StreamEntry>& out) {
  size_t count = reply.elements(list);
  out.reserve(out.size() + count);
  FlatReply::Index item = list + 1;
  for (size_t i = 0; i < count; ++i, item = reply.next(item)) {
    if (reply.is_nil(item)) continue;  // a deleted entry, as some versions report it
    FlatReply::Index id = reply.child(item, 0);
    StreamEntry& e = out.emplace_back();
    e.id.assign(reply.text(id));
    FlatReply::Index fields = reply.next(id);
    if (reply.elements(item) < 2 || reply.is_nil(fields)) {
      e.deleted = true;
      continue;
    }
    size_t n = reply.elements(fields);
    e.fields.reserve(n / 2);
    FlatReply::Index f = fields + 1;
    for (size_t j = 0; j + 1 < n; j += 2) {
      FlatReply::Index v = reply.next(f);
      e.fields.emplace_back(reply.text(f), reply.text(v));
      f = reply.next(v);
    }
  }
}

// XREADGROUP reply: nil, or [[stream, entries]].
std::vector<StreamEntry> parse_xreadgroup(const FlatReply& reply) {
  std::vector<StreamEntry> out;
  FlatReply::Index stream = FlatReply::kRoot + 1;
  for (size_t i = 0; i < reply.elements(FlatReply::kRoot); ++i, stream = reply.next(stream)) {
    parse_entries(reply, reply.child(stream, 1), out);
  }
  return out;
}

}  // namespace

namespace {

void split_stream_id(const std::string& id, uint64_t& ms, uint64_t& seq) {
  ms = 0;
  seq = 0;
  auto dash = id.find('-');
  const char* begin = id.data();
  const char* end = id.data() + id.size();
  std::from_chars(begin, dash == std::string::npos ? end : begin + dash, ms);
  if (dash != std::string::npos) std::from_chars(begin + dash + 1, end, seq);
}

}  // namespace

bool stream_id_less(const std::string& a, const std::string& b) {
  uint64_t ams, aseq, bms, bseq;
  split_stream_id(a, ams, aseq);
  split_stream_id(b, bms, bseq);
  return ams < bms || (ams == bms && aseq < bseq);
}

std::string next_stream_id(const std::string& id) {
  uint64_t ms, seq;
  split_stream_id(id, ms, seq);
  if (seq == UINT64_MAX) return std::to_string(ms + 1) + "-0";
  return std::to_string(ms) + "-" + std::to_string(seq + 1);
}

std::string previous_stream_id(const std::string& id) {
  // XREADGROUP returns pending entries after the id given: the id right before `id`.
  uint64_t ms, seq;
  split_stream_id(id, ms, seq);
  if (seq > 0) return std::to_string(ms) + "-" + std::to_string(seq - 1);
  if (ms == 0) return "0-0";
  return std::to_string(ms - 1) + "-" + std::to_string(UINT64_MAX);
}

StreamReader::StreamReader(StreamReaderOptions options) : opts_(std::move(options)) {}
StreamReader::~StreamReader() = default;

RedisConnection& StreamReader::connection() {
  if (!conn_) throw RedisConnectionError("stream reader is not connected");
  if (read_requested_) {
    // A read request_new() sent, not taken by read_new(): its entries are ours and pending, so
    // reading from the start of recovery brings them back in stream order.
    read_requested_ = false;
    conn_->receive_flat();
    phase_ = Phase::Recover;
    recovery_cursor_.clear();
  }
  return *conn_;
}

RedisConnection& StreamReader::control() {
  if (!control_) throw RedisConnectionError("stream reader is not connected");
  return *control_;
}

void StreamReader::connect() {
  disconnect();
  // Named for CLIENT LIST: "writebehind:<consumer>"; other readers of the group tell from it that
  // this consumer is alive.
  std::string name = std::string(kClientNamePrefix) + client_name_part(opts_.consumer);
  auto control = std::make_unique<RedisConnection>(opts_.endpoint, opts_.block + kIoTimeoutMargin);
  control->command({"CLIENT", "SETNAME", name});
  auto conn = std::make_unique<RedisConnection>(opts_.endpoint, opts_.block + kIoTimeoutMargin);
  conn->command({"CLIENT", "SETNAME", name});
  if (!opts_.captured_job.empty()) {
    auto reply = conn->command({"WB.STREAM", opts_.captured_job});
    stream_ = std::string(reply_text(reply.get()));
    if (stream_.empty()) throw RedisReplyError("WB.STREAM " + opts_.captured_job + " returned no stream key");
  } else {
    stream_ = opts_.stream;
  }
  conn_ = std::move(conn);
  control_ = std::move(control);
  ensure_group();
  start_over();
}

void StreamReader::ensure_group() {
  try {
    connection().command({"XGROUP", "CREATE", stream_, opts_.group, opts_.group_start_id, "MKSTREAM"});
  } catch (const RedisReplyError& e) {
    if (!std::string_view(e.what()).starts_with("BUSYGROUP")) throw;  // the group exists: keep its position
  }
  // The consumer exists from the start (status shows it; a blocked XREADGROUP with nothing to
  // read does not create it).
  connection().command({"XGROUP", "CREATECONSUMER", stream_, opts_.group, opts_.consumer});
}

void StreamReader::start_over() {
  phase_ = Phase::Recover;
  recovery_cursor_.clear();
  next_claim_ = std::chrono::steady_clock::now();
}

ReadBatch StreamReader::read_batch(bool new_only) {
  ReadBatch batch;
  try {
    while (true) {
      switch (phase_) {
        case Phase::Recover: {
          batch.entries = read_recovery(batch);
          if (!batch.entries.empty()) return batch;
          phase_ = Phase::New;
          recovery_cursor_.clear();
          next_claim_ = std::chrono::steady_clock::now() + opts_.claim_min_idle;
          break;
        }
        case Phase::New:
          if (!new_only && std::chrono::steady_clock::now() >= next_claim_) {
            phase_ = Phase::Recover;
            break;
          }
          batch.entries = read_new();
          batch.origin = ReadOrigin::New;
          batch.owner = opts_.consumer;
          return batch;
      }
    }
  } catch (const RedisReplyError& e) {
    if (!is_nogroup(e)) throw;
    // The stream or the group was deleted under us: recreate (a captured stream restarts at 0).
    ensure_group();
    start_over();
    return {};
  }
}

std::set<std::string> StreamReader::live_consumers() {
  // Consumers whose process still holds a connection (each reader names its connection after its
  // consumer). When CLIENT LIST is not allowed (ACL), liveness is unknown: only idle time counts.
  std::set<std::string> live;
  RedisReplyPtr reply;
  try {
    reply = connection().command({"CLIENT", "LIST", "TYPE", "normal"});
  } catch (const RedisReplyError&) {
    client_list_allowed_ = false;
    return live;
  }
  client_list_allowed_ = true;
  std::string_view text = reply_text(reply.get());
  constexpr std::string_view kNameField = " name=";
  size_t pos = 0;
  while ((pos = text.find(kNameField, pos)) != std::string_view::npos) {
    pos += kNameField.size();
    size_t end = text.find_first_of(" \n", pos);
    std::string_view name = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (name.starts_with(kClientNamePrefix)) live.insert(std::string(name.substr(kClientNamePrefix.size())));
  }
  return live;
}

std::vector<StreamEntry> StreamReader::read_recovery(ReadBatch& batch) {
  // The oldest pending entries of the group that are this consumer's or a dead consumer's, in id
  // order — whoever holds them — so that after any sequence of crashes the entries are applied in
  // stream order (a restarted consumer's own entries may be newer than those a successor claimed
  // from it and then left behind). A run of own entries is read with XREADGROUP (which also
  // returns entries deleted from the stream, to be acknowledged); a run of dead consumers'
  // entries is claimed with XCLAIM. Entries of live consumers (other appliers' batches in flight)
  // are left alone. A consumer is dead when its connection is gone (every reader names its
  // connections "writebehind:<consumer>") or the entry was idle longer than claim_min_idle (a
  // process that hangs, a host that vanished).
  std::set<std::string> live = live_consumers();
  if (recovery_cursor_.empty()) forget_gone_consumers(live);  // a new pass
  // Entries this pass returned already are the caller's (in flight): continue after them.
  std::string start = recovery_cursor_.empty() ? "-" : "(" + recovery_cursor_;
  while (true) {
    const FlatReply& pending = connection().command_flat(
        {"XPENDING", stream_, opts_.group, start, "+", std::to_string(opts_.batch_size)});
    const size_t n = pending.elements(FlatReply::kRoot);
    if (n == 0) return {};
    struct Item {
      std::string id, consumer;
      bool mine, dead;
    };
    std::vector<Item> items;
    items.reserve(n);
    FlatReply::Index item = FlatReply::kRoot + 1;
    for (size_t i = 0; i < n; ++i, item = pending.next(item)) {
      FlatReply::Index f = item + 1;  // [id, consumer, idle ms, deliveries]
      std::string id(pending.text(f));
      f = pending.next(f);
      std::string consumer(pending.text(f));
      f = pending.next(f);
      long long idle = pending.integer(f);
      bool mine = consumer == opts_.consumer;
      bool gone = client_list_allowed_ && !live.contains(client_name_part(consumer));
      items.push_back({std::move(id), std::move(consumer), mine,
                       !mine && (gone || idle >= opts_.claim_min_idle.count())});
    }
    size_t first = 0;
    while (first < items.size() && !items[first].mine && !items[first].dead) ++first;
    if (first == items.size()) {
      start = "(" + items.back().id;  // only live consumers' entries so far: look further
      continue;
    }
    size_t end = first;
    const bool mine = items[first].mine;
    while (end < items.size() && items[end].mine == mine && (mine || items[end].dead)) ++end;

    std::vector<StreamEntry> entries;
    if (mine) {
      const FlatReply& reply =
          connection().command_flat({"XREADGROUP", "GROUP", opts_.group, opts_.consumer, "COUNT",
                                     std::to_string(end - first), "STREAMS", stream_, previous_stream_id(items[first].id)});
      entries = parse_xreadgroup(reply);
      batch.origin = ReadOrigin::OwnPending;
      batch.owner = opts_.consumer;
    } else {
      std::vector<std::string> cmd{"XCLAIM", stream_, opts_.group, opts_.consumer, "0"};
      for (size_t i = first; i < end; ++i) cmd.push_back(items[i].id);
      parse_entries(connection().command_flat(cmd), FlatReply::kRoot, entries);
      batch.origin = ReadOrigin::Claimed;
      batch.owner = items[first].consumer;
    }
    if (!entries.empty()) {
      recovery_cursor_ = items[end - 1].id;
      return entries;
    }
    // Claimed entries that were deleted from the stream left the group's pending list: look again.
  }
}

void StreamReader::forget_gone_consumers(const std::set<std::string>& live) {
  // Consumers that are gone and left nothing pending: forgotten, so that names such as host-pid do
  // not pile up in the group.
  if (!client_list_allowed_) return;
  auto consumers = connection().command({"XINFO", "CONSUMERS", stream_, opts_.group});
  for (size_t i = 0; i < reply_size(consumers.get()); ++i) {
    const redisReply* c = reply_at(consumers.get(), i);
    std::string name;
    long long pending = 0;
    for (size_t j = 0; j + 1 < reply_size(c); j += 2) {
      std::string_view field = reply_text(reply_at(c, j));
      if (field == "name") name = std::string(reply_text(reply_at(c, j + 1)));
      if (field == "pending") pending = reply_integer(reply_at(c, j + 1));
    }
    if (name.empty() || name == opts_.consumer || pending != 0 || live.contains(client_name_part(name))) continue;
    connection().command({"XGROUP", "DELCONSUMER", stream_, opts_.group, name});
  }
}

void StreamReader::send_read_new() {
  connection().send_flat({"XREADGROUP", "GROUP", opts_.group, opts_.consumer, "COUNT", std::to_string(opts_.batch_size),
                          "BLOCK", std::to_string(opts_.block.count()), "STREAMS", stream_, ">"});
  read_requested_ = true;
}

void StreamReader::request_new() {
  if (!read_requested_ && new_entries_next()) send_read_new();
}

std::vector<StreamEntry> StreamReader::read_new() {
  if (!read_requested_) send_read_new();
  read_requested_ = false;
  return parse_xreadgroup(conn_->receive_flat());
}

void StreamReader::touch(const std::vector<std::string>& entry_ids) {
  for (size_t i = 0; i < entry_ids.size(); i += kMaxArgsPerCommand) {
    std::vector<std::string> cmd{"XCLAIM", stream_, opts_.group, opts_.consumer, "0"};
    for (size_t j = i; j < entry_ids.size() && j < i + kMaxArgsPerCommand; ++j) cmd.push_back(entry_ids[j]);
    cmd.push_back("JUSTID");
    control().command(cmd);
  }
}

void StreamReader::touch_pending() {
  auto pending = control().command(
      {"XPENDING", stream_, opts_.group, "-", "+", std::to_string(kMaxTouched), opts_.consumer});
  std::vector<std::string> ids;
  ids.reserve(reply_size(pending.get()));
  for (size_t i = 0; i < reply_size(pending.get()); ++i) ids.emplace_back(reply_text(reply_at(reply_at(pending.get(), i), 0)));
  touch(ids);
}

void StreamReader::ack(const AckBatch& batch) {
  RedisConnection& conn = control();
  size_t queued = 0;
  auto send = [&](std::vector<std::string> cmd) {
    conn.append(cmd);
    ++queued;
  };

  send({"MULTI"});
  for (size_t i = 0; i < batch.entry_ids.size(); i += kMaxArgsPerCommand) {
    std::vector<std::string> cmd{"XACK", stream_, opts_.group};
    for (size_t j = i; j < batch.entry_ids.size() && j < i + kMaxArgsPerCommand; ++j) {
      cmd.push_back(batch.entry_ids[j]);
    }
    send(std::move(cmd));
  }

  if (!opts_.stats_key.empty()) {
    const JobCounters& c = batch.counters;
    const std::pair<const char*, int64_t> counts[] = {{"inserted", c.inserted}, {"updated", c.updated},
                                                      {"deleted", c.deleted},   {"filtered", c.filtered},
                                                      {"rejected", c.rejected}};
    for (const auto& [name, n] : counts) {
      if (n != 0) send({"HINCRBY", opts_.stats_key, name, std::to_string(n)});
    }
    if (!batch.entry_ids.empty()) {
      send({"HSET", opts_.stats_key, "last_entry_id", batch.entry_ids.back(), "last_applied_ms",
            std::to_string(batch.applied_at_ms)});
    }
  }

  // Key tracking: consecutive changes of one kind to one hash share a command.
  for (size_t i = 0; i < batch.tracking.size();) {
    const TrackingChange& first = batch.tracking[i];
    bool is_set = first.value.has_value();
    std::vector<std::string> cmd{is_set ? "HSET" : "HDEL", std::string(first.hash)};
    size_t j = i;
    while (j < batch.tracking.size() && batch.tracking[j].hash == first.hash &&
           batch.tracking[j].value.has_value() == is_set && cmd.size() < kMaxArgsPerCommand) {
      cmd.push_back(batch.tracking[j].field);
      if (is_set) cmd.push_back(*batch.tracking[j].value);
      ++j;
    }
    send(std::move(cmd));
    i = j;
  }

  for (const EntryFields& letter : batch.dead_letters) {
    std::vector<std::string> cmd{"XADD", opts_.dlq_key};
    if (opts_.dlq_max_messages > 0) {
      cmd.push_back("MAXLEN");
      cmd.push_back(std::to_string(opts_.dlq_max_messages));  // exact: the cap is a promise
    }
    cmd.push_back("*");
    for (const auto& [f, v] : letter) {
      cmd.push_back(f);
      cmd.push_back(v);
    }
    send(std::move(cmd));
  }

  if (opts_.trim && !batch.entry_ids.empty()) {
    // Past the newest acknowledged id (ids of one batch are not sorted when claimed entries mix in).
    std::string newest = batch.entry_ids.front();
    for (const auto& id : batch.entry_ids) {
      if (stream_id_less(newest, id)) newest = id;
    }
    send({"EVAL", kTrimScript, "1", stream_, opts_.group, next_stream_id(newest)});
  }
  send({"EXEC"});

  // Read every reply; queue-time errors make EXEC fail as a whole (EXECABORT): nothing applied.
  RedisReplyPtr exec;
  std::string first_error;
  for (size_t i = 0; i < queued; ++i) {
    RedisReplyPtr r = conn.read_reply();
    if (reply_is_error(r.get()) && first_error.empty()) first_error = std::string(reply_text(r.get()));
    if (i + 1 == queued) exec = std::move(r);
  }
  if (reply_is_error(exec.get())) throw RedisReplyError("acknowledging a batch failed: " + first_error);
  if (reply_is_nil(exec.get())) throw RedisReplyError("acknowledging a batch failed: transaction aborted");
  for (size_t i = 0; i < reply_size(exec.get()); ++i) {
    if (reply_is_error(reply_at(exec.get(), i))) {
      throw RedisReplyError("acknowledging a batch: " + std::string(reply_text(reply_at(exec.get(), i))));
    }
  }
}

}  // namespace wb

// Keyspace notifications -> stream entries (see capture.h and docs/stream-format.md).
#include "module/capture.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <exception>
#include <utility>

#include "module/fifo_ring.h"

namespace wb::capture {

namespace {

// How many `new` keys may wait for their change event at once. Redis fires a key's `new` right
// before the command's own event for it, so more than one or two never wait; a fixed bound keeps
// a key that is created without any further event (some module types) from piling up.
constexpr std::size_t kMaxPendingNew = 8;
// Event names kept as ready-made strings for the `cmd` field; Redis has far fewer than this.
constexpr std::size_t kMaxInternedEvents = 256;
// Append failures logged one by one before only every kFailureLogEvery-th is logged.
constexpr uint64_t kFailuresLoggedInFull = 10;
constexpr uint64_t kFailureLogEvery = 10000;
// Arguments of an append before the value: the stream, then key/op/cmd/type/ts and their values.
constexpr std::size_t kHeaderArgs = 11;
// A stream ID is "<ms>-<seq>", two 64-bit numbers in decimal.
constexpr std::size_t kMaxUint64Digits = 20;

// Entry point of a post-notification job (Redis 7.2+); nothing may throw into Redis.
void post_job_trampoline(RedisModuleCtx* ctx, void* pd) {
  try {
    static_cast<Capture*>(pd)->run_post_job(ctx);
  } catch (const std::exception& e) {
    RedisModule_Log(ctx, "warning", "writebehind: stream append failed: %s", e.what());
  } catch (...) {
    RedisModule_Log(ctx, "warning", "writebehind: stream append failed");
  }
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

struct Capture::Constants {
  rm::String key = rm::String::copy_of("key");
  rm::String op = rm::String::copy_of("op");
  rm::String op_c = rm::String::copy_of("c");
  rm::String op_u = rm::String::copy_of("u");
  rm::String op_d = rm::String::copy_of("d");
  rm::String cmd = rm::String::copy_of("cmd");
  rm::String type = rm::String::copy_of("type");
  rm::String type_hash = rm::String::copy_of(value_type_name(ValueType::Hash));
  rm::String type_string = rm::String::copy_of(value_type_name(ValueType::String));
  rm::String type_json = rm::String::copy_of(value_type_name(ValueType::Json));
  rm::String type_none = rm::String::copy_of(value_type_name(ValueType::None));
  rm::String ts = rm::String::copy_of("ts");
  rm::String value = rm::String::copy_of("value");

  RedisModuleString* type_of(ValueType t) const {
    switch (t) {
      case ValueType::Hash:
        return type_hash.get();
      case ValueType::String:
        return type_string.get();
      case ValueType::Json:
        return type_json.get();
      case ValueType::None:
      default:
        return type_none.get();
    }
  }
};

struct Capture::Scratch {
  std::vector<uint32_t> matched;             // jobs whose patterns match the key
  std::vector<uint32_t> selected;            // of those, the ones that want this event
  // The value pairs after the change; the scratch holds one reference on each (see hold_value).
  std::vector<RedisModuleString*> values;
  std::vector<RedisModuleString*> argv;      // the job's stream, then the entry's field/value pairs
  std::vector<rm::String> owned;             // other strings made for this event, freed after it
  std::unique_ptr<rm::ScanCursor> cursor;    // for reading hashes, restarted for each one

  // Appends `str` to values and takes a reference on it (the caller keeps its own).
  void hold_value(RedisModuleString* str) {
    values.push_back(str);  // first: if it throws, nothing is held
    RedisModule_RetainString(nullptr, str);
  }
  void release_values() {
    for (RedisModuleString* v : values) RedisModule_FreeString(nullptr, v);
    values.clear();
  }
  void clear() {
    release_values();
    argv.clear();
    owned.clear();
  }
  ~Scratch() { release_values(); }
};

// The XADD arguments waiting for their post-notification job (Redis 7.2+), one reference held on
// every string until the job has run.
class Capture::PendingQueue {
 public:
  ~PendingQueue() {
    while (!ring_.empty()) pop_front();
  }
  bool empty() const { return ring_.empty(); }
  void push_back(const std::vector<RedisModuleString*>& argv) {
    std::vector<RedisModuleString*>& slot = ring_.push_back();
    for (RedisModuleString* s : argv) {
      RedisModule_RetainString(nullptr, s);
      slot.push_back(s);
    }
  }
  std::vector<RedisModuleString*>& front() { return ring_.front(); }
  void pop_front() {
    release(ring_.front());
    ring_.pop_front();
  }
  void pop_back() {
    release(ring_.back());
    ring_.pop_back();
  }

 private:
  static void release(std::vector<RedisModuleString*>& slot) {
    for (RedisModuleString* s : slot) RedisModule_FreeString(nullptr, s);
    slot.clear();
  }
  FifoRing<std::vector<RedisModuleString*>> ring_;
};

Capture::Capture(Registry* registry, bool use_post_notification_jobs)
    : registry_(registry),
      post_jobs_(use_post_notification_jobs),
      pending_new_(kMaxPendingNew),
      k_(std::make_unique<Constants>()),
      queue_(std::make_unique<PendingQueue>()) {}

Capture::~Capture() = default;

Capture::Scratch& Capture::scratch() {
  // depth_ >= 1 while an event is handled.
  while (scratch_.size() < static_cast<std::size_t>(depth_)) {
    scratch_.push_back(std::make_unique<Scratch>());
  }
  return *scratch_[static_cast<std::size_t>(depth_) - 1];
}

void Capture::reset_pending() {
  pending_new_count_ = 0;
  swallow_del_ = false;
}

void Capture::remember_new(std::string_view key) {
  for (std::size_t i = 0; i < pending_new_count_; ++i) {
    if (pending_new_[i] == key) return;
  }
  if (pending_new_count_ == kMaxPendingNew) {
    // Drop the oldest; its change event evidently never came.
    std::rotate(pending_new_.begin(), pending_new_.begin() + 1, pending_new_.end());
    --pending_new_count_;
  }
  pending_new_[pending_new_count_++].assign(key.data(), key.size());  // reuses the capacity
}

bool Capture::take_new(std::string_view key) {
  for (std::size_t i = 0; i < pending_new_count_; ++i) {
    if (pending_new_[i] == key) {
      std::swap(pending_new_[i], pending_new_[pending_new_count_ - 1]);
      --pending_new_count_;
      return true;
    }
  }
  return false;
}

void Capture::on_keyspace_event(RedisModuleCtx* ctx, int type, const char* event_name,
                                RedisModuleString* key) {
  if (RedisModule_GetSelectedDb(ctx) != kCaptureDb) return;
  const std::string_view k = rm::view(key);
  if (registry_->is_reserved(k)) {
    if (k == registry_->registry_key_name()) registry_->mark_dirty();
    return;  // streams, the registry and everything else of ours are never captured
  }
  // Rebuild only at the outermost level: an enclosing call may be iterating the jobs.
  if (depth_ == 0 && registry_->dirty()) registry_->refresh(ctx);
  if (registry_->matcher().empty()) return;

  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& depth) : d(depth) { ++d; }
    ~DepthGuard() { --d; }
  } depth_guard(depth_);
  Scratch& s = scratch();
  s.clear();

  registry_->matcher().match(k, &s.matched);
  if (s.matched.empty()) return;

  const std::string_view event(event_name);
  if (type & REDISMODULE_NOTIFY_NEW) {
    // Only bookkeeping, so no need to ask for the server's role first: on a replica or while
    // loading the remembered key is never taken, and a role change or load resets the list.
    if (swallow_del_ && swallow_del_key_ == k) swallow_del_ = false;
    remember_new(k);
    return;
  }
  if (RedisModule_GetContextFlags(ctx) & (REDISMODULE_CTX_FLAGS_SLAVE | REDISMODULE_CTX_FLAGS_LOADING)) {
    return;  // a replica gets the master's entries by replication; loading replays them
  }
  const bool created = take_new(k);
  if (swallow_del_ && swallow_del_key_ == k) {
    swallow_del_ = false;
    if (event == "del") return;
  }

  const EventKind kind = classify_event(type, event);
  if (kind == EventKind::Ignore) return;

  // Which of the matching jobs want this event at all.
  const std::vector<Job>& jobs = registry_->jobs();
  s.selected.clear();
  for (uint32_t j : s.matched) {
    const Job& job = jobs[j];
    if (kind == EventKind::Expired && !job.spec.expired) continue;
    if (kind == EventKind::Evicted && !job.spec.evicted) continue;
    if (job.spec.excludes_event(event)) {
      ++job.counters->skipped_excluded;
      continue;
    }
    s.selected.push_back(j);
  }

  // The key's state after the change, read once for all jobs (only its existence if no job wants
  // the event). A change that removed the key (hdel of the last field, lpop of the last element,
  // ...) is followed by Redis's own "del" of the same key, which that entry already stands for.
  Presence presence = Presence::Gone;
  ValueType vtype = ValueType::None;
  if (kind == EventKind::Change) {
    if (!s.selected.empty()) {
      presence = read_value(ctx, type, event, key, s, &vtype);
    } else {
      rm::Key open(ctx, key, REDISMODULE_READ | REDISMODULE_OPEN_KEY_NOTOUCH);
      presence = open.get() ? Presence::Present : Presence::Gone;
    }
    if (presence == Presence::Gone && event != "del") {
      swallow_del_key_.assign(k.data(), k.size());
      swallow_del_ = true;
    }
  }
  if (s.selected.empty()) return;
  if (presence == Presence::Unsupported) {
    for (uint32_t j : s.selected) ++jobs[j].counters->skipped_unsupported;
    return;
  }
  if (presence == Presence::Failed) return;  // already logged and counted

  RedisModuleString* op = presence == Presence::Gone ? k_->op_d.get()
                          : created                  ? k_->op_c.get()
                                                     : k_->op_u.get();
  if (presence == Presence::Gone) vtype = ValueType::None;

  s.argv.clear();
  s.argv.reserve(kHeaderArgs + s.values.size());
  s.argv.push_back(nullptr);  // the job's stream, set below
  s.argv.push_back(k_->key.get());
  s.argv.push_back(key);
  s.argv.push_back(k_->op.get());
  s.argv.push_back(op);
  s.argv.push_back(k_->cmd.get());
  s.argv.push_back(event_string(event, s));
  s.argv.push_back(k_->type.get());
  s.argv.push_back(k_->type_of(vtype));
  s.argv.push_back(k_->ts.get());
  s.argv.push_back(timestamp());
  if (presence == Presence::Present) s.argv.insert(s.argv.end(), s.values.begin(), s.values.end());

  for (uint32_t j : s.selected) {
    const Job& job = jobs[j];
    s.argv[0] = job.stream_key.get();
    append(ctx, s.argv);
    ++job.counters->captured;
  }
  s.clear();
}

Capture::Presence Capture::read_value(RedisModuleCtx* ctx, int type, std::string_view event,
                                      RedisModuleString* key, Scratch& s, ValueType* vtype) {
  if (type & REDISMODULE_NOTIFY_STRING) {
    Presence p = read_string(ctx, key, s);
    if (p != Presence::Failed) {
      *vtype = ValueType::String;
      return p;
    }
  } else if ((type & REDISMODULE_NOTIFY_MODULE) && starts_with(event, kJsonEventPrefix)) {
    Presence p = read_json(ctx, key, s);
    if (p != Presence::Failed) {
      *vtype = ValueType::Json;
      return p;
    }
  }
  // Hash events, generic events (rename_to, restore, ...), other types, and fallbacks.
  return read_by_key_type(ctx, key, s, vtype);
}

namespace {

struct HashScan {
  std::vector<RedisModuleString*>* values;  // Scratch::values: one reference held on each
  bool failed = false;
};

// Called by Redis from inside RedisModule_ScanKey: nothing may throw through it.
void collect_hash_field(RedisModuleKey*, RedisModuleString* field, RedisModuleString* value,
                        void* pd) noexcept {
  auto* scan = static_cast<HashScan*>(pd);
  try {
    // Redis frees these after the callback; keeping a reference avoids copying the bytes again.
    scan->values->push_back(field);  // first: if it throws, nothing is held
    RedisModule_RetainString(nullptr, field);
    scan->values->push_back(value);
    RedisModule_RetainString(nullptr, value);
  } catch (...) {
    scan->failed = true;
  }
}

}  // namespace

Capture::Presence Capture::read_by_key_type(RedisModuleCtx* ctx, RedisModuleString* key,
                                            Scratch& s, ValueType* vtype) {
  s.release_values();
  rm::Key open(ctx, key, REDISMODULE_READ | REDISMODULE_OPEN_KEY_NOTOUCH);
  switch (open.type()) {
    case REDISMODULE_KEYTYPE_EMPTY:
      return Presence::Gone;
    case REDISMODULE_KEYTYPE_HASH: {
      HashScan scan{&s.values};
      if (s.cursor) {
        RedisModule_ScanCursorRestart(s.cursor->get());
      } else {
        s.cursor = std::make_unique<rm::ScanCursor>();
      }
      while (RedisModule_ScanKey(open.get(), s.cursor->get(), collect_hash_field, &scan)) {
      }
      if (scan.failed || s.values.size() % 2 != 0) {
        note_failure(ctx, "reading a captured hash failed", "out of memory");
        return Presence::Failed;
      }
      *vtype = ValueType::Hash;
      return Presence::Present;
    }
    case REDISMODULE_KEYTYPE_STRING: {
      *vtype = ValueType::String;
      Presence p = read_string(ctx, key, s);
      if (p == Presence::Failed) note_failure(ctx, "GET failed for a captured key", "");
      return p;
    }
    case REDISMODULE_KEYTYPE_MODULE:
      if (is_json_key(ctx, open.get(), key)) {
        *vtype = ValueType::Json;
        Presence p = read_json(ctx, key, s);
        if (p == Presence::Failed) note_failure(ctx, "JSON.GET failed for a captured key", "");
        return p;
      }
      return Presence::Unsupported;
    default:
      return Presence::Unsupported;  // list, set, sorted set, stream
  }
}

Capture::Presence Capture::read_string(RedisModuleCtx* ctx, RedisModuleString* key, Scratch& s) {
  // GET rather than RedisModule_StringDMA: DMA would re-encode small (embstr/int) values in place.
  rm::CallReply reply(RedisModule_Call(ctx, "GET", "s", key));
  switch (reply.type()) {
    case REDISMODULE_REPLY_NULL:
      return Presence::Gone;
    case REDISMODULE_REPLY_STRING:
      hold_text_value(s, reply);
      return Presence::Present;
    default:
      return Presence::Failed;  // e.g. WRONGTYPE: the caller falls back to the key's type
  }
}

void Capture::hold_text_value(Scratch& s, const rm::CallReply& reply) {
  s.release_values();
  s.values.reserve(2);
  rm::String text(RedisModule_CreateStringFromCallReply(reply.get()));
  s.hold_value(k_->value.get());
  s.hold_value(text.get());
}

Capture::Presence Capture::read_json(RedisModuleCtx* ctx, RedisModuleString* key, Scratch& s) {
  rm::CallReply reply(RedisModule_Call(ctx, "JSON.GET", "s", key));
  switch (reply.type()) {
    case REDISMODULE_REPLY_NULL:
      return Presence::Gone;
    case REDISMODULE_REPLY_STRING:
      hold_text_value(s, reply);
      return Presence::Present;
    default:
      return Presence::Failed;  // the caller falls back to the key's type, then reports
  }
}

bool Capture::is_json_key(RedisModuleCtx* ctx, RedisModuleKey* open_key, RedisModuleString* key) {
  RedisModuleType* t = RedisModule_ModuleTypeGetType(open_key);
  if (t == nullptr) return false;
  if (t == json_type_) return true;
  if (t == other_module_type_) return false;
  // The API has no name for a type pointer; ask TYPE once and remember the answer.
  rm::CallReply reply(RedisModule_Call(ctx, "TYPE", "s", key));
  bool json = reply.type() == REDISMODULE_REPLY_STRING && reply.str() == kJsonTypeName;
  (json ? json_type_ : other_module_type_) = t;
  return json;
}

RedisModuleString* Capture::event_string(std::string_view event, Scratch& s) {
  for (const auto& [name, str] : event_names_) {
    if (name == event) return str.get();
  }
  if (event_names_.size() < kMaxInternedEvents) {
    event_names_.emplace_back(std::string(event), rm::String::copy_of(event));
    return event_names_.back().second.get();
  }
  s.owned.push_back(rm::String::copy_of(event));
  return s.owned.back().get();
}

RedisModuleString* Capture::timestamp() {
  // Most events of a busy server fall in the same millisecond as the previous one: reuse its
  // string (entries hold their own copy of the bytes, and a queued append its own reference).
  const long long now = RedisModule_Milliseconds();
  if (now != ts_ms_ || !ts_string_) {
    ts_string_ = rm::String::from_long_long(now);
    ts_ms_ = now;
  }
  return ts_string_.get();
}

void Capture::append(RedisModuleCtx* ctx, const std::vector<RedisModuleString*>& argv) {
  if (post_jobs_) {
    queue_->push_back(argv);
    if (RedisModule_AddPostNotificationJob(ctx, post_job_trampoline, this, nullptr) !=
        REDISMODULE_OK) {
      queue_->pop_back();
      note_failure(ctx, "could not schedule the stream append", "");
    }
    return;
  }
  write_entry(ctx, argv);
}

void Capture::run_post_job(RedisModuleCtx* ctx) {
  if (queue_->empty()) return;
  RedisModule_SelectDb(ctx, kCaptureDb);
  write_entry(ctx, queue_->front());
  queue_->pop_front();
}

namespace {

// What XADD would have replied for a failed RedisModule_StreamAdd (by its errno).
std::string_view stream_add_error(int err) {
  switch (err) {
    case ENOTSUP:
      return "WRONGTYPE Operation against a key holding the wrong kind of value";
    case EFBIG:
      return "ERR The stream has exhausted the last possible ID, unable to add more items";
    case ERANGE:
      return "ERR Elements are too large to be stored";
    default:
      return "ERR the stream append was refused";
  }
}

// RedisModule_Replicate of `XADD <args...>`. Redis sizes its argument array from the format
// string, one slot per specifier, and must realloc it for a "v" (vector) specifier; passing each
// argument as its own "s" saves that realloc. So for up to kMaxSpelledOutArgs arguments the call
// is spelled out, one instantiation per count, with the format taken from a run of 's'.
constexpr std::size_t kMaxSpelledOutArgs = 64;
constexpr char kStringSpecifiers[] =
    "ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss";
static_assert(sizeof kStringSpecifiers - 1 == kMaxSpelledOutArgs);

using ReplicateFn = int (*)(RedisModuleCtx*, RedisModuleString* const*);

template <std::size_t N>
int replicate_spelled_out(RedisModuleCtx* ctx, RedisModuleString* const* args) {
  const char* format = kStringSpecifiers + (kMaxSpelledOutArgs - N);  // exactly N 's'
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return RedisModule_Replicate(ctx, "XADD", format, args[I]...);
  }(std::make_index_sequence<N>{});
}

template <std::size_t... N>
constexpr std::array<ReplicateFn, sizeof...(N)> spelled_out_table(std::index_sequence<N...>) {
  return {&replicate_spelled_out<N>...};
}
constexpr auto kReplicateByCount =
    spelled_out_table(std::make_index_sequence<kMaxSpelledOutArgs + 1>{});

int replicate_xadd(RedisModuleCtx* ctx, const std::vector<RedisModuleString*>& args) {
  if (args.size() <= kMaxSpelledOutArgs) return kReplicateByCount[args.size()](ctx, args.data());
  return RedisModule_Replicate(ctx, "XADD", "v", args.data(), args.size());
}

}  // namespace

// Does what `XADD <stream> * <fields>` does, without RedisModule_Call's temporary client,
// command lookup, argument vector and reply parsing: append with a generated ID, signal the
// key as modified and ready (RedisModule_CloseKey), fire the `xadd` keyspace event, and
// propagate `XADD <stream> <id> <fields>` with the ID the entry got — the same command XADD
// itself propagates, into the same execution unit (and so the same MULTI/EXEC) as the change.
void Capture::write_entry(RedisModuleCtx* ctx, const std::vector<RedisModuleString*>& argv) {
  RedisModuleString* stream = argv[0];
  RedisModuleString** fields = const_cast<RedisModuleString**>(argv.data()) + 1;
  const std::size_t field_args = argv.size() - 1;  // field, value, field, value, ...
  RedisModuleStreamID id{0, 0};
  {
    rm::Key key(ctx, stream, REDISMODULE_WRITE);
    errno = 0;
    if (key.get() == nullptr ||
        RedisModule_StreamAdd(key.get(), REDISMODULE_STREAM_ADD_AUTOID, &id, fields,
                              static_cast<int64_t>(field_args / 2)) != REDISMODULE_OK) {
      note_failure(ctx, "XADD to a capture stream failed", stream_add_error(errno));
      return;
    }
  }  // closed here: the modified/ready signals, as XADD gives them
  RedisModule_NotifyKeyspaceEvent(ctx, REDISMODULE_NOTIFY_STREAM, "xadd", stream);

  char id_text[2 * kMaxUint64Digits + 1];
  char* end = std::to_chars(id_text, id_text + kMaxUint64Digits, id.ms).ptr;
  *end++ = '-';
  end = std::to_chars(end, end + kMaxUint64Digits, id.seq).ptr;
  rm::String id_string =
      rm::String::copy_of(std::string_view(id_text, static_cast<std::size_t>(end - id_text)));
  replicate_args_.clear();
  replicate_args_.push_back(stream);
  replicate_args_.push_back(id_string.get());
  replicate_args_.insert(replicate_args_.end(), fields, fields + field_args);
  if (replicate_xadd(ctx, replicate_args_) != REDISMODULE_OK) {
    note_failure(ctx, "propagating a capture entry failed", "");
  }
}

void Capture::note_failure(RedisModuleCtx* ctx, std::string_view what, std::string_view detail) {
  ++append_failures_;
  if (append_failures_ <= kFailuresLoggedInFull || append_failures_ % kFailureLogEvery == 0) {
    RedisModule_Log(ctx, "warning", "writebehind: %.*s: %.*s (%llu failure(s) so far)",
                    static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()),
                    detail.data(), static_cast<unsigned long long>(append_failures_));
  }
}

}  // namespace wb::capture

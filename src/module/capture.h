// Capture: turns keyspace notifications into stream entries, one XADD per change of a key that
// matches a job, in the same execution unit as the change (see docs/stream-format.md).
//
// Per event: ignore other databases and the reserved prefix (a write to the registry key only marks
// the registry dirty); match the key through the prefix index; stop on a replica or while loading;
// decide the op (c: Redis reported the key as new during this command; u: it existed; d: it is gone
// now); read the value after the change once (hash fields via RedisModule_ScanKey, a string via GET,
// a RedisJSON document via JSON.GET); then append one entry to each matching job's stream.
//
// The value is always read in the notification itself, so each entry shows the key as that change
// left it, even inside MULTI/EXEC or a script. Only the write is deferred where Redis asks for it:
//  - Redis 7.2+: RedisModule_AddPostNotificationJob; the appends run when the notification is
//    over, still inside the same execution unit (and so the same MULTI/EXEC in the AOF and on
//    replicas).
//  - Redis 7.0 (no post-notification jobs): right from the notification.
// Either way an append is what `XADD <stream> * ...` does, done through the stream API rather than
// RedisModule_Call (which would cost a temporary client, a command lookup and a reply to parse):
// RedisModule_StreamAdd with a generated ID, the modified/ready signals of RedisModule_CloseKey,
// the `xadd` keyspace event, and RedisModule_Replicate of `XADD <stream> <that ID> ...` — the
// very command XADD propagates, into the command's MULTI/EXEC.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "module/event_kind.h"
#include "module/registry.h"
#include "module/rm_handles.h"

namespace wb::capture {

class Capture {
 public:
  Capture(Registry* registry, bool use_post_notification_jobs);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // The keyspace notification callback (all classes the module subscribes to).
  void on_keyspace_event(RedisModuleCtx* ctx, int type, const char* event, RedisModuleString* key);

  // Redis 7.2+: runs one queued append (called by Redis after the notification, see above).
  void run_post_job(RedisModuleCtx* ctx);

  bool uses_post_notification_jobs() const { return post_jobs_; }
  uint64_t append_failures() const { return append_failures_; }

  // Forgets per-command bookkeeping (pending `new` keys); called when the dataset is replaced.
  void reset_pending();

 private:
  enum class Presence { Present, Gone, Unsupported, Failed };
  struct Scratch;  // per-notification working buffers, reused across events
  class PendingQueue;

  Scratch& scratch();
  void remember_new(std::string_view key);
  bool take_new(std::string_view key);

  Presence read_value(RedisModuleCtx* ctx, int type, std::string_view event, RedisModuleString* key,
                      Scratch& s, ValueType* vtype);
  Presence read_by_key_type(RedisModuleCtx* ctx, RedisModuleString* key, Scratch& s,
                            ValueType* vtype);
  Presence read_string(RedisModuleCtx* ctx, RedisModuleString* key, Scratch& s);
  Presence read_json(RedisModuleCtx* ctx, RedisModuleString* key, Scratch& s);
  void hold_text_value(Scratch& s, const rm::CallReply& reply);
  bool is_json_key(RedisModuleCtx* ctx, RedisModuleKey* open_key, RedisModuleString* key);

  RedisModuleString* event_string(std::string_view event, Scratch& s);
  RedisModuleString* timestamp();
  void append(RedisModuleCtx* ctx, const std::vector<RedisModuleString*>& argv);
  void write_entry(RedisModuleCtx* ctx, const std::vector<RedisModuleString*>& argv);
  void note_failure(RedisModuleCtx* ctx, std::string_view what, std::string_view detail);

  Registry* registry_;
  bool post_jobs_;
  int depth_ = 0;  // nesting of on_keyspace_event (a notification fired while handling one)
  std::vector<std::unique_ptr<Scratch>> scratch_;  // one per nesting depth

  // Keys Redis reported as new whose change event has not arrived yet (usually 0 or 1).
  std::vector<std::string> pending_new_;
  std::size_t pending_new_count_ = 0;
  // After a change event that removed a key (hdel of the last field, ...), Redis fires "del" for
  // the same key: that del belongs to the entry already written and is swallowed.
  std::string swallow_del_key_;
  bool swallow_del_ = false;

  // Strings that appear in every entry, created once.
  struct Constants;
  std::unique_ptr<Constants> k_;
  std::vector<std::pair<std::string, rm::String>> event_names_;  // interned "cmd" values
  // The "ts" value of the last entry, and its millisecond.
  rm::String ts_string_;
  long long ts_ms_ = -1;

  // RedisJSON's data type, learned from the first key known to be a JSON document.
  RedisModuleType* json_type_ = nullptr;
  RedisModuleType* other_module_type_ = nullptr;

  std::unique_ptr<PendingQueue> queue_;  // 7.2+: appends waiting for their post-notification job
  std::vector<RedisModuleString*> replicate_args_;  // the XADD propagated for an entry, reused
  uint64_t append_failures_ = 0;
};

}  // namespace wb::capture

// Key tracking: per job, output and Redis key, the target key values (the key tuple) last written
// for that key. A `d` entry carries no fields, and a target's key columns usually come from the
// hash's fields, not from the Redis key — so deleting the right row, or the old row when an update
// changes the key columns, needs what was written before.
//
// Stored in Redis (the source of truth, survives restarts and moves between machines):
//   hash <prefix>keys:<job>:<output>   field = the Redis key   value = the key tuple as a JSON array
//   of strings and nulls, e.g. ["42"] or ["Ann","Smith"] (with foreach, the tuples of every row the
//   key wrote, concatenated: see output_mapper.h)
// updated in the MULTI/EXEC that acknowledges the batch, so it always matches what was committed
// (re-applying a batch recomputes the same values).
//
// In memory: a cache of the hash (a batch read ahead brings its keys' values along, read on the
// read-ahead thread — see adopt(); otherwise one HMGET per batch for the keys it lacks; absent
// keys are cached too), capped at max_cached_keys entries (the worker sets 4 read batches, at least
// kMaxCachedKeys) — past the cap it keeps only the keys of the last two commits (known exactly, and
// newer than Redis until their acknowledgements land) and reloads the rest on demand. Small on
// purpose: with batches read ahead the cache mostly holds the values the batch brought along, and a
// large map costs more in cache misses (measured: 100,000 → 16,384 keys took the applier from 2.9
// to 2.2 µs per entry, keys from a hash field into PostgreSQL). On top of it, the changes "staged"
// by database transactions that committed in the current batch and are not yet acknowledged. A
// failed acknowledgement forgets everything (Redis's state is then unknown) and reloads.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/redis_connection.h"
#include "sink/sink.h"
#include "source/ack_batch.h"

namespace wb::applier {

using KeyTuple = sink::Row;  // the values of an output's key columns, as text (nullopt: NULL)

std::string encode_key_tuple(const KeyTuple& tuple);
std::optional<KeyTuple> decode_key_tuple(std::string_view text);  // nullopt when malformed

class KeyTracker {
 public:
  static constexpr size_t kMaxCachedKeys = 16384;
  static constexpr size_t kMaxFieldsPerRead = 1000;  // HMGET arguments per command
  static constexpr size_t kReservedCacheSlots = 1 << 17;  // hash buckets reserved up front (no rehash)

  explicit KeyTracker(std::string hash_key, size_t max_cached_keys = kMaxCachedKeys);

  const std::string& hash_key() const { return hash_key_; }

  // Makes sure the committed tuple of each Redis key is cached (HMGET for the missing ones; `redis`
  // is asked for the connection only then). Throws RedisConnectionError / RedisReplyError.
  void load(const std::function<RedisConnection&()>& redis, const std::vector<const std::string*>& keys);
  void load(RedisConnection& redis, const std::vector<const std::string*>& keys) {
    load([&]() -> RedisConnection& { return redis; }, keys);
  }

  // Values read ahead for the next batch's keys (read_ahead(), on the read-ahead thread, while the
  // batch in flight was written), and adopting them on the worker before that next batch: a value is
  // cached unless the tracker knows better — the key is cached already (the keys the last two
  // committed batches changed always are: the read may have run before their acknowledgements
  // landed — with acks sent behind, the one before the last may still have been in flight). After
  // forget_all() nothing is adopted until two batches have committed, and adopt() returns false:
  // the batch's keys are then read by load() as usual. Keys absent from the hash are not cached:
  // once adopt() returned true, current() rightly says "untracked" for a key it does not hold.
  using Prefetched = std::vector<std::pair<std::string, std::optional<KeyTuple>>>;
  static Prefetched read_ahead(RedisConnection& redis, const std::string& hash_key,
                               const std::vector<const std::string*>& keys);
  bool adopt(Prefetched values);

  // Sets what Redis holds for key, as load() would find it (tests; tools that read the hash).
  void remember(const std::string& key, std::optional<KeyTuple> tuple) { committed_[key] = {std::move(tuple), 0}; }

  // The tuple tracked for key now: staged first, then committed; nullptr when untracked.
  // The key must have been load()ed in this batch, or been among the values adopted for it.
  const KeyTuple* current(std::string_view key) const;

  // A database transaction that committed left key at tuple (nullopt: untracked).
  void stage(const std::string& key, std::optional<KeyTuple> tuple);

  // True when a key staged in this batch (other than those `skip` says) now owns tuple. A row that
  // a key took over earlier in the batch must not be deleted as another key's old row — the release
  // that made it free may have been coalesced away (RENAME a b, then a re-created, in one batch).
  bool staged_owner_exists(const KeyTuple& tuple, const std::function<bool(const std::string&)>& skip) const;

  // The staged changes that differ from the committed state (for the ack).
  void collect_changes(std::vector<TrackingChange>& out) const;
  void commit_staged();   // the ack succeeded: staged becomes committed
  void discard_staged();  // the batch was abandoned before any commit reached Redis
  void forget_all();      // Redis's state is unknown: drop the cache and the staged changes

  size_t cached_keys() const { return committed_.size(); }

 private:
  // Lookups by string_view without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // A cached tuple and the commit_staged() call that wrote it (0: read from Redis).
  struct Cached {
    std::optional<KeyTuple> tuple;
    uint64_t commit = 0;
  };
  using KeyMap = std::unordered_map<std::string, Cached, KeyHash, std::equal_to<>>;
  using StagedMap = std::unordered_map<std::string, std::optional<KeyTuple>, KeyHash, std::equal_to<>>;

  bool recent(const Cached& c) const { return c.commit != 0 && c.commit + 1 >= commits_; }
  void shrink_cache();  // keeps only the keys of the last two commits
  std::vector<const std::string*> uncached(const std::vector<const std::string*>& keys) const;

  std::string hash_key_;
  size_t max_cached_keys_;
  KeyMap committed_;
  StagedMap staged_;
  uint64_t commits_ = 0;        // commit_staged() calls so far
  uint64_t adopt_from_ = 0;     // adopt() takes nothing before this many commits (forget_all())
  // Reverse of staged_, built only when staged_owner_exists() first asks in a batch (deletes do;
  // a batch of upserts never pays for it), then kept up to date by stage().
  mutable std::map<KeyTuple, std::set<std::string>> staged_owners_;
  mutable bool owners_built_ = false;
};

}  // namespace wb::applier

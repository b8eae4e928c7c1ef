// Maps records to the TableWrites of one relational.write output: resolves its columns against the
// table, builds rows (keys first, then values — every value as text), and coalesces a chunk of
// records so that each target key is written once with its final state (coalesce_by_key).
//
// Coalescing (UPSERT, REPLACE), per chunk:
//  - captured jobs track keys (key_tracker.h): each Redis key's final state in the chunk decides:
//    a key that ends deleted deletes the row it wrote; a key that ends with new key values upserts
//    that row and deletes the row it wrote before when its key values changed. A row that some key
//    of the chunk ends with is never deleted by another key's cleanup: a d of one key and a c of
//    another that produce the same target key end as the c (last op wins for the target row).
//  - without a Redis key (stream-source jobs): last op per target key wins.
// TYPE2 keeps every version in order (several TableWrites when a key has several in one chunk);
// APPEND inserts every c/u record and filters d.
//
// foreach outputs (OutputPlan::foreach): each record becomes several rows. With key tracking, a
// Redis key tracks every row its last record produced (the key tuples concatenated), so the rows a
// document no longer produces — a removed order line, or all of them when the key is deleted — are
// deleted. Without tracking, each row is coalesced on its own (last op per target key wins).
//
// Columns with no mapping: the record's top-level fields (full format: the members of `after`) whose
// column exists in the table. The columns of a chunk's TableWrite are those that a record of the
// chunk — or any record this output saw since it started — has as a field; a record without such a
// field writes NULL (a field removed with HDEL clears its column). Columns no record ever names
// (defaults such as created_at) are left alone.
//
// Flat records (source/change_record.h) are read as they are — mapped paths, columns without a
// mapping, key checks — without building their JSON; only foreach (an expression) builds it.
// Coalescing uses sorted vectors, not maps or hash tables: no allocation per record beyond its
// key tuple and its row.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "applier/job_plan.h"
#include "applier/key_tracker.h"
#include "sink/sink.h"
#include "source/change_record.h"

namespace wb::applier {

// The result of mapping one chunk of records to one output.
struct OutputChunkPlan {
  std::vector<sink::TableWrite> writes;  // to write in this order, in the chunk's transaction
  // What key tracking becomes once the transaction commits (stage into the KeyTracker); each Redis
  // key of the chunk once, in the order of its first record.
  std::vector<std::pair<std::string, std::optional<KeyTuple>>> tracking;
};

class OutputMapper {
 public:
  // tracker: nullptr when this output does not track keys (APPEND, or no Redis keys).
  OutputMapper(OutputPlan plan, RowFormat format, KeyTracker* tracker);

  // Reads the table's columns (sink.columns()); again after a schema error.
  void set_table_columns(const std::vector<sink::Column>& columns);
  bool has_table_columns() const { return columns_known_; }

  const OutputPlan& plan() const { return plan_; }
  KeyTracker* tracker() const { return tracker_; }

  // Why this record cannot be written to this output (an opcode_field without a valid op, a c/u
  // without a value for a key column), or nullopt when it can.
  std::optional<std::string> check(const ChangeRecord& rec) const;

  // The record's op for this output (opcode_field, else the entry's). The record must pass check().
  Op op_of(const ChangeRecord& rec) const;

  // False when this output ignores the record (a d under APPEND: counted as filtered).
  bool writes(const ChangeRecord& rec) const;

  // What the caller knows of a chunk: OnePerRedisKey when no two records share a Redis key (the
  // job reduced its batch to each key's last record). With keys that are the Redis key itself
  // (key.key) and no key tracking, every record then names its own row, and coalescing is skipped.
  enum class ChunkShape { Any, OnePerRedisKey };

  // Maps a chunk (records in stream order, each passing check()) to table writes.
  OutputChunkPlan plan_chunk(const std::vector<const ChangeRecord*>& chunk, ChunkShape shape = ChunkShape::Any);

  // True when every key column comes from the Redis key (key.key) and there is no foreach: the
  // row a Redis key writes is always the one its name gives (no key tracking needed).
  bool keys_are_redis_key() const { return keys_are_redis_key_; }

 private:
  KeyTuple key_tuple(const ChangeRecord& rec) const;
  std::vector<std::string> chunk_value_columns(const std::vector<const ChangeRecord*>& rows);
  sink::TableWrite empty_write(const std::vector<std::string>& value_columns) const;
  sink::Row row_of(const ChangeRecord& rec, const std::vector<std::string>& value_columns) const;
  std::optional<std::string> value_of(const ChangeRecord& rec, const std::string& column) const;

  void plan_keyed(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out);
  void plan_one_row_per_record(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out);
  void plan_type2(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out);
  void plan_append(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out);
  void plan_foreach(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out);
  std::optional<std::string> check_row(const ChangeRecord& rec) const;

  OutputPlan plan_;
  RowFormat format_;
  KeyTracker* tracker_;
  bool columns_known_ = false;
  std::vector<std::string> key_columns_;
  // Explicit mapping: value columns and their sources (key columns removed). Auto: candidates.
  std::vector<std::string> mapped_columns_;
  std::vector<std::string> mapped_sources_;
  bool auto_columns_ = false;
  bool keys_are_redis_key_ = false;
  std::vector<std::string> candidate_columns_;  // auto: table columns that are not keys or TYPE2's
  std::set<std::string> seen_columns_;          // auto: candidates some record has had as a field
};

}  // namespace wb::applier

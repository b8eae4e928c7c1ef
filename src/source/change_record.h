// A change record: what one stream entry means to the rest of the pipeline. The record itself is
// a JSON object (the shape transforms and mappings see, per row format); the Redis key, op code,
// entry id and the entry's original fields travel alongside it — the applier needs them for key
// tracking, counters and the dead-letter stream, and they must not be lost when transforms rewrite
// the record.
//
// Flat records. Building that JSON object for every entry (a std::map node, a key and a heap
// string per field), copying values back out of it and destroying it was most of the applier's
// per-record cost, and a job without transforms never needs it: its mappings only read top-level
// fields. So a record whose JSON would be an object of string members — a data_only hash (the
// fields after the 5 header pairs), a data_only d ({}), a stream-source data_only entry (all its
// fields) — stays flat: its fields are a range of `original`, and the JSON object is built only
// when something asks for it (record()). Reading a flat record (flat_field(), and resolve_text()
// in record_path.h) allocates nothing. A field name that occurs twice (stream-source entries may
// repeat one) means its last value, as the JSON object built from the fields in order does.
//
//   record()          the JSON; a flat record builds it on first use and keeps it (cached: the
//                     record stays flat and both views agree)
//   mutable_record()  the JSON to change; from then on the JSON is the truth (no longer flat)
//   set_record(json)  replaces the record (no longer flat)
//
// A default-constructed record is flat and empty ({}). While a record is flat, `original` holds its
// data: do not change or move `original` before the record is done with (materialize first).
//
// Threads: a record is used by one thread at a time (handed between threads with the usual
// synchronisation), so record() const may fill its cache without a lock.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wb {

// c: the key did not exist before the command; u: it did; d: it no longer exists.
enum class Op : char { Create = 'c', Update = 'u', Delete = 'd' };

std::optional<Op> parse_op(std::string_view text);  // "c" | "u" | "d"
char op_code(Op op);

// data_only (RDI's default, "partial"): the value's fields at the top level.
// full: {key: {key: <redis key>}, before: null, after: {...} | null, opcode: c|u|d}.
enum class RowFormat { DataOnly, Full };

// Where a job's entries come from: the module's capture stream, or an application's own stream
// whose entries are plain field/value events (always op c).
enum class SourceKind { Captured, Stream };

using EntryField = std::pair<std::string, std::string>;
using EntryFields = std::vector<EntryField>;

class ChangeRecord {
 public:
  std::string entry_id;    // stream entry id, e.g. "1700000000000-0"
  std::string redis_key;   // the captured key; empty for stream-source entries
  Op op = Op::Create;
  std::string cmd;         // the event that produced the entry (hset, del, rename_to, ...); may be empty
  int64_t ts_ms = 0;       // capture time (ms since the epoch); 0 when unknown
  RowFormat format = RowFormat::DataOnly;
  EntryFields original;    // the entry exactly as read, for the dead-letter stream

  // The record as a JSON object (or whatever a transform made it). Builds it from the flat fields
  // on first use.
  const nlohmann::json& record() const;
  // The record to change in place; the record is no longer flat afterwards.
  nlohmann::json& mutable_record();
  void set_record(nlohmann::json record);

  // The record is original[first, last): an object of those fields as strings (the decoder).
  void set_flat(size_t first, size_t last);

  bool is_flat() const { return flat_; }
  // A flat record's fields in entry order (repeated names included); empty when not flat.
  std::span<const EntryField> flat_fields() const;
  // A flat record's value of field `name` (its last occurrence); nullptr when the record has no
  // such field or is not flat.
  const std::string* flat_field(std::string_view name) const;

  // Whether the record is an object with a top-level member `name`, in either form (never builds
  // the JSON).
  bool has_member(std::string_view name) const;

 private:
  bool flat_ = true;
  size_t flat_first_ = 0;  // the flat fields: original[flat_first_, flat_last_)
  size_t flat_last_ = 0;
  // Not flat: the record. Flat: null until record() builds it, then the same fields as JSON.
  mutable nlohmann::json record_;
};

}  // namespace wb

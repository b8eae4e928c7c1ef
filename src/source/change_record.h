// A change record: what one stream entry means to the rest of the pipeline. The record itself is
// a JSON object (the shape transforms and mappings see, per row format); the Redis key, op code,
// entry id and the entry's original fields travel alongside it — the applier needs them for key
// tracking, counters and the dead-letter stream, and they must not be lost when transforms rewrite
// the record.
#pragma once
#include <cstdint>
#include <optional>
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

using EntryFields = std::vector<std::pair<std::string, std::string>>;

struct ChangeRecord {
  std::string entry_id;    // stream entry id, e.g. "1700000000000-0"
  std::string redis_key;   // the captured key; empty for stream-source entries
  Op op = Op::Create;
  std::string cmd;         // the event that produced the entry (hset, del, rename_to, ...); may be empty
  int64_t ts_ms = 0;       // capture time (ms since the epoch); 0 when unknown
  RowFormat format = RowFormat::DataOnly;
  nlohmann::json record = nlohmann::json::object();
  EntryFields original;    // the entry exactly as read, for the dead-letter stream
};

}  // namespace wb

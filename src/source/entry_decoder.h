// Turns stream entries into change records, per source kind and row format (the entry format of a
// captured stream is the module's public contract, docs/stream-format.md):
//   key <k> op <c|u|d> cmd <event> type <hash|string|json|none> ts <ms> [value fields...]
// data_only record: hash -> its fields (strings) at the top level; string -> the members of the
// JSON object it holds, else {value: <text>}; json -> the document's members, else {value: <doc>};
// d -> {}. full: {key: {key: <k>}, before: null, after: <the data_only record, or null for d>,
// opcode: c|u|d}. Stream-source entries: their fields are the record (strings), op c; in full
// format key.key is the entry id.
// data_only hashes, data_only deletes and data_only stream-source entries come out flat (their
// fields stay in ChangeRecord::original; the JSON is built only if asked for, change_record.h);
// every other record is decoded to JSON at once.
#pragma once
#include <optional>
#include <string>

#include "source/change_record.h"
#include "source/stream_entry.h"

namespace wb {

// A decoded entry, or why it cannot be one (a malformed entry goes to the dead-letter stream).
struct DecodeResult {
  std::optional<ChangeRecord> record;
  std::string error;     // set when record is empty
  std::string entry_id;  // set when record is empty: the entry's id
  EntryFields original;  // set when record is empty: the entry as read, for the dead-letter stream
};

// Takes the entry by value: its id and fields move into the ChangeRecord (entry_id, original), or
// into the DecodeResult when it cannot be decoded — the caller needs no copy of either.
DecodeResult decode_entry(StreamEntry entry, SourceKind kind, RowFormat format);

}  // namespace wb

// What the applier commits to Redis for one applied batch, in a single MULTI/EXEC with the XACK:
// the batch's counters, its key-tracking changes and its dead-letter entries. Being in the same
// transaction as the acknowledgement, none of them can be counted, tracked or dead-lettered twice
// or lost when the applier dies between the database commit and Redis.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "source/change_record.h"

namespace wb {

// Counters per job (hash wb:stats:<job>): inserted/updated/deleted count incoming entries by op
// code before coalescing; filtered counts records dropped by transforms or not written by a load
// strategy (d under APPEND); rejected counts records sent to the dead-letter stream or dropped.
struct JobCounters {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t deleted = 0;
  int64_t filtered = 0;
  int64_t rejected = 0;

  void count_op(Op op) { (op == Op::Create ? inserted : op == Op::Update ? updated : deleted) += 1; }
  JobCounters& operator+=(const JobCounters& o) {
    inserted += o.inserted;
    updated += o.updated;
    deleted += o.deleted;
    filtered += o.filtered;
    rejected += o.rejected;
    return *this;
  }
};

// One field of a key-tracking hash: set to value, or deleted when value is empty.
struct TrackingChange {
  std::string_view hash;             // wb:keys:<job>:<output>; the tracker's, valid until the ack
  std::string field;                 // the Redis key
  std::optional<std::string> value;  // encoded key tuple; nullopt -> HDEL
};

struct AckBatch {
  std::vector<std::string> entry_ids;     // every entry of the batch, in stream order
  JobCounters counters;
  std::vector<TrackingChange> tracking;
  std::vector<EntryFields> dead_letters;  // complete DLQ entries (fields already include error, output, ...)
  int64_t applied_at_ms = 0;              // wall clock time of the commit (stats: last_applied_time)
};

}  // namespace wb

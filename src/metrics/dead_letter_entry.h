// One entry of a dead-letter stream, parsed back (the layout is written by the applier,
// applier/dead_letter.h): error, output, time, entry_id, then the original entry's fields verbatim.
// get-rejected prints these, replay-rejected puts `original` back into the job's stream, and the
// status endpoint shows the latest reasons.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/redis_connection.h"

namespace wb::metrics {

using FieldList = std::vector<std::pair<std::string, std::string>>;

struct DeadLetter {
  std::string id;        // id in the dead-letter stream
  std::string error;     // the database's or the applier's message
  std::string output;    // output name ("" when the record failed before any output)
  std::string time;      // ISO 8601 UTC, when it was rejected
  std::string entry_id;  // the original entry's id in the job's stream
  FieldList original;    // key op cmd type ts <value fields...>, exactly as captured

  // A field of the original entry ("" when absent), e.g. original_field("key").
  std::string original_field(const std::string& name) const;
};

// Parses one stream entry (id + field/value array) of a dead-letter stream. nullopt when it does
// not have the four leading fields (not written by the applier).
std::optional<DeadLetter> parse_dead_letter(std::string id, const FieldList& fields);

// Entries of a dead-letter stream: newest first (XREVRANGE) or oldest first (XRANGE), at most
// max_entries (0: all). Entries that do not parse are skipped.
std::vector<DeadLetter> read_dead_letters(RedisConnection& redis, const std::string& dlq_key, size_t max_entries,
                                          bool oldest_first);

// One entry by id, nullopt when it is not (or no longer) there.
std::optional<DeadLetter> read_dead_letter(RedisConnection& redis, const std::string& dlq_key, const std::string& id);

// The entries of an XRANGE/XREVRANGE/XREAD reply array: (id, fields) pairs.
std::vector<std::pair<std::string, FieldList>> stream_entries_of(const redisReply* reply);

}  // namespace wb::metrics

// What `writebehind status`, /api/status and the metrics gauges show about one job, read from Redis
// only (so it works from any machine that reaches Redis):
//   counters and state      <prefix>stats:<job> (inserted, updated, deleted, filtered, rejected,
//                           last_entry_id, last_applied_ms, state, last_error)
//   backlog                 XLEN of the job's stream
//   pending                 XPENDING count of the group `writebehind`
//   lag                     age of the oldest unacknowledged entry: the smallest pending id, else the
//                           first entry after the group's last-delivered id (the whole stream when
//                           the group does not exist yet); 0 when there is none. Ages are measured
//                           against Redis's clock (TIME), as entry ids are.
//   dead letters            XLEN <prefix>dlq:<job>, and the latest few entries
//   paused                  <prefix>control paused:<job>
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/redis_connection.h"
#include "metrics/dead_letter_entry.h"

namespace wb::metrics {

// A job as the status readers need it.
struct JobRef {
  std::string name;
  std::string stream;                    // empty: a captured job, ask the module (WB.STREAM <name>)
  std::vector<std::string> connections;  // the connections its outputs write to
};

struct JobCountersView {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t deleted = 0;
  int64_t filtered = 0;
  int64_t rejected = 0;
  std::string last_entry_id;
  int64_t last_applied_ms = 0;
  std::string state;       // "", "running", "retrying", "schema-error" (the worker's last word)
  std::string last_error;  // during an outage
};

struct JobStatus {
  JobRef job;
  std::string stream;         // resolved; "" when the module does not know the job
  bool group_exists = false;  // the consumer group has been created (an applier ran the job)
  bool paused = false;
  int64_t paused_since_ms = 0;
  JobCountersView counters;
  int64_t stream_length = 0;
  int64_t pending = 0;
  int64_t lag_ms = 0;
  int64_t dead_letters = 0;
  std::vector<DeadLetter> latest_rejected;  // newest first
};

// Milliseconds since the epoch by Redis's clock (TIME).
int64_t redis_time_ms(RedisConnection& redis);

// The millisecond part of a stream id ("1700000000000-3" -> 1700000000000); 0 when malformed.
int64_t stream_id_ms(std::string_view id);

// The job's stream: ref.stream, else WB.STREAM <name>; "" when the module does not know the job.
std::string resolve_stream(RedisConnection& redis, const JobRef& ref);

// Reads everything above. stream: the resolved stream ("" -> none). Throws RedisConnectionError /
// RedisReplyError on Redis failures (missing keys and groups are not failures).
JobStatus read_job_status(RedisConnection& redis, std::string_view prefix, const JobRef& ref, const std::string& stream,
                          int64_t now_ms, size_t latest_rejected);

// Only the counters hash.
JobCountersView read_job_counters(RedisConnection& redis, std::string_view prefix, std::string_view job);

// The pause flag: since when (ms), or nullopt when the job is not paused.
std::optional<int64_t> read_paused(RedisConnection& redis, std::string_view prefix, std::string_view job);

}  // namespace wb::metrics

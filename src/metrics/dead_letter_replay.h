// replay-rejected: puts a dead-lettered entry back into its job's stream — its original fields,
// so the applier reads it exactly as if it had just been captured — and removes it from the
// dead-letter stream, atomically: WATCH the dead-letter stream, read the entry, then MULTI
// XADD + XDEL EXEC (retried when an applier added a dead letter meanwhile). Two replays of the same
// entry, even concurrent, put it back once.
#pragma once
#include <optional>
#include <string>

#include "common/redis_connection.h"

namespace wb::metrics {

inline constexpr int kMaxReplayAttempts = 50;

struct ReplayResult {
  enum class Outcome { Replayed, Missing } outcome = Outcome::Missing;
  std::string new_id;  // the entry's id in the job's stream (Replayed)
};

// Throws RedisReplyError when the entry is not a dead letter written by the applier, or when the
// dead-letter stream keeps changing for kMaxReplayAttempts attempts.
ReplayResult replay_dead_letter(RedisConnection& redis, const std::string& dlq_key, const std::string& stream,
                                const std::string& id);

}  // namespace wb::metrics

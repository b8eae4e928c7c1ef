// The JSON of /api/status (the dashboard page reads it every second), built from a StatusSnapshot:
// {
//   "seq", "now_ms", "instance", "version", "started_ms", "redis": {"url", "reachable", "error"},
//   "pipeline_checksum", "ready",
//   "jobs": [{"name", "state", "paused", "stream", "counters": {inserted, updated, deleted, filtered,
//             rejected}, "last_entry_id", "last_applied_ms", "last_error", "backlog", "pending",
//             "lag_ms", "dead_letters", "targets": [connection...],
//             "latest_rejected": [{"id", "time", "error", "output", "entry_id", "key", "op"}],
//             "history": [{"seq", "t_ms", "inserted", ..., "rejected", "lag_ms", "backlog", "pending"}]}],
//   "targets": [{"name", "type", "reachable", "checked_ms"}]
// }
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>

#include "metrics/status_snapshot.h"

namespace wb::metrics {

// max_history: at most that many of the latest history points per job.
nlohmann::json status_to_json(const StatusSnapshot& snap, bool ready, size_t max_history);

}  // namespace wb::metrics

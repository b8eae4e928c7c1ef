// Names of the operational state kept in Redis under the reserved prefix (default "wb:"), in one
// place so that the applier, the status sampler and the CLI agree:
//   <prefix>stats:<job>    hash   the job's counters and state (written by the applier's workers)
//   <prefix>dlq:<job>      stream the job's dead letters
//   <prefix>control        hash   paused:<job> -> JSON {"since_ms":..} while `writebehind stop --job` holds it
//   <prefix>targets        hash   <connection> -> JSON {"reachable":..,"checked_ms":..,...} (status sampler)
//   <prefix>instances      hash   <instance id> -> JSON heartbeat of each running applier (status sampler)
// A job's stream is never named here: ask the module (WB.STREAM <job>).
#pragma once
#include <string>
#include <string_view>

#include "applier/control_flags.h"

namespace wb::metrics {

inline std::string stats_key(std::string_view prefix, std::string_view job) {
  return std::string(prefix) + "stats:" + std::string(job);
}
inline std::string dlq_key(std::string_view prefix, std::string_view job) {
  return std::string(prefix) + "dlq:" + std::string(job);
}
using applier::control_key;   // <prefix>control
using applier::paused_field;  // paused:<job>
inline std::string targets_key(std::string_view prefix) { return std::string(prefix) + "targets"; }
inline std::string instances_key(std::string_view prefix) { return std::string(prefix) + "instances"; }

// The consumer group every applier reads through (source/stream_reader.h kConsumerGroup).
inline constexpr std::string_view kGroup = "writebehind";

}  // namespace wb::metrics

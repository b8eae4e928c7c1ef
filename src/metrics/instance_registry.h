// Running appliers announce themselves in Redis so that `writebehind status`, from any machine,
// can tell whether the engine runs, which jobs it runs, and whether each target is reachable:
//   <prefix>instances  <instance id> -> JSON {host, pid, version, started_ms, heartbeat_ms,
//                                              metrics, pipeline_checksum, jobs: [{name, stream, connections}]}
//   <prefix>targets    <connection>  -> JSON {type, reachable, checked_ms, instance}
// The status sampler of each applier rewrites both every second (heartbeat) and removes its
// instance at shutdown; an instance whose heartbeat is older than kInstanceStaleAfter is shown as
// gone (killed), and forgotten after kInstanceForgetAfter.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/redis_connection.h"
#include "metrics/job_status.h"

namespace wb::metrics {

inline constexpr std::chrono::milliseconds kInstanceStaleAfter{10000};
inline constexpr std::chrono::milliseconds kInstanceForgetAfter{24LL * 3600 * 1000};

struct InstanceInfo {
  std::string id;
  std::string host;
  int64_t pid = 0;
  std::string version;
  int64_t started_ms = 0;
  int64_t heartbeat_ms = 0;
  std::string metrics;            // the metrics address, "" when off
  std::string pipeline_checksum;  // of the pipeline it runs ("" for run --dir)
  std::vector<JobRef> jobs;

  bool alive(int64_t now_ms) const { return now_ms - heartbeat_ms <= kInstanceStaleAfter.count(); }
};

struct TargetState {
  std::string connection;
  std::string type;  // postgresql, mysql, sqlite, ...
  bool reachable = false;
  int64_t checked_ms = 0;
  std::string instance;  // who checked
};

std::string to_json_text(const InstanceInfo& info);
std::string to_json_text(const TargetState& t);

void publish_instance(RedisConnection& redis, std::string_view prefix, const InstanceInfo& info);
void remove_instance(RedisConnection& redis, std::string_view prefix, const std::string& id);
// Every announced instance (stale ones included; entries older than kInstanceForgetAfter are
// deleted on the way), sorted by id.
std::vector<InstanceInfo> read_instances(RedisConnection& redis, std::string_view prefix, int64_t now_ms);

void publish_target_states(RedisConnection& redis, std::string_view prefix, const std::vector<TargetState>& targets);
std::map<std::string, TargetState> read_target_states(RedisConnection& redis, std::string_view prefix);

}  // namespace wb::metrics

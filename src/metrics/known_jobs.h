// Which jobs exist, for the CLI's operational commands (status, stop/start, replay-rejected):
// those of the pipeline deployed in Redis, plus those that live appliers announce in their
// heartbeat (instance_registry.h) — an applier started with `run --dir` runs a pipeline that was
// never deployed. Each job comes with its stream (for stream-source jobs; captured jobs ask the
// module) and the connections its outputs write to.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "common/redis_connection.h"
#include "metrics/instance_registry.h"
#include "metrics/job_status.h"

namespace wb::metrics {

struct KnownJobs {
  std::vector<JobRef> jobs;                             // sorted by name
  std::map<std::string, std::string> connection_types;  // connection -> postgresql, sqlite, ...
  bool pipeline_deployed = false;

  const JobRef* find(const std::string& name) const;
  std::string names() const;  // "a, b, c"
};

// instances: as read by read_instances (only live ones contribute).
KnownJobs discover_jobs(RedisConnection& redis, std::string_view prefix, const std::vector<InstanceInfo>& instances,
                        int64_t now_ms);

}  // namespace wb::metrics

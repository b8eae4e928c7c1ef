// `writebehind status`: everything it shows, read from Redis only (works from any machine that
// reaches Redis), and its rendering as aligned tables:
//   the engine (live appliers from their heartbeats), each job (state, counters, backlog, pending,
//   lag, dead letters, last applied entry and time), each target (type, reachable, when checked).
// A job's state: paused (writebehind stop --job), stopped (no live applier runs it), retrying or
// schema-error (the worker's outage state), else running.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "common/redis_connection.h"
#include "metrics/instance_registry.h"
#include "metrics/job_status.h"
#include "metrics/known_jobs.h"

namespace wb::metrics {

struct StatusReport {
  std::string redis;  // endpoint, without password
  std::string prefix;
  int64_t now_ms = 0;  // Redis time
  std::vector<InstanceInfo> instances;
  KnownJobs known;
  struct Job {
    JobStatus status;
    std::string state;
  };
  std::vector<Job> jobs;
  std::map<std::string, TargetState> targets;  // as published by the appliers
};

StatusReport collect_status(RedisConnection& redis, const std::string& prefix);
std::string render_status(const StatusReport& report);

}  // namespace wb::metrics

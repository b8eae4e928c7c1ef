// One picture of the engine as the status sampler saw it: every job's status (job_status.h), its
// recent history (one point per sample, for the dashboard's charts), and the targets' states.
// /api/status serves the latest snapshot as JSON (status_json.h).
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "metrics/instance_registry.h"
#include "metrics/job_status.h"

namespace wb::metrics {

struct HistoryPoint {
  uint64_t seq = 0;  // the snapshot this point was sampled in
  int64_t t_ms = 0;  // Redis time of the sample
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t deleted = 0;
  int64_t filtered = 0;
  int64_t rejected = 0;
  int64_t lag_ms = 0;
  int64_t backlog = 0;
  int64_t pending = 0;
};

struct JobSnapshot {
  JobStatus status;
  std::string state;                 // running | paused | retrying | schema-error
  std::deque<HistoryPoint> history;  // oldest first
};

struct StatusSnapshot {
  uint64_t seq = 0;    // increases with every sample; 0: nothing sampled yet
  int64_t now_ms = 0;  // Redis time of the sample
  bool redis_ok = false;
  std::string redis_error;
  std::string redis;  // the endpoint, without password
  std::string instance;
  std::string version;
  int64_t started_ms = 0;
  std::string pipeline_checksum;
  std::vector<JobSnapshot> jobs;
  std::vector<TargetState> targets;
};

// The state word of a job: paused, else the worker's outage state, else running.
std::string job_state(const JobStatus& s);

}  // namespace wb::metrics

// The capture module seen from the CLI: the capture jobs it runs (WB.JOB.SET / WB.JOB.DEL /
// WB.JOB.LIST), which deploy makes follow the pipeline's jobs.
#pragma once
#include <string>
#include <vector>

#include "common/redis_connection.h"
#include "config/pipeline.h"

namespace wb::cli {

struct CaptureJob {
  std::string name;
  std::vector<std::string> patterns;
  std::vector<std::string> excludes;
};

// WB.JOB.SET <job> PATTERN <key_pattern> [EXCLUDE <cmd> ...] for a job with a key source.
std::vector<std::string> capture_job_command(const config::Job& job);

// The registered capture jobs. Throws CliFailure when the module does not answer.
std::vector<CaptureJob> list_capture_jobs(RedisConnection& redis);

void set_capture_job(RedisConnection& redis, const config::Job& job);
void delete_capture_job(RedisConnection& redis, const std::string& name);

}  // namespace wb::cli

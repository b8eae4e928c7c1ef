// writebehind stop --job NAME [--redis URL]: pauses applying one job. The flag lives in Redis
// (<prefix>control, field paused:<job>), so every running applier sees it within a second,
// wherever it runs; capture goes on and the backlog grows until `writebehind start --job NAME`.
// The batch in flight when the flag is seen is finished and acknowledged first.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "metrics/instance_registry.h"
#include "metrics/job_status.h"
#include "metrics/known_jobs.h"
#include "metrics/ops_keys.h"

namespace wb::cli {
namespace {

struct StopOptions {
  std::string redis;
  std::string job;
};

std::string who() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

void run_stop(const StopOptions& o) {
  auto redis = connect_redis(o.redis);
  const std::string prefix = config::fetch_module_key_prefix(*redis);
  const int64_t now = metrics::redis_time_ms(*redis);
  metrics::KnownJobs known = metrics::discover_jobs(*redis, prefix, metrics::read_instances(*redis, prefix, now), now);
  if (!known.jobs.empty() && known.find(o.job) == nullptr) {
    throw CliFailure("unknown job '" + o.job + "' (jobs: " + known.names() + ")");
  }
  nlohmann::json flag = {{"since_ms", now}, {"by", who()}};
  RedisReplyPtr r = redis->command({"HSETNX", metrics::control_key(prefix), metrics::paused_field(o.job), flag.dump()});
  if (reply_integer(r.get()) == 0) {
    std::cout << "job " << o.job << " is already paused (writebehind start --job " << o.job << " resumes it)\n";
    return;
  }
  std::cout << "job " << o.job << " paused: running appliers stop applying it within a second; capture goes on "
            << "(writebehind start --job " << o.job << " resumes it)\n";
}

}  // namespace

void register_stop(CLI::App& app) {
  auto o = std::make_shared<StopOptions>();
  CLI::App* cmd = app.add_subcommand("stop", "Pause applying one job (capture goes on)");
  add_redis_option(cmd, &o->redis);
  cmd->add_option("--job", o->job, "The job to pause")->required();
  cmd->callback([o] { run_stop(*o); });
}

}  // namespace wb::cli

// writebehind start --job NAME [--redis URL]: resumes a job paused by `writebehind stop --job`
// (removes paused:<job> from <prefix>control); running appliers pick it up within a second and
// drain the backlog that built up meanwhile.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "metrics/ops_keys.h"

namespace wb::cli {
namespace {

struct StartOptions {
  std::string redis;
  std::string job;
};

void run_start(const StartOptions& o) {
  auto redis = connect_redis(o.redis);
  const std::string prefix = config::fetch_module_key_prefix(*redis);
  RedisReplyPtr r = redis->command({"HDEL", metrics::control_key(prefix), metrics::paused_field(o.job)});
  if (reply_integer(r.get()) == 0) {
    std::cout << "job " << o.job << " was not paused\n";
    return;
  }
  std::cout << "job " << o.job << " resumed: running appliers apply it again within a second\n";
}

}  // namespace

void register_start(CLI::App& app) {
  auto o = std::make_shared<StartOptions>();
  CLI::App* cmd = app.add_subcommand("start", "Resume applying a job paused by `writebehind stop`");
  add_redis_option(cmd, &o->redis);
  cmd->add_option("--job", o->job, "The job to resume")->required();
  cmd->callback([o] { run_start(*o); });
}

}  // namespace wb::cli

// writebehind run [--redis URL] [--dir DIR] [--instance-id ID] [--metrics-addr HOST:PORT|off]
//                 [--log-level LEVEL] [--log-format text|json]:
// applies every job of the deployed pipeline (or of DIR, without deploying it) until SIGINT/SIGTERM,
// then finishes and acknowledges the batch in flight and exits 0. One worker thread per job
// (src/applier). Serves /metrics, /healthz, /readyz, /api/status and the dashboard page
// (src/metrics). Without --dir it follows `writebehind deploy` live: the deployed checksum is read
// every second and changed, removed and new jobs are swapped in (Applier::redeploy).
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "applier/applier.h"
#include "applier/plan_from_config.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "metrics/listen_address.h"
#include "metrics/log_setup.h"
#include "metrics/ops_runtime.h"
#include "transform/chain.h"
#include "transform/foreach_expander.h"

namespace wb::cli {
namespace {

struct RunOptions {
  std::string redis;
  std::string dir;
  std::string instance_id;
  std::string metrics_addr{metrics::kDefaultMetricsAddress};
  std::string log_level = "info";
  std::string log_format = "text";
};

config::LoadResult load_pipeline_for_run(const RunOptions& o) {
  config::LoadResult result;
  try {
    result = config::load_pipeline_dir(o.dir);
  } catch (const config::ConfigError& e) {
    throw CliFailure(e.what());
  }
  if (!result.ok()) {
    print_diagnostics(result.diagnostics, std::cerr);
    throw CliFailure(o.dir + ": invalid pipeline");
  }
  return result;
}

// The applier's plan of a loaded pipeline. Throws PlanError / TransformError.
applier::ApplierPlan build_plan(const config::Pipeline& pipeline, const applier::PlanOptions& po,
                                const std::shared_ptr<metrics::OpsRuntime>& ops) {
  applier::ApplierPlan plan = applier::plan_from_config(pipeline, po);
  plan.settings.observer = ops;
  return plan;
}

// Jobs whose definition differs between two deployed pipelines: every job when config.yaml
// (connections, applier settings) changed, else those whose job file changed.
std::set<std::string> changed_jobs(const config::PipelineFiles& before, const config::PipelineFiles& after,
                                   const config::Pipeline& pipeline) {
  auto file_of = [](const config::PipelineFiles& files, const std::string& path) -> const std::string* {
    auto it = files.find(path);
    return it == files.end() ? nullptr : &it->second;
  };
  auto differs = [&](const std::string& path) {
    const std::string* a = file_of(before, path);
    const std::string* b = file_of(after, path);
    return (a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b);
  };
  const bool config_changed = differs(std::string(config::kConfigFileName));
  std::set<std::string> changed;
  for (const config::Job& job : pipeline.jobs) {
    if (config_changed || differs(job.file)) changed.insert(job.name);
  }
  return changed;
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& n : list) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "-" : out;
}

// Follows `writebehind deploy`: every supervisor tick, reads the deployed checksum on its own
// connection and, when it changed, loads the new pipeline and swaps the jobs that changed.
class RedeployWatcher {
 public:
  RedeployWatcher(RedisEndpoint endpoint, std::string prefix, applier::PlanOptions po,
                  std::shared_ptr<metrics::OpsRuntime> ops, config::DeployedPipeline current)
      : endpoint_(std::move(endpoint)),
        prefix_(std::move(prefix)),
        po_(std::move(po)),
        ops_(std::move(ops)),
        current_(std::move(current)) {}

  void tick(applier::Applier& applier) {
    std::optional<config::DeployedPipeline> deployed;
    try {
      if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
      auto checksum = config::fetch_pipeline_checksum(*redis_, prefix_);
      if (!checksum || *checksum == current_.checksum || *checksum == refused_checksum_) return;
      deployed = config::fetch_pipeline(*redis_, prefix_);
      if (redis_failing_) spdlog::info("redeploy watch: Redis reachable again");
      redis_failing_ = false;
    } catch (const std::exception& e) {
      redis_.reset();
      if (!redis_failing_) spdlog::warn("redeploy watch: cannot read the deployed pipeline: {}", e.what());
      redis_failing_ = true;
      return;
    }
    if (!deployed || deployed->checksum == current_.checksum) return;
    const std::string short_sum = deployed->checksum.substr(0, 12);

    config::LoadResult loaded = config::load_pipeline(deployed->files);
    if (!loaded.ok()) {
      refused_checksum_ = deployed->checksum;
      spdlog::error("redeploy {}: the deployed pipeline does not load; still running the previous one:\n{}", short_sum,
                    loaded.diagnostics.to_string());
      return;
    }
    if (!deployed->directory.empty()) po_.pipeline_dir = deployed->directory;
    applier::ApplierPlan plan;
    try {
      plan = build_plan(loaded.pipeline, po_, ops_);
    } catch (const std::exception& e) {
      refused_checksum_ = deployed->checksum;
      spdlog::error("redeploy {}: cannot run the deployed pipeline ({}); still running the previous one", short_sum,
                    e.what());
      return;
    }
    std::set<std::string> changed = changed_jobs(current_.files, deployed->files, loaded.pipeline);
    applier::ApplierPlan for_ops = plan;  // the runtime keeps the jobs and targets it watches
    applier::Applier::RedeployResult r;
    try {
      r = applier.redeploy(std::move(plan), changed);
    } catch (const std::exception& e) {
      refused_checksum_ = deployed->checksum;
      spdlog::error("redeploy {}: {}; still running the previous pipeline", short_sum, e.what());
      return;
    }
    ops_->set_plan(for_ops, deployed->checksum);
    spdlog::info("redeploy {}: {} job(s) now; replaced: {}; started: {}; stopped: {}", short_sum, applier.job_count(),
                 names(r.replaced), names(r.started), names(r.stopped));
    current_ = std::move(*deployed);
  }

 private:
  RedisEndpoint endpoint_;
  std::string prefix_;
  applier::PlanOptions po_;
  std::shared_ptr<metrics::OpsRuntime> ops_;
  config::DeployedPipeline current_;
  std::string refused_checksum_;  // a deploy that cannot run is reported once
  std::unique_ptr<RedisConnection> redis_;
  bool redis_failing_ = false;
};

void run_applier(const RunOptions& o, bool metrics_addr_given) {
  try {
    metrics::configure_logging(o.log_level, o.log_format);
  } catch (const std::invalid_argument& e) {
    throw CliFailure(e.what(), kExitUsage);
  }
  std::optional<metrics::ListenAddress> address;
  try {
    address = metrics::parse_listen_address(o.metrics_addr);
  } catch (const std::invalid_argument& e) {
    throw CliFailure(e.what(), kExitUsage);
  }

  RedisEndpoint endpoint = redis_endpoint(o.redis);
  std::string prefix(config::kDefaultKeyPrefix);
  config::LoadResult loaded;
  std::optional<config::DeployedPipeline> deployed;
  if (!o.dir.empty()) {
    // The directory alone can run: Redis may come up later (the workers connect with backoff).
    loaded = load_pipeline_for_run(o);
    try {
      prefix = config::fetch_module_key_prefix(*connect_redis(o.redis));
    } catch (const std::exception& e) {
      spdlog::warn("{}; assuming the key prefix {}", e.what(), prefix);
    }
  } else {
    auto redis = connect_redis(o.redis);
    prefix = config::fetch_module_key_prefix(*redis);
    deployed = config::fetch_pipeline(*redis, prefix);
    if (!deployed) {
      throw CliFailure("no pipeline is deployed in Redis at " + endpoint.to_string() +
                       " (writebehind deploy --dir DIR)");
    }
    loaded = config::load_pipeline(deployed->files);
    if (!loaded.ok()) {
      std::string findings = loaded.diagnostics.to_string();
      if (!findings.empty()) findings.pop_back();
      throw CliFailure("the pipeline deployed in " + config::pipeline_key(prefix) + " does not load:\n" + findings);
    }
  }

  applier::PlanOptions po;
  po.redis = endpoint;
  po.prefix = prefix;
  po.instance_id = o.instance_id.empty() ? applier::default_instance_id() : o.instance_id;
  if (!o.dir.empty()) {
    po.pipeline_dir = std::filesystem::absolute(o.dir);
  } else if (deployed && !deployed->directory.empty()) {
    po.pipeline_dir = deployed->directory;  // relative SQLite paths: against the deployed directory
  }
  po.transforms = transform::chain_factory;  // src/transform: the blocks, compiled once here
  po.foreach = transform::row_expander;

  metrics::OpsOptions oo;
  oo.address = address;
  oo.address_is_default = !metrics_addr_given;
  oo.redis = endpoint;
  oo.prefix = prefix;
  oo.instance_id = po.instance_id;
  auto ops = std::make_shared<metrics::OpsRuntime>(oo);

  applier::ApplierPlan plan;
  try {
    plan = build_plan(loaded.pipeline, po, ops);
  } catch (const applier::PlanError& e) {
    throw CliFailure(e.what());
  } catch (const transform::TransformError& e) {
    throw CliFailure(e.what());
  }
  if (plan.jobs.empty()) throw CliFailure("the pipeline has no jobs");
  ops->set_plan(plan, deployed ? deployed->checksum : "");
  try {
    ops->start();
  } catch (const metrics::MetricsServerError& e) {
    throw CliFailure(std::string(e.what()) + " (choose another with --metrics-addr HOST:PORT, or off)");
  }

  applier::Applier applier(std::move(plan));
  spdlog::info("writebehind run: {} job(s), instance {}, Redis {}", applier.job_count(), po.instance_id,
               endpoint.to_string());
  std::function<void()> every_second;
  std::unique_ptr<RedeployWatcher> watcher;
  if (deployed) {
    watcher = std::make_unique<RedeployWatcher>(endpoint, prefix, po, ops, *deployed);
    every_second = [&] { watcher->tick(applier); };
  }
  int sig = applier::run_until_stop_signal(applier, every_second);
  ops->stop();
  spdlog::info("writebehind run: {} received, the batches in flight were finished",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
}

}  // namespace

void register_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Apply the captured changes of every job until SIGINT/SIGTERM");
  add_redis_option(cmd, &o->redis);
  cmd->add_option("--dir", o->dir, "Run this pipeline directory instead of the deployed pipeline (does not deploy it)");
  cmd->add_option("--instance-id", o->instance_id, "Consumer name in each job's group (default: <hostname>-<pid>)");
  CLI::Option* addr = cmd->add_option("--metrics-addr", o->metrics_addr,
                                      "Serve /metrics, /healthz, /readyz, /api/status and the dashboard on HOST:PORT, "
                                      "or off (default: 127.0.0.1:9121)");
  cmd->add_option("--log-level", o->log_level, "trace, debug, info, warn or error (default: info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_option("--log-format", o->log_format, "text or json (default: text)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([o, addr] { run_applier(*o, addr->count() > 0); });
}

}  // namespace wb::cli

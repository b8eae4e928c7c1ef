// writebehind deploy --dir DIR [--redis URL]: validates the pipeline, refuses targets this build
// cannot write, then makes Redis follow it: every key-source job's capture is registered
// (WB.JOB.SET), the files are stored in <prefix>pipeline in one MULTI/EXEC, and capture jobs that
// left the pipeline are removed (WB.JOB.DEL). Running it twice changes nothing the second time.
//
// Order matters: captures are set before the new pipeline is visible (so an applier that loads it
// finds its streams being fed), and old captures are removed last.
#include <filesystem>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <set>

#include "cli/capture_jobs.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "config/supported_targets.h"

namespace wb::cli {
namespace {

struct DeployOptions {
  std::string dir = ".";
  std::string redis;
};

void run_deploy(const DeployOptions& o) {
  config::PipelineFiles files;
  try {
    files = config::read_pipeline_dir(o.dir);
  } catch (const config::ConfigError& e) {
    throw CliFailure(e.what());
  }
  config::LoadResult result = config::load_pipeline(files);
  if (!result.ok()) {
    print_diagnostics(result.diagnostics, std::cerr);
    throw CliFailure(o.dir + ": invalid pipeline (" + count(result.diagnostics.error_count(), "error") +
                     "), nothing deployed");
  }
  config::Diagnostics refused = config::check_deployable(result.pipeline);
  // A refusal replaces validate's warning about the same output.
  config::Diagnostics findings = refused;
  for (const auto& d : result.diagnostics.all()) {
    bool superseded = false;
    for (const auto& r : refused.all()) superseded = superseded || (r.pos.to_string() == d.pos.to_string() && r.path == d.path);
    if (!superseded) findings.add(d);
  }
  findings.sort();
  print_diagnostics(findings, std::cerr);
  if (refused.has_errors()) {
    throw CliFailure(o.dir + ": " + count(refused.error_count(), "output") +
                     " use a target this build cannot write yet, nothing deployed");
  }
  const config::Pipeline& pipeline = result.pipeline;

  auto redis = connect_redis(o.redis);
  std::vector<CaptureJob> registered = list_capture_jobs(*redis);  // also checks the module is there
  const std::string prefix = config::fetch_module_key_prefix(*redis);

  std::set<std::string> captured;
  for (const auto& job : pipeline.jobs) {
    if (job.source.kind != config::SourceKind::kKeys) continue;
    set_capture_job(*redis, job);
    captured.insert(job.name);
  }
  config::store_pipeline(*redis, files, prefix, std::filesystem::absolute(o.dir).lexically_normal().string());
  std::vector<std::string> removed;
  for (const auto& job : registered) {
    if (captured.count(job.name) == 0) {
      delete_capture_job(*redis, job.name);
      removed.push_back(job.name);
    }
  }

  std::cout << "deployed " << o.dir << " to " << redis->endpoint().to_string() << ": "
            << count(pipeline.jobs.size(), "job") << ", " << count(pipeline.connections.size(), "connection")
            << ", " << count(captured.size(), "capture job");
  if (!removed.empty()) {
    std::cout << "; removed capture job" << (removed.size() == 1 ? "" : "s");
    for (const auto& name : removed) std::cout << " " << name;
  }
  std::cout << "\n";
}

}  // namespace

void register_deploy(CLI::App& app) {
  auto o = std::make_shared<DeployOptions>();
  CLI::App* cmd = app.add_subcommand("deploy", "Validate a pipeline, store it in Redis and register its captures");
  cmd->add_option("--dir", o->dir, "Pipeline directory")->capture_default_str();
  add_redis_option(cmd, &o->redis);
  cmd->callback([o] { run_deploy(*o); });
}

}  // namespace wb::cli

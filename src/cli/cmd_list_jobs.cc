// writebehind list-jobs [--redis URL]: the jobs of the deployed pipeline, one per line: name,
// source, outputs, and whether the module captures it.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>

#include "cli/capture_jobs.h"
#include "cli/cli_support.h"
#include "cli/commands.h"

namespace wb::cli {
namespace {

std::string source_text(const config::Source& s) {
  if (s.kind == config::SourceKind::kStream) return "stream " + s.stream_name;
  return "keys " + s.key_pattern;
}

std::string outputs_text(const config::Job& job) {
  std::string out;
  for (const auto& o : job.outputs) {
    if (!out.empty()) out += ", ";
    out += std::string(config::to_string(o.kind())) + " " + o.connection();
    if (const auto* r = o.relational()) out += ":" + (r->schema.empty() ? "" : r->schema + ".") + r->table;
    if (const auto* c = o.cassandra()) out += ":" + c->keyspace + "." + c->table;
  }
  return out;
}

// "yes" when the module captures the job as deployed, "differs" when it captures it otherwise (a
// deploy is due), "missing" when it does not; "-" for stream sources, which are not captured.
std::string capture_state(const config::Job& job, const std::vector<CaptureJob>& captured) {
  if (job.source.kind != config::SourceKind::kKeys) return "-";
  for (const auto& c : captured) {
    if (c.name != job.name) continue;
    bool same = c.patterns == std::vector<std::string>{job.source.key_pattern} && c.excludes == job.source.exclude_commands;
    return same ? "yes" : "differs";
  }
  return "missing";
}

void run_list_jobs(const std::string& redis_url) {
  auto redis = connect_redis(redis_url);
  config::LoadResult result = load_deployed_pipeline(*redis);
  std::vector<CaptureJob> captured = list_capture_jobs(*redis);

  struct Row {
    std::string name, source, capture, outputs;
  };
  std::vector<Row> rows = {{"NAME", "SOURCE", "CAPTURE", "OUTPUTS"}};
  for (const auto& job : result.pipeline.jobs) {
    rows.push_back({job.name, source_text(job.source), capture_state(job, captured), outputs_text(job)});
  }
  size_t w_name = 0, w_source = 0, w_capture = 0;
  for (const auto& r : rows) {
    w_name = std::max(w_name, r.name.size());
    w_source = std::max(w_source, r.source.size());
    w_capture = std::max(w_capture, r.capture.size());
  }
  for (const auto& r : rows) {
    std::cout << std::left << std::setw(static_cast<int>(w_name + 2)) << r.name
              << std::setw(static_cast<int>(w_source + 2)) << r.source
              << std::setw(static_cast<int>(w_capture + 2)) << r.capture << r.outputs << "\n";
  }
}

}  // namespace

void register_list_jobs(CLI::App& app) {
  auto redis = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("list-jobs", "List the jobs of the deployed pipeline");
  add_redis_option(cmd, redis.get());
  cmd->callback([redis] { run_list_jobs(*redis); });
}

}  // namespace wb::cli

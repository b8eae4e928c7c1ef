// writebehind describe-job NAME [--redis URL]: one job of the deployed pipeline in its normalized
// form (defaults applied) with the connections it uses — passwords shown as ****, secrets
// unresolved.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/render.h"
#include "config/suggest.h"

namespace wb::cli {
namespace {

constexpr int kJsonIndent = 2;

struct DescribeOptions {
  std::string name;
  std::string redis;
};

void run_describe_job(const DescribeOptions& o) {
  auto redis = connect_redis(o.redis);
  config::LoadResult result = load_deployed_pipeline(*redis);
  const config::Pipeline& p = result.pipeline;
  const config::Job* job = p.find_job(o.name);
  if (job == nullptr) {
    std::vector<std::string> names;
    for (const auto& j : p.jobs) names.push_back(j.name);
    throw CliFailure("no job named \"" + o.name + "\" in the deployed pipeline" + config::did_you_mean(o.name, names));
  }
  nlohmann::ordered_json out;
  out["name"] = job->name;
  out.update(config::job_to_json(*job));
  nlohmann::ordered_json connections = nlohmann::ordered_json::object();
  for (const auto& output : job->outputs) {
    if (const config::Connection* c = p.find_connection(output.connection())) {
      connections[c->name] = config::connection_to_json(*c);
    }
  }
  out["connections"] = connections;
  std::cout << out.dump(kJsonIndent, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

void register_describe_job(CLI::App& app) {
  auto o = std::make_shared<DescribeOptions>();
  CLI::App* cmd = app.add_subcommand("describe-job", "Show one job of the deployed pipeline");
  cmd->add_option("name", o->name, "Job name (its file name without extension)")->required();
  add_redis_option(cmd, &o->redis);
  cmd->callback([o] { run_describe_job(*o); });
}

}  // namespace wb::cli

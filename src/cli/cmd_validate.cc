// writebehind validate --dir DIR: loads and checks a pipeline directory; prints every finding and
// exits 1 if any is an error, else prints a one-line summary and exits 0.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/loader.h"

namespace wb::cli {
namespace {

void run_validate(const std::string& dir) {
  config::LoadResult result;
  try {
    result = config::load_pipeline_dir(dir);
  } catch (const config::ConfigError& e) {
    throw CliFailure(e.what());
  }
  const config::Diagnostics& d = result.diagnostics;
  print_diagnostics(d, std::cerr);
  if (!result.ok()) {
    std::cerr << dir << ": invalid pipeline: " << count(d.error_count(), "error");
    if (d.warning_count() > 0) std::cerr << ", " << count(d.warning_count(), "warning");
    std::cerr << "\n";
    throw CliFailure("", kExitFailure);
  }
  std::cout << dir << ": valid pipeline: " << count(result.pipeline.jobs.size(), "job") << ", "
            << count(result.pipeline.connections.size(), "connection");
  if (d.warning_count() > 0) std::cout << ", " << count(d.warning_count(), "warning");
  std::cout << "\n";
}

}  // namespace

void register_validate(CLI::App& app) {
  auto dir = std::make_shared<std::string>(".");
  CLI::App* cmd = app.add_subcommand("validate", "Check a pipeline directory (config.yaml + jobs/*.yaml)");
  cmd->add_option("--dir", *dir, "Pipeline directory")->capture_default_str();
  cmd->callback([dir] { run_validate(*dir); });
}

}  // namespace wb::cli

// writebehind: the CLI (scaffold, validate, deploy, list-jobs, describe-job, ...) and, later, the
// applier. main builds the CLI11 app, lets every subcommand register itself (commands.h), and
// turns failures into one line on stderr and an exit code.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "transform/expression_checks.h"
#include "version.h"

int main(int argc, char** argv) {
  CLI::App app{"writebehind: a Redis write-behind engine (RDI write-behind pipelines)", "writebehind"};
  app.set_version_flag("--version", std::string("writebehind ") + WRITEBEHIND_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  // Expression languages plug their syntax checks into config::default_expression_checkers()
  // here, before any pipeline is loaded (see config/expression_checks.h).
  wb::transform::register_expression_checkers();

#define WB_CLI_REGISTER(name) wb::cli::register_##name(app);
  WB_CLI_COMMANDS(WB_CLI_REGISTER)
#undef WB_CLI_REGISTER

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version or the usage error
    return code == 0 ? 0 : (dynamic_cast<const CLI::RuntimeError*>(&e) != nullptr ? code : wb::cli::kExitUsage);
  } catch (const wb::cli::CliFailure& e) {
    if (*e.what() != '\0') std::cerr << "writebehind: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "writebehind: " << e.what() << "\n";
    return wb::cli::kExitFailure;
  }
  return 0;
}

// The subcommands of `writebehind`. Each lives in its own file, cmd_<name>.cc, and defines
//   void wb::cli::register_<name>(CLI::App& app);
// which adds the subcommand, its options and its callback to the app. To add a subcommand (run,
// status, eval, trace, get-rejected, ...): write cmd_<name>.cc and add one line to the list below.
// (src/cli/CMakeLists.txt compiles every .cc of this directory and links every stage library.)
#pragma once

namespace CLI {
class App;
}

#define WB_CLI_COMMANDS(X) \
  X(scaffold)              \
  X(validate)              \
  X(deploy)                \
  X(list_jobs)             \
  X(describe_job)          \
  X(run)                   \
  X(eval)                  \
  X(trace)                 \
  X(status)                \
  X(get_rejected)          \
  X(replay_rejected)       \
  X(stop)                  \
  X(start)

namespace wb::cli {

#define WB_CLI_DECLARE(name) void register_##name(CLI::App& app);
WB_CLI_COMMANDS(WB_CLI_DECLARE)
#undef WB_CLI_DECLARE

}  // namespace wb::cli

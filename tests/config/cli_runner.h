// Runs the built `writebehind` binary (harness cli_path()) as a subprocess for the CLI and deploy
// tests, capturing stdout and stderr apart — tests check that a failure is one line on stderr.
#pragma once
#include <string>
#include <vector>

namespace wbtest {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  // For failure messages.
  std::string describe() const { return "exit " + std::to_string(exit_code) + "\n--- stdout\n" + out + "--- stderr\n" + err; }
};

// env: NAME=VALUE entries added to (or replacing in) the environment; WRITEBEHIND_REDIS is removed
// unless given. cwd: working directory ("" = the test's).
CliResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                  const std::string& cwd = "");

// Lines of text without their '\n'.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace wbtest

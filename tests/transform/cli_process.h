// Runs the built `writebehind` binary for the eval/trace tests: with text on stdin, or in the
// background (trace follows a stream until it has seen enough) — stdout and stderr captured apart.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/process.h"

namespace wbtest {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string describe() const { return "exit " + std::to_string(exit_code) + "\n--- stdout\n" + out + "--- stderr\n" + err; }
};

class CliProcess {
 public:
  // Starts `writebehind args...` with stdin_text on its standard input.
  explicit CliProcess(const std::vector<std::string>& args, const std::string& stdin_text = "");
  ~CliProcess();  // kills it if still running
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  std::string err_so_far() const;
  std::string out_so_far() const;
  // Waits for the exit (SIGKILL after timeout, exit code 137 then).
  CliRun wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  std::unique_ptr<TempDir> dir_;
  pid_t pid_ = -1;
};

// Runs to completion.
CliRun run_writebehind(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace wbtest

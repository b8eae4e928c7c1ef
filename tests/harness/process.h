// Helpers shared by the server fixtures: free loopback ports, private temporary directories,
// child processes that die with the test (PR_SET_PDEATHSIG) and are killed on every exit path.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace wbtest {

// A TCP port on 127.0.0.1 that was free when asked (bound and released).
int free_port();

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "wbtest");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void chown_to(const std::string& user) const;  // recursively; used for the postgres system user
 private:
  std::string path_;
};

// A child process. argv[0] is the program. Its stdout/stderr go to log_file (appended).
// The child gets PR_SET_PDEATHSIG=SIGKILL so it never outlives the test process.
struct ProcessOptions {
  std::string log_file;                 // empty: inherit
  std::string run_as_user;              // empty: same user; else setgid/setuid to that user (root only)
  std::vector<std::string> env;         // extra NAME=VALUE entries
  std::string working_dir;
};

class Process {
 public:
  Process() = default;
  Process(const std::vector<std::string>& argv, const ProcessOptions& opts = {});
  ~Process();  // stop(SIGKILL) if still running
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends sig, waits up to timeout for exit, then SIGKILL. Returns the exit status (as waitpid).
  int stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  int wait();  // blocks until the process exits, returns the waitpid status

 private:
  pid_t pid_ = -1;
};

// Runs a command to completion; returns exit code; output appended to log_file if given.
int run_command(const std::vector<std::string>& argv, const ProcessOptions& opts = {});

// Polls pred every 20 ms until it is true or timeout; returns pred's last value.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Paths set at configure time (see tests/harness/CMakeLists.txt), overridable by environment:
std::string module_path();          // WB_MODULE_PATH, else <build>/writebehind.so
std::string json_standin_path();    // WB_JSON_STANDIN_PATH, else <build>/tests/module/json_standin.so
std::string cli_path();             // WB_CLI_PATH, else <build>/writebehind
std::string source_dir();           // the repository root
std::string shared_dir();           // WB_SHARED_DIR, else <repo>/../shared

}  // namespace wbtest

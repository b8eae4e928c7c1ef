// Helpers shared by the server fixtures: free loopback ports, private temporary directories,
// child processes that die with the test (PR_SET_PDEATHSIG) and are killed on every exit path.
#pragma once
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace wbtest {

// A TCP port on 127.0.0.1 that was free when asked (bound and released). Ports come from below
// the kernel's ephemeral range, so client connections never occupy them.
int free_port();

// A server could not bind its port: another process took it between free_port() and the bind.
// The fixtures catch it and retry on a new port.
struct PortInUseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
constexpr int kPortConflictRetries = 3;
// True when a server log (the part written by the latest start) reports a bind conflict.
bool log_reports_port_in_use(const std::string& log_text);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "wbtest");
  TempDir(const std::string& prefix, const std::string& base_dir);  // under base_dir, not $TMPDIR
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void chown_to(const std::string& user) const;  // recursively; used for the postgres system user
 private:
  std::string path_;
  int slot_ = -1;  // entry in the registry the interrupt handler cleans up
};

// A child process. argv[0] is the program. Its stdout/stderr go to log_file (appended).
// The child gets PR_SET_PDEATHSIG=SIGKILL so it never outlives the test process.
struct ProcessOptions {
  std::string log_file{};               // empty: inherit
  std::string run_as_user{};            // empty: same user; else setgid/setuid to that user (root only)
  std::vector<std::string> env{};       // extra NAME=VALUE entries
  std::string working_dir{};
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

  void signal(int sig);        // to the process only
  void signal_group(int sig);  // to its process group (the child leads its own group)

 private:
  bool reap(bool block);  // true once the process has exited and been waited for

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// The exit code of a waitpid status: the code for a normal exit, 128+signal for a killed one.
int exit_code(int status);

// Runs a command to completion; returns exit code; output appended to log_file if given.
int run_command(const std::vector<std::string>& argv, const ProcessOptions& opts = {});

// Polls pred every 20 ms until it is true or timeout; returns pred's last value.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The whole content of a file ("" when it cannot be read).
std::string read_text_file(const std::string& path);

// The last max_lines lines of text, for error messages that quote a server log.
std::string tail_of(const std::string& text, size_t max_lines = 30);

// Paths set at configure time (see tests/harness/CMakeLists.txt), overridable by environment:
std::string module_path();          // WB_MODULE_PATH, else <build>/writebehind.so
std::string json_standin_path();    // WB_JSON_STANDIN_PATH, else <build>/tests/module/json_standin.so
std::string cli_path();             // WB_CLI_PATH, else <build>/writebehind
std::string source_dir();           // the repository root
std::string shared_dir();           // WB_SHARED_DIR, else <repo>/../shared

}  // namespace wbtest

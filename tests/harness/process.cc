// Child processes, temporary directories and free ports for the server fixtures.
//
// Cleanup on every exit path:
//  - normal exit and failed assertions: destructors stop children and remove directories;
//  - SIGINT/SIGTERM/SIGHUP: a handler kills every live child's process group and removes every
//    live temporary directory (with fork+exec of rm, which is async-signal-safe), then re-raises;
//  - SIGKILL of the test process: each child has PR_SET_PDEATHSIG=SIGKILL, and the next TempDir
//    created on this machine removes directories left by processes that no longer exist.
#include "harness/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace wbtest {
namespace {

namespace fs = std::filesystem;

// Ports are picked below the kernel's ephemeral range (32768+ on Linux), so an outgoing client
// connection never holds the port a server is about to (re)bind.
constexpr int kPortRangeFirst = 20000;
constexpr int kPortRangeLast = 32000;
constexpr int kPortAttempts = 200;

// Fixed-size registries readable from a signal handler (no allocation, no locks).
constexpr int kMaxTrackedChildren = 256;
constexpr int kMaxTrackedDirs = 256;
constexpr size_t kMaxPathLength = 4096;

std::atomic<pid_t> g_children[kMaxTrackedChildren];
std::atomic<bool> g_dir_used[kMaxTrackedDirs];
char g_dirs[kMaxTrackedDirs][kMaxPathLength];

const char* const kTempDirTag = "wbtest";  // directories are named <prefix>-<pid>-XXXXXX

void track_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void untrack_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

int track_dir(const std::string& path) {
  if (path.size() >= kMaxPathLength) return -1;
  for (int i = 0; i < kMaxTrackedDirs; i++) {
    bool expected = false;
    if (g_dir_used[i].compare_exchange_strong(expected, true)) {
      // The slot is claimed but not yet published; the handler may see a half-written path only
      // if a signal lands in this very window, in which case rm -rf of a prefix of our own fresh
      // directory name is harmless (it names nothing else).
      std::memcpy(g_dirs[i], path.c_str(), path.size() + 1);
      return i;
    }
  }
  return -1;
}

void untrack_dir(int slot) {
  if (slot >= 0) g_dir_used[slot].store(false);
}

// Async-signal-safe: kill, waitpid, fork, execve, signal, raise, _exit only.
void on_fatal_signal(int sig) {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
  }
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) ::waitpid(pid, nullptr, 0);
  }
  for (int i = 0; i < kMaxTrackedDirs; i++) {
    if (!g_dir_used[i].load() || g_dirs[i][0] != '/') continue;
    pid_t rm = ::fork();
    if (rm == 0) {
      char rm_path[] = "/bin/rm";
      char rm_flags[] = "-rf";
      char* argv[] = {rm_path, rm_flags, g_dirs[i], nullptr};
      char* envp[] = {nullptr};
      ::execve(rm_path, argv, envp);
      ::_exit(127);
    }
    if (rm > 0) ::waitpid(rm, nullptr, 0);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Installs the handler once, and only for signals nobody else handles yet.
void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      if (old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = on_fatal_signal;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

bool pid_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// Removes <base>/<anything>-<pid>-XXXXXX directories whose process is gone (a test run killed
// with SIGKILL cannot clean up after itself). Runs once per process and base directory.
void remove_stale_dirs(const std::string& base) {
  static std::mutex mu;
  static std::set<std::string> scanned;
  std::lock_guard<std::mutex> lock(mu);
  if (!scanned.insert(base).second) return;
  {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind(kTempDirTag, 0) != 0) continue;
      // <prefix>-<pid>-<6 random chars>
      size_t last_dash = name.rfind('-');
      if (last_dash == std::string::npos || last_dash == 0) continue;
      size_t pid_dash = name.rfind('-', last_dash - 1);
      if (pid_dash == std::string::npos) continue;
      std::string pid_text = name.substr(pid_dash + 1, last_dash - pid_dash - 1);
      if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
      pid_t pid = static_cast<pid_t>(std::stol(pid_text));
      if (pid <= 0 || pid == ::getpid() || pid_alive(pid)) continue;
      std::error_code rm_ec;
      fs::remove_all(entry.path(), rm_ec);
    }
  }
}

std::string temp_base() {
  const char* t = std::getenv("TMPDIR");
  return (t && *t) ? std::string(t) : std::string("/tmp");
}

// Looks argv0 up in PATH (before fork, so that the child only calls execve).
std::string resolve_program(const std::string& argv0) {
  if (argv0.find('/') != std::string::npos) return argv0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";  // mariadbd lives in /usr/sbin, often missing from PATH
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start);
    if (!candidate.empty()) {
      candidate += "/" + argv0;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return argv0;  // execve fails and the error is reported
}

[[noreturn]] void child_fail(int report_fd, int err) {
  ssize_t ignored = ::write(report_fd, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

}  // namespace

int free_port() {
  static std::mutex mu;
  static std::set<int> handed_out;  // never hand the same port out twice in one process
  static std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  std::lock_guard<std::mutex> lock(mu);
  std::uniform_int_distribution<int> pick(kPortRangeFirst, kPortRangeLast);
  for (int attempt = 0; attempt < kPortAttempts; attempt++) {
    int port = pick(rng);
    if (handed_out.count(port)) continue;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) {
      handed_out.insert(port);
      return port;
    }
  }
  throw std::runtime_error("free_port: no free port found on 127.0.0.1");
}

bool log_reports_port_in_use(const std::string& log_text) {
  return log_text.find("Address already in use") != std::string::npos;
}

TempDir::TempDir(const std::string& prefix) : TempDir(prefix, temp_base()) {}

TempDir::TempDir(const std::string& prefix, const std::string& base) {
  install_signal_handlers();
  remove_stale_dirs(base);
  std::string name = prefix;
  if (name.rfind(kTempDirTag, 0) != 0) name = std::string(kTempDirTag) + "-" + name;
  std::string templ = base + "/" + name + "-" + std::to_string(::getpid()) + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + templ + ": " + std::strerror(errno));
  path_ = buf.data();
  slot_ = track_dir(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  untrack_dir(slot_);
}

void TempDir::chown_to(const std::string& user) const {
  passwd* pw = ::getpwnam(user.c_str());
  if (!pw) throw std::runtime_error("chown_to: no such user " + user);
  auto change = [&](const fs::path& p) {
    if (::lchown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("chown " + p.string() + ": " + std::strerror(errno));
  };
  change(path_);
  for (const auto& entry : fs::recursive_directory_iterator(path_)) change(entry.path());
}

Process::Process(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  install_signal_handlers();

  // Everything the child needs is prepared here: after fork only async-signal-safe calls.
  std::string program = resolve_program(argv[0]);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; e++) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& extra : opts.env)
      if (extra.substr(0, extra.find('=')) == name) overridden = true;
    if (!overridden) env_strings.push_back(entry);
  }
  for (const auto& extra : opts.env) env_strings.push_back(extra);
  std::vector<char*> cenv;
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  if (!opts.run_as_user.empty()) {
    passwd* pw = ::getpwnam(opts.run_as_user.c_str());
    if (!pw) throw std::runtime_error("Process: no such user " + opts.run_as_user);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    switch_user = ::geteuid() != uid;
  }

  int report[2];  // the child writes errno here if it cannot exec; closes on exec
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(report[0]);
    ::setpgid(0, 0);  // own process group, so that kill(-pid) reaches its helpers too
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (!opts.log_file.empty()) {
      int fd = ::open(opts.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd < 0) child_fail(report[1], errno);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    // Nothing of ours (client sockets, other logs) leaks into the server.
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    if (!opts.working_dir.empty() && ::chdir(opts.working_dir.c_str()) != 0) child_fail(report[1], errno);
    if (switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
        child_fail(report[1], errno);
    }
    // After the user switch: a set-user-ID change clears the death signal.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    ::execve(program.c_str(), cargv.data(), cenv.data());
    child_fail(report[1], errno);
  }

  ::setpgid(pid, pid);  // also from the parent, so the group exists whoever runs first
  ::close(report[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  pid_ = pid;
  if (n == sizeof child_errno) {
    ::waitpid(pid, &status_, 0);
    reaped_ = true;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(child_errno));
  }
  track_child(pid);
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    wait();
  }
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_), reaped_(other.reaped_), status_(other.status_) {
  other.pid_ = -1;
  other.reaped_ = false;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      wait();
    }
    pid_ = other.pid_;
    reaped_ = other.reaped_;
    status_ = other.status_;
    other.pid_ = -1;
    other.reaped_ = false;
  }
  return *this;
}

bool Process::reap(bool block) {
  if (pid_ <= 0 || reaped_) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    status_ = status;
    reaped_ = true;
    untrack_child(pid_);
    return true;
  }
  return false;
}

bool Process::running() { return pid_ > 0 && !reap(false); }

int Process::wait() {
  reap(true);
  return status_;
}

void Process::signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

void Process::signal_group(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(-pid_, sig);
}

int Process::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0 || reaped_) return status_;
  ::kill(pid_, sig);
  if (!wait_until([this] { return reap(false); }, timeout)) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  return wait();
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int run_command(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  Process p(argv, opts);
  return exit_code(p.wait());
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  constexpr auto kPollInterval = std::chrono::milliseconds(20);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string read_text_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  std::string out;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

std::string tail_of(const std::string& text, size_t max_lines) {
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') end--;
  size_t start = end;
  for (size_t lines = 0; lines < max_lines && start > 0; lines++) {
    size_t nl = text.rfind('\n', start - 1);
    start = (nl == std::string::npos) ? 0 : nl;
    if (nl == std::string::npos) break;
  }
  if (start < end && text[start] == '\n') start++;
  return text.substr(start, end - start);
}

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : std::string(fallback);
}
}  // namespace

std::string module_path() { return env_or("WB_MODULE_PATH", WB_DEFAULT_MODULE_PATH); }
std::string json_standin_path() { return env_or("WB_JSON_STANDIN_PATH", WB_DEFAULT_JSON_STANDIN_PATH); }
std::string cli_path() { return env_or("WB_CLI_PATH", WB_DEFAULT_CLI_PATH); }
std::string source_dir() { return env_or("WB_SOURCE_DIR", WB_DEFAULT_SOURCE_DIR); }
std::string shared_dir() { return env_or("WB_SHARED_DIR", WB_DEFAULT_SHARED_DIR); }

}  // namespace wbtest

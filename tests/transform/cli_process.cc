// The writebehind subprocess of the eval/trace tests (see cli_process.h).
#include "cli_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace wbtest {

CliProcess::CliProcess(const std::vector<std::string>& args, const std::string& stdin_text)
    : dir_(std::make_unique<TempDir>("wb_transform_cli")) {
  std::ofstream(dir_->file("stdin"), std::ios::binary) << stdin_text;
  const std::string program = cli_path();
  const std::string in_path = dir_->file("stdin"), out_path = dir_->file("stdout"), err_path = dir_->file("stderr");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
    unsetenv("WRITEBEHIND_REDIS");
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
}

CliProcess::~CliProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string CliProcess::err_so_far() const { return read_text_file(dir_->file("stderr")); }
std::string CliProcess::out_so_far() const { return read_text_file(dir_->file("stdout")); }

CliRun CliProcess::wait(std::chrono::milliseconds timeout) {
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  CliRun run;
  run.exit_code = exit_code(status);
  run.out = out_so_far();
  run.err = err_so_far();
  return run;
}

CliRun run_writebehind(const std::vector<std::string>& args, const std::string& stdin_text) {
  CliProcess p(args, stdin_text);
  return p.wait();
}

}  // namespace wbtest

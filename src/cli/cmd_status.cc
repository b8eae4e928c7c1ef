// writebehind status [--redis URL] [--live]: the engine (running appliers), each job's counters,
// backlog, pending, lag, dead letters and last applied entry, and each target's reachability, as
// aligned tables. Reads only Redis, so it works from any machine that reaches it. --live redraws
// every second until Ctrl-C (exit 0).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "metrics/status_report.h"

namespace wb::cli {
namespace {

constexpr std::chrono::milliseconds kLiveInterval{1000};
constexpr std::chrono::milliseconds kLiveSignalPoll{50};

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted = true; }

struct StatusOptions {
  std::string redis;
  bool live = false;
};

std::string report_once(RedisConnection& redis, const std::string& prefix) {
  return metrics::render_status(metrics::collect_status(redis, prefix));
}

void run_status(const StatusOptions& o) {
  auto redis = connect_redis(o.redis);
  const std::string prefix = config::fetch_module_key_prefix(*redis);
  if (!o.live) {
    std::cout << report_once(*redis, prefix);
    return;
  }
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const bool tty = isatty(STDOUT_FILENO) != 0;
  while (!g_interrupted) {
    std::string text;
    try {
      if (!redis) redis = connect_redis(o.redis);
      text = report_once(*redis, prefix);
    } catch (const std::exception& e) {  // Redis lost: say so, try again at the next tick
      redis.reset();
      text = std::string("cannot read the status: ") + e.what() + "\n";
    }
    if (tty) {
      std::cout << "\x1b[H\x1b[2J" << text << "\n(refreshing every second; Ctrl-C to quit)" << std::flush;
    } else {
      std::cout << text << "---\n" << std::flush;
    }
    auto until = std::chrono::steady_clock::now() + kLiveInterval;
    while (!g_interrupted && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(kLiveSignalPoll);
  }
  if (tty) std::cout << "\n";
}

}  // namespace

void register_status(CLI::App& app) {
  auto o = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand("status", "Show the engine, every job's counters, backlog, lag and the targets");
  add_redis_option(cmd, &o->redis);
  cmd->add_flag("--live", o->live, "Redraw every second until Ctrl-C");
  cmd->callback([o] { run_status(*o); });
}

}  // namespace wb::cli

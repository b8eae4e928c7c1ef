// The applier: one JobWorker per job, each on its own thread, so that jobs never block each other.
// `writebehind run` builds an ApplierPlan (plan_from_config.h), starts an Applier and calls stop()
// on SIGINT/SIGTERM: every worker finishes and acknowledges its batch in flight, then wait() returns.
// redeploy() swaps the jobs of a running applier (live redeploy) without touching the others.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "applier/job_plan.h"
#include "applier/job_worker.h"

namespace wb::applier {

class Applier {
 public:
  // sinks: how workers open target connections; default: sink::make_sink() over plan.connections.
  explicit Applier(ApplierPlan plan, SinkFactory sinks = {});
  ~Applier();  // stop() and wait()
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  void start();  // starts one thread per job
  void stop();   // asks every worker to finish its batch in flight; returns at once
  void wait();   // joins the workers

  size_t job_count() const { return workers_.size(); }

  // Live redeploy: jobs missing from `plan` stop, jobs named in `changed` are replaced, jobs new to
  // the applier start; the others keep running untouched. A stopped or replaced worker first
  // finishes and acknowledges its batch in flight under the old definition; its successor then
  // reads on from the consumer group (pending entries first), so nothing is lost or applied twice.
  // Throws std::invalid_argument (nothing changed) when the plan names an unknown connection.
  struct RedeployResult {
    std::vector<std::string> stopped, replaced, started;
  };
  RedeployResult redeploy(ApplierPlan plan, const std::set<std::string>& changed);

 private:
  SinkFactory sinks_for(const ApplierPlan& plan) const;
  std::unique_ptr<JobWorker> make_worker(const JobPlan& job) const;

  bool default_sinks_ = false;  // sinks_ is built over plan_.connections (rebuilt by redeploy)
  SinkFactory sinks_;
  ApplierPlan plan_;
  std::vector<std::unique_ptr<JobWorker>> workers_;
  std::vector<std::thread> threads_;
};

// `writebehind run`'s main loop: blocks SIGINT and SIGTERM in the calling thread (the workers, started
// here, inherit the mask), starts the applier, waits for one of those signals, then stops it and
// waits for every worker to finish its batch in flight. Returns the signal received.
// every_interval, if given, runs on this thread every kSupervisorInterval while waiting (the live
// redeploy check); an exception from it is logged and the applier goes on.
inline constexpr std::chrono::milliseconds kSupervisorInterval{1000};
int run_until_stop_signal(Applier& applier, const std::function<void()>& every_interval = {});

}  // namespace wb::applier

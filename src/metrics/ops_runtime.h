// Everything `writebehind run` adds for operators, in one object: the metrics registry with the
// writebehind_* set and the process metrics, the applier hooks that feed it (applier::JobObserver),
// the target prober, the status sampler and the HTTP server on --metrics-addr. cmd_run builds it,
// hands it to the applier as the observer, and tells it the running jobs at start and after each
// live redeploy.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "applier/job_observer.h"
#include "applier/job_plan.h"
#include "metrics/applier_metrics.h"
#include "metrics/http_server.h"
#include "metrics/listen_address.h"
#include "metrics/registry.h"
#include "metrics/status_sampler.h"
#include "metrics/target_prober.h"

namespace wb::metrics {

struct OpsOptions {
  std::optional<ListenAddress> address;  // nullopt: no HTTP server (--metrics-addr off)
  bool address_is_default = true;        // a busy default port is a warning, a busy explicit one an error
  RedisEndpoint redis;
  std::string prefix = "wb:";
  std::string instance_id;
};

class OpsRuntime : public applier::JobObserver {
 public:
  explicit OpsRuntime(OpsOptions options);
  ~OpsRuntime() override;  // stop()

  // The jobs and targets the applier runs now, and the checksum of the pipeline they come from.
  void set_plan(const applier::ApplierPlan& plan, const std::string& pipeline_checksum);

  // Starts the prober, the sampler and the HTTP server. Throws MetricsServerError when an explicit
  // address cannot be bound (the default one only logs a warning). Returns the bound address.
  std::optional<ListenAddress> start();
  void stop();

  // applier::JobObserver
  void batch_acknowledged(const std::string& job, const JobCounters& counters, size_t entries,
                          std::chrono::steady_clock::duration took) override;
  void target_error(const std::string& job, sink::ErrorKind kind) override;
  void retry(const std::string& job) override;

  Registry& registry() { return registry_; }
  ApplierMetrics& metrics() { return metrics_; }

 private:
  OpsOptions options_;
  Registry registry_;
  ApplierMetrics metrics_;
  TargetProber prober_;
  StatusSampler sampler_;
  MetricsServer server_;
  bool started_ = false;
};

// The status sampler's view of a plan's jobs.
std::vector<JobRef> job_refs_of(const applier::ApplierPlan& plan);

}  // namespace wb::metrics

// The operator-facing runtime of `writebehind run` (see ops_runtime.h).
#include "metrics/ops_runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics/process_metrics.h"

namespace wb::metrics {
namespace {

SamplerOptions sampler_options(const OpsOptions& o) {
  SamplerOptions s;
  s.redis = o.redis;
  s.prefix = o.prefix;
  s.instance_id = o.instance_id;
  s.metrics_address = o.address ? o.address->to_string() : "";
  return s;
}

}  // namespace

std::vector<JobRef> job_refs_of(const applier::ApplierPlan& plan) {
  std::vector<JobRef> refs;
  for (const applier::JobPlan& job : plan.jobs) {
    JobRef ref;
    ref.name = job.name;
    ref.stream = job.stream;  // empty for captured jobs: WB.STREAM <job>
    for (const applier::OutputPlan& out : job.outputs) {
      if (std::find(ref.connections.begin(), ref.connections.end(), out.connection) == ref.connections.end()) {
        ref.connections.push_back(out.connection);
      }
    }
    refs.push_back(std::move(ref));
  }
  return refs;
}

OpsRuntime::OpsRuntime(OpsOptions options)
    : options_(std::move(options)),
      metrics_(registry_),
      prober_(options_.instance_id, &metrics_),
      sampler_(sampler_options(options_), &metrics_, &prober_),
      server_(registry_, &sampler_) {
  register_process_metrics(registry_);
}

OpsRuntime::~OpsRuntime() { stop(); }

void OpsRuntime::set_plan(const applier::ApplierPlan& plan, const std::string& pipeline_checksum) {
  prober_.set_targets(plan.connections);
  sampler_.set_jobs(job_refs_of(plan), pipeline_checksum);
}

std::optional<ListenAddress> OpsRuntime::start() {
  std::optional<ListenAddress> bound;
  if (!options_.address) {
    spdlog::info("metrics server off (--metrics-addr off)");
  } else {
    try {
      bound = server_.start(*options_.address);
      spdlog::info("metrics on http://{}/metrics, dashboard on http://{}/", bound->to_string(), bound->to_string());
    } catch (const MetricsServerError& e) {
      if (!options_.address_is_default) throw;
      spdlog::warn("{}: running without the metrics server (choose another with --metrics-addr HOST:PORT)", e.what());
    }
  }
  sampler_.set_metrics_address(bound ? bound->to_string() : "");
  prober_.start();
  sampler_.start();
  started_ = true;
  return bound;
}

void OpsRuntime::stop() {
  if (!started_) return;
  started_ = false;
  server_.stop();
  sampler_.stop();
  prober_.stop();
}

void OpsRuntime::batch_acknowledged(const std::string& job, const JobCounters& c, size_t entries,
                                    std::chrono::steady_clock::duration took) {
  metrics_.batch_acknowledged(job, BatchCounts{c.inserted, c.updated, c.deleted, c.filtered, c.rejected}, entries,
                              std::chrono::duration<double>(took).count());
}

void OpsRuntime::target_error(const std::string& job, sink::ErrorKind kind) {
  const char* label = kind == sink::ErrorKind::Transient ? "transient"
                      : kind == sink::ErrorKind::Schema  ? "schema"
                                                         : "data";
  metrics_.target_error(job, label);
}

void OpsRuntime::retry(const std::string& job) { metrics_.retry(job); }

}  // namespace wb::metrics

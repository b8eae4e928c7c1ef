// The periodic status sampler (see status_sampler.h).
#include "metrics/status_sampler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "metrics/ops_keys.h"
#include "version.h"

namespace wb::metrics {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

std::string job_state(const JobStatus& s) {
  if (s.paused) return "paused";
  if (s.counters.state == "retrying" || s.counters.state == "schema-error") return s.counters.state;
  return "running";
}

StatusSampler::StatusSampler(SamplerOptions options, ApplierMetrics* metrics, TargetProber* prober)
    : options_(std::move(options)),
      metrics_(metrics),
      prober_(prober),
      started_ms_(wall_ms()),
      metrics_address_(options_.metrics_address) {}

StatusSampler::~StatusSampler() { stop(); }

void StatusSampler::set_jobs(std::vector<JobRef> jobs, std::string pipeline_checksum) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const JobRef& old : jobs_) {
    bool kept = std::any_of(jobs.begin(), jobs.end(), [&](const JobRef& j) { return j.name == old.name; });
    if (!kept) {
      history_.erase(old.name);
      if (metrics_ != nullptr) metrics_->remove_job_gauges(old.name);
    }
  }
  for (const JobRef& j : jobs) {
    bool known = std::any_of(jobs_.begin(), jobs_.end(), [&](const JobRef& o) { return o.name == j.name; });
    if (!known && metrics_ != nullptr) metrics_->add_job(j.name);
  }
  jobs_ = std::move(jobs);
  pipeline_checksum_ = std::move(pipeline_checksum);
  streams_.clear();  // resolved again: a redeploy may have re-registered capture jobs
}

void StatusSampler::set_metrics_address(std::string address) {
  std::lock_guard<std::mutex> lock(mu_);
  metrics_address_ = std::move(address);
}

void StatusSampler::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void StatusSampler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  try {
    if (redis_) remove_instance(*redis_, options_.prefix, options_.instance_id);
  } catch (const std::exception&) {
    // Redis gone at shutdown: the heartbeat goes stale and status shows the instance as gone.
  }
  redis_.reset();
}

void StatusSampler::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    sample_once();
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

void StatusSampler::sample_once() {
  StatusSnapshot snap;
  try {
    if (!redis_) redis_ = std::make_unique<RedisConnection>(options_.redis, SamplerOptions::kRedisIoTimeout);
    snap = sample(*redis_);
    if (redis_failing_) spdlog::info("status sampler: Redis reachable again");
    redis_failing_ = false;
  } catch (const std::exception& e) {
    redis_.reset();
    if (!redis_failing_) spdlog::warn("status sampler: cannot read the status from Redis: {}", e.what());
    redis_failing_ = true;
    snap = StatusSnapshot{};
    snap.redis_ok = false;
    snap.redis_error = e.what();
    snap.now_ms = wall_ms();
    std::lock_guard<std::mutex> lock(mu_);
    if (latest_) snap.jobs = latest_->jobs;  // keep showing the last known numbers
  }
  if (metrics_ != nullptr) metrics_->set_redis_up(snap.redis_ok);
  if (prober_ != nullptr) {
    snap.targets = prober_->states();  // the prober sets writebehind_target_up itself
  }
  snap.redis = options_.redis.to_string();
  snap.instance = options_.instance_id;
  snap.version = WRITEBEHIND_VERSION;
  snap.started_ms = started_ms_;

  std::lock_guard<std::mutex> lock(mu_);
  snap.seq = ++seq_;
  snap.pipeline_checksum = pipeline_checksum_;
  for (JobSnapshot& j : snap.jobs) {
    if (!snap.redis_ok) {
      auto it = history_.find(j.status.job.name);
      if (it != history_.end()) j.history = it->second;
      continue;
    }
    auto& h = history_[j.status.job.name];
    const JobCountersView& c = j.status.counters;
    h.push_back(HistoryPoint{snap.seq, snap.now_ms, c.inserted, c.updated, c.deleted, c.filtered, c.rejected,
                             j.status.lag_ms, j.status.stream_length, j.status.pending});
    while (h.size() > options_.history_points) h.pop_front();
    j.history = h;
  }
  latest_ = std::make_shared<const StatusSnapshot>(std::move(snap));
  latest_at_ = std::chrono::steady_clock::now();
}

StatusSnapshot StatusSampler::sample(RedisConnection& redis) {
  std::vector<JobRef> jobs;
  std::string checksum, metrics_address;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs = jobs_;
    checksum = pipeline_checksum_;
    metrics_address = metrics_address_;
  }
  StatusSnapshot snap;
  snap.redis_ok = true;
  snap.now_ms = redis_time_ms(redis);
  for (const JobRef& ref : jobs) {
    std::string stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = streams_.find(ref.name);
      if (it != streams_.end()) stream = it->second;
    }
    if (stream.empty()) {
      stream = resolve_stream(redis, ref);
      std::lock_guard<std::mutex> lock(mu_);
      if (!stream.empty()) streams_[ref.name] = stream;
    }
    JobSnapshot js;
    js.status = read_job_status(redis, options_.prefix, ref, stream, snap.now_ms, options_.latest_rejected);
    js.state = job_state(js.status);
    if (metrics_ != nullptr) {
      metrics_->set_job_gauges(ref.name, JobGauges{js.status.stream_length, js.status.pending, js.status.lag_ms,
                                                   js.status.dead_letters, js.status.paused});
    }
    snap.jobs.push_back(std::move(js));
  }

  InstanceInfo me;
  me.id = options_.instance_id;
  me.host = host_name();
  me.pid = getpid();
  me.version = WRITEBEHIND_VERSION;
  me.started_ms = started_ms_;
  me.heartbeat_ms = snap.now_ms;
  me.metrics = metrics_address;
  me.pipeline_checksum = checksum;
  me.jobs = jobs;
  publish_instance(redis, options_.prefix, me);
  if (prober_ != nullptr) publish_target_states(redis, options_.prefix, prober_->states());
  return snap;
}

std::shared_ptr<const StatusSnapshot> StatusSampler::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

bool StatusSampler::ready(std::string* why) const {
  std::shared_ptr<const StatusSnapshot> snap;
  std::chrono::steady_clock::time_point at;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snap = latest_;
    at = latest_at_;
  }
  std::string reasons;
  if (!snap) {
    reasons += "no status sample yet\n";
  } else {
    if (!snap->redis_ok) reasons += "Redis not reachable: " + snap->redis_error + "\n";
    if (std::chrono::steady_clock::now() - at > 3 * options_.interval + SamplerOptions::kRedisIoTimeout) {
      reasons += "the status sample is stale\n";
    }
  }
  if (prober_ != nullptr) {
    std::vector<TargetState> states = prober_->states();
    std::map<std::string, bool> seen;
    for (const TargetState& t : states) {
      if (!t.reachable) reasons += "target " + t.connection + " not reachable\n";
      seen[t.connection] = true;
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const JobRef& j : jobs_) {
      for (const std::string& c : j.connections) {
        if (!seen.contains(c)) {
          reasons += "target " + c + " not probed yet\n";
          seen[c] = true;
        }
      }
    }
  }
  if (why != nullptr) *why = reasons;
  return reasons.empty();
}

}  // namespace wb::metrics

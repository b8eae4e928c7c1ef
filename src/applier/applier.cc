// Applier: workers and their threads (see applier.h).
#include "applier/applier.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <stdexcept>

namespace wb::applier {

SinkFactory Applier::sinks_for(const ApplierPlan& plan) const {
  auto connections = plan.connections;
  return [connections](const std::string& name) {
    auto it = connections.find(name);
    if (it == connections.end()) throw std::invalid_argument("unknown connection '" + name + "'");
    return sink::make_sink(it->second);
  };
}

std::unique_ptr<JobWorker> Applier::make_worker(const JobPlan& job) const {
  for (const OutputPlan& out : job.outputs) {
    if (!plan_.connections.empty() && !plan_.connections.contains(out.connection)) {
      throw std::invalid_argument("job " + job.name + ": unknown connection '" + out.connection + "'");
    }
  }
  return std::make_unique<JobWorker>(job, plan_.settings, sinks_);
}

Applier::Applier(ApplierPlan plan, SinkFactory sinks) : plan_(std::move(plan)) {
  default_sinks_ = !sinks;
  sinks_ = default_sinks_ ? sinks_for(plan_) : std::move(sinks);
  for (const JobPlan& job : plan_.jobs) workers_.push_back(make_worker(job));
}

Applier::~Applier() {
  stop();
  wait();
}

void Applier::start() {
  if (!threads_.empty()) return;
  for (auto& w : workers_) threads_.emplace_back([worker = w.get()] { worker->run(); });
}

void Applier::stop() {
  for (auto& w : workers_) w->stop();
}

void Applier::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

Applier::RedeployResult Applier::redeploy(ApplierPlan plan, const std::set<std::string>& changed) {
  RedeployResult result;
  const bool running = !threads_.empty();

  // Build the new workers first: a plan that cannot run changes nothing.
  ApplierPlan old_plan = std::move(plan_);
  SinkFactory old_sinks = sinks_;
  plan_ = std::move(plan);
  if (default_sinks_) sinks_ = sinks_for(plan_);
  std::vector<std::unique_ptr<JobWorker>> fresh;
  try {
    for (const JobPlan& job : plan_.jobs) {
      bool exists = false;
      for (const auto& w : workers_) exists = exists || w->job().name == job.name;
      if (!exists || changed.contains(job.name)) {
        fresh.push_back(make_worker(job));
        (exists ? result.replaced : result.started).push_back(job.name);
      }
    }
  } catch (...) {
    plan_ = std::move(old_plan);
    sinks_ = std::move(old_sinks);
    throw;
  }

  // Stop the workers that go: each finishes and acknowledges its batch in flight.
  std::vector<size_t> going;
  for (size_t i = 0; i < workers_.size(); ++i) {
    const std::string& name = workers_[i]->job().name;
    bool kept = false;
    for (const JobPlan& job : plan_.jobs) kept = kept || job.name == name;
    if (!kept) result.stopped.push_back(name);
    if (!kept || changed.contains(name)) {
      workers_[i]->stop();
      going.push_back(i);
    }
  }
  for (size_t i = going.size(); i-- > 0;) {
    size_t at = going[i];
    if (running && threads_[at].joinable()) threads_[at].join();
    workers_.erase(workers_.begin() + static_cast<long>(at));
    if (running) threads_.erase(threads_.begin() + static_cast<long>(at));
  }

  // Then their successors, and the new jobs, start.
  for (auto& w : fresh) {
    if (running) threads_.emplace_back([worker = w.get()] { worker->run(); });
    workers_.push_back(std::move(w));
  }
  return result;
}

int run_until_stop_signal(Applier& applier, const std::function<void()>& every_interval) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  applier.start();
  const auto interval_s = std::chrono::duration_cast<std::chrono::seconds>(kSupervisorInterval);
  const auto interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(kSupervisorInterval - interval_s);
  timespec timeout{static_cast<time_t>(interval_s.count()), static_cast<long>(interval_ns.count())};
  int sig = 0;
  for (;;) {
    int got = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (got == SIGINT || got == SIGTERM) {
      sig = got;
      break;
    }
    if (got < 0 && errno != EAGAIN && errno != EINTR) continue;
    if (!every_interval) continue;
    try {
      every_interval();
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
  }
  applier.stop();
  applier.wait();
  return sig;
}

}  // namespace wb::applier

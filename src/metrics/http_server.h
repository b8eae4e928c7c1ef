// The applier's HTTP endpoints (cpp-httplib), on --metrics-addr:
//   GET /metrics      Prometheus text format (registry.h)
//   GET /healthz      200 while the process runs
//   GET /readyz       200 when Redis and every target are reachable, else 503 with the reasons
//   GET /api/status   the latest status snapshot as JSON (status_json.h); ?history=N limits the
//                     history points per job
//   GET /             the dashboard page (dashboard_page.h)
// Served by a small thread pool of its own; nothing here touches the workers.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "metrics/listen_address.h"
#include "metrics/registry.h"
#include "metrics/status_sampler.h"

namespace httplib {
class Server;
}

namespace wb::metrics {

class MetricsServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MetricsServer {
 public:
  static constexpr size_t kThreads = 4;
  static constexpr size_t kMaxHistoryPoints = 100000;

  // sampler may be null: /api/status then answers 503 and /readyz is ready as long as the process runs.
  MetricsServer(Registry& registry, StatusSampler* sampler);
  ~MetricsServer();  // stop()
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and starts serving on its own thread. Throws MetricsServerError when the address cannot
  // be bound. Returns the bound address (with the real port when port 0 was asked for).
  ListenAddress start(const ListenAddress& address);
  void stop();

 private:
  Registry& registry_;
  StatusSampler* sampler_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace wb::metrics

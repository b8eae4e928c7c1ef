// The metrics/status HTTP server (see http_server.h).
#include "metrics/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "metrics/dashboard_page.h"
#include "metrics/prometheus_text.h"
#include "metrics/status_json.h"

namespace wb::metrics {
namespace {

constexpr std::chrono::milliseconds kStopRetry{10};
constexpr time_t kKeepAliveSeconds = 5;

size_t history_limit(const httplib::Request& req) {
  if (!req.has_param("history")) return MetricsServer::kMaxHistoryPoints;
  std::string v = req.get_param_value("history");
  size_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return MetricsServer::kMaxHistoryPoints;
  return n;
}

}  // namespace

MetricsServer::MetricsServer(Registry& registry, StatusSampler* sampler) : registry_(registry), sampler_(sampler) {}

MetricsServer::~MetricsServer() { stop(); }

ListenAddress MetricsServer::start(const ListenAddress& address) {
  server_ = std::make_unique<httplib::Server>();
  httplib::Server& svr = *server_;
  svr.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  svr.set_keep_alive_timeout(kKeepAliveSeconds);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second applier bind
  // the same port and answer half of the scrapes.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_.render(), std::string(kPrometheusContentType).c_str());
  });
  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  svr.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    std::string why;
    bool ready = sampler_ == nullptr || sampler_->ready(&why);
    res.status = ready ? 200 : 503;
    res.set_content(ready ? std::string("ready\n") : why, "text/plain");
  });
  svr.Get("/api/status", [this](const httplib::Request& req, httplib::Response& res) {
    auto snap = sampler_ != nullptr ? sampler_->snapshot() : nullptr;
    if (!snap) {
      res.status = 503;
      res.set_content(R"({"error":"no status sample yet"})", "application/json");
      return;
    }
    bool ready = sampler_->ready(nullptr);
    res.set_header("Cache-Control", "no-store");
    res.set_content(status_to_json(*snap, ready, history_limit(req)).dump(), "application/json");
  });
  auto page = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::string(kDashboardHtml), "text/html; charset=utf-8");
  };
  svr.Get("/", page);
  svr.Get("/index.html", page);
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::warn("metrics server: {} {}: {}", req.method, req.path, what);
    res.status = 500;
    res.set_content("internal error\n", "text/plain");
  });

  ListenAddress bound = address;
  if (address.port == 0) {
    bound.port = svr.bind_to_any_port(address.host);
    if (bound.port <= 0) throw MetricsServerError("cannot listen on " + address.host + ": no free port");
  } else if (!svr.bind_to_port(address.host, address.port)) {
    throw MetricsServerError("cannot listen on " + address.to_string() + ": address in use or not local");
  }
  finished_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    finished_ = true;
  });
  return bound;
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  // stop() only takes effect once the listening loop runs: repeat until it has ended.
  while (!finished_) {
    server_->stop();
    std::this_thread::sleep_for(kStopRetry);
  }
  thread_.join();
  server_.reset();
}

}  // namespace wb::metrics

// The metrics HTTP server against a real Redis and real targets: /metrics, /healthz, /readyz
// (ready only when Redis and every target answer), /api/status from the sampler, the dashboard
// page (self-contained), the sampler's gauges and heartbeat, and a bad address.
#include "metrics/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "harness/process.h"
#include "harness/redis_server.h"
#include "metrics/applier_metrics.h"
#include "metrics/instance_registry.h"
#include "metrics/ops_keys.h"
#include "metrics/process_metrics.h"
#include "metrics/status_sampler.h"
#include "metrics/target_prober.h"

using namespace wb::metrics;
using nlohmann::json;

namespace {

wb::sink::ConnectionSettings sqlite_target(const std::string& path) {
  wb::sink::ConnectionSettings s;
  s.type = "sqlite";
  s.database = path;
  return s;
}

wb::sink::ConnectionSettings dead_postgres() {
  wb::sink::ConnectionSettings s;
  s.type = "postgresql";
  s.host = "127.0.0.1";
  s.port = wbtest::free_port();  // nothing listens there
  s.database = "postgres";
  s.user = "postgres";
  s.connect_timeout = std::chrono::seconds(1);
  return s;
}

struct Fixture {
  wbtest::RedisServer redis{[] {
    wbtest::RedisOptions o;
    o.load_module = false;
    return o;
  }()};
  wbtest::TempDir dir{"wbmetrics"};
  Registry registry;
  ApplierMetrics metrics{registry};
  TargetProber prober{"test-instance", &metrics, std::chrono::milliseconds(100)};
  std::unique_ptr<StatusSampler> sampler;
  std::unique_ptr<MetricsServer> http;
  ListenAddress bound;

  // Targets: an SQLite file in dir, and a PostgreSQL where nothing listens when asked.
  explicit Fixture(bool with_dead_postgres = false) {
    std::map<std::string, wb::sink::ConnectionSettings> targets{{"lite", sqlite_target(dir.file("t.db"))}};
    if (with_dead_postgres) targets["pg"] = dead_postgres();
    register_process_metrics(registry);
    SamplerOptions so;
    so.redis = wb::RedisEndpoint::parse(redis.url());
    so.instance_id = "test-instance";
    so.metrics_address = "127.0.0.1:0";
    so.interval = std::chrono::milliseconds(100);
    sampler = std::make_unique<StatusSampler>(so, &metrics, &prober);
    std::vector<std::string> names;
    for (const auto& [n, s] : targets) names.push_back(n);
    sampler->set_jobs({JobRef{"events", "app:events", names}}, "abc123");
    prober.set_targets(targets);
    prober.start();
    sampler->start();
    http = std::make_unique<MetricsServer>(registry, sampler.get());
    bound = http->start(ListenAddress{"127.0.0.1", 0});
  }
  ~Fixture() {
    http->stop();
    sampler->stop();
    prober.stop();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", bound.port);
    c.set_read_timeout(5, 0);
    return c;
  }
};

}  // namespace

TEST(MetricsServer, ServesMetricsStatusAndThePage) {
  Fixture f;
  auto redis = f.redis.client();
  for (int i = 0; i < 4; ++i) redis.command({"XADD", "app:events", "*", "user", std::to_string(i)});
  redis.command({"XADD", dlq_key("wb:", "events"), "*", "error", "bad <b>value</b>", "output", "lite.t", "time",
                 "2024-01-01T00:00:00.000Z", "entry_id", "1-1", "user", "9"});
  f.metrics.batch_acknowledged("events", BatchCounts{4, 0, 0, 0, 1}, 5, 0.01);

  auto c = f.client();
  ASSERT_TRUE(wbtest::wait_until([&] {
    auto r = c.Get("/api/status");
    if (!r || r->status != 200) return false;
    json s = json::parse(r->body);
    return s["jobs"][0]["backlog"] == 4 && s["jobs"][0]["dead_letters"] == 1 && !s["targets"].empty();
  }));

  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(m->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m->body.find("writebehind_incoming_entries_total{job=\"events\",operation=\"inserted\"} 4\n"),
            std::string::npos);
  EXPECT_NE(m->body.find("writebehind_incoming_entries_total{job=\"events\",operation=\"rejected\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m->body.find("writebehind_stream_length{job=\"events\"} 4\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("writebehind_dead_letter_length{job=\"events\"} 1\n"), std::string::npos);
  EXPECT_NE(m->body.find("writebehind_target_up{connection=\"lite\"} 1\n"), std::string::npos);
  EXPECT_NE(m->body.find("writebehind_redis_up 1\n"), std::string::npos);
  EXPECT_NE(m->body.find("process_resident_memory_bytes "), std::string::npos);
  // The lag gauge is the age of the first undelivered entry (no group yet): positive.
  std::smatch lag;
  ASSERT_TRUE(std::regex_search(m->body, lag, std::regex("writebehind_lag_milliseconds\\{job=\"events\"\\} (\\d+)")));

  auto h = c.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;

  auto st = c.Get("/api/status?history=2");
  ASSERT_TRUE(st);
  json s = json::parse(st->body);
  EXPECT_EQ(s["instance"], "test-instance");
  EXPECT_EQ(s["pipeline_checksum"], "abc123");
  EXPECT_TRUE(s["redis"]["reachable"].get<bool>());
  EXPECT_TRUE(s["ready"].get<bool>());
  const json& job = s["jobs"][0];
  EXPECT_EQ(job["name"], "events");
  EXPECT_EQ(job["state"], "running");
  EXPECT_EQ(job["stream"], "app:events");
  EXPECT_EQ(job["latest_rejected"][0]["error"], "bad <b>value</b>");
  EXPECT_LE(job["history"].size(), 2u);
  EXPECT_GE(job["history"].size(), 1u);
  EXPECT_EQ(job["history"].back()["backlog"], 4);
  EXPECT_EQ(s["targets"][0]["name"], "lite");
  EXPECT_EQ(s["targets"][0]["type"], "sqlite");
  EXPECT_TRUE(s["targets"][0]["reachable"].get<bool>());

  // The heartbeat and the target state are in Redis for `writebehind status`.
  wb::RedisConnection conn(wb::RedisEndpoint::parse(f.redis.url()));
  auto instances = read_instances(conn, "wb:", redis_time_ms(conn));
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].id, "test-instance");
  EXPECT_EQ(instances[0].jobs[0].name, "events");
  EXPECT_TRUE(read_target_states(conn, "wb:")["lite"].reachable);

  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(page->body.find("/api/status"), std::string::npos);
  // Self-contained: nothing is loaded from elsewhere (the SVG namespace is a name, not a request).
  std::regex external(R"((src|href)\s*=\s*["']?(https?:)?//)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(page->body, external));
  EXPECT_EQ(page->body.find("@import"), std::string::npos);
  EXPECT_EQ(page->body.find("<link"), std::string::npos);
  EXPECT_EQ(page->body.find("<script src"), std::string::npos);

  EXPECT_EQ(c.Get("/nope")->status, 404);

  // Stopping the sampler removes the heartbeat.
  f.http->stop();
  f.sampler->stop();
  EXPECT_TRUE(read_instances(conn, "wb:", redis_time_ms(conn)).empty());
}

TEST(MetricsServer, NotReadyWhileATargetIsUnreachable) {
  Fixture f(/*with_dead_postgres=*/true);
  auto c = f.client();
  ASSERT_TRUE(wbtest::wait_until([&] {
    auto r = c.Get("/api/status");
    return r && r->status == 200 && json::parse(r->body)["targets"].size() == 2;
  }));
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("target pg not reachable"), std::string::npos) << ready->body;
  EXPECT_EQ(ready->body.find("lite"), std::string::npos) << ready->body;
  auto m = c.Get("/metrics");
  EXPECT_NE(m->body.find("writebehind_target_up{connection=\"pg\"} 0\n"), std::string::npos);
  EXPECT_EQ(c.Get("/healthz")->status, 200);  // alive all the same
}

TEST(MetricsServer, NotReadyWithoutRedis) {
  Fixture f;
  auto c = f.client();
  ASSERT_TRUE(wbtest::wait_until([&] { return c.Get("/readyz")->status == 200; }));
  f.redis.stop();
  ASSERT_TRUE(wbtest::wait_until([&] { return c.Get("/readyz")->status == 503; }));
  EXPECT_NE(c.Get("/readyz")->body.find("Redis not reachable"), std::string::npos);
  EXPECT_NE(c.Get("/metrics")->body.find("writebehind_redis_up 0\n"), std::string::npos);
  f.redis.start();
  EXPECT_TRUE(wbtest::wait_until([&] { return c.Get("/readyz")->status == 200; }));
}

TEST(MetricsServer, AddressInUse) {
  Registry r;
  MetricsServer first(r, nullptr);
  ListenAddress a = first.start(ListenAddress{"127.0.0.1", 0});
  MetricsServer second(r, nullptr);
  EXPECT_THROW(second.start(a), MetricsServerError);
  httplib::Client c("127.0.0.1", a.port);
  EXPECT_EQ(c.Get("/readyz")->status, 200);  // no sampler: ready while the process runs
  EXPECT_EQ(c.Get("/api/status")->status, 503);
}

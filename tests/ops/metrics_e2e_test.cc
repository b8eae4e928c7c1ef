// `writebehind run` scraped after an exact workload: /metrics counts equal the job's counters in
// Redis (what `writebehind status` shows) and the rows in the SQLite target; /api/status agrees;
// every metric the Grafana dashboard uses is exported; logs are JSON lines without secrets.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "ops_fixture.h"

using namespace wbtest;
using nlohmann::json;

namespace {

const char* kEmpJob =
    "source:\n  redis:\n    key_pattern: emp:*\n"
    "transform:\n  - uses: filter\n    with:\n      language: sql\n      expression: status <> 'skip'\n"
    "output:\n  - uses: relational.write\n    with:\n      connection: target\n      table: emp\n"
    "      keys: [id]\n      mapping: [id, name, status]\n";

}  // namespace

TEST(MetricsEndToEnd, ScrapeAfterAnExactWorkload) {
  RedisServer redis;
  RedisClient c = redis.client();
  TempDir dir("wb_ops_metrics");
  const std::string db = dir.file("target.db");
  sqlite_query(db, "CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT CHECK (length(name) <= 10), status TEXT)");
  write_files(dir.path(), {{"config.yaml", sqlite_config(db)}, {"jobs/emp.yaml", kEmpJob}});
  auto deploy = run_cli({"deploy", "--dir", dir.path(), "--redis", redis.url()});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.describe();

  ApplierProcess applier(redis, dir.file("run.log"));
  // The workload, with exact expectations per operation (counted by op code, before coalescing):
  for (int i = 1; i <= 40; ++i) {  // 40 inserted
    c.command(
        {"HSET", "emp:" + std::to_string(i), "id", std::to_string(i), "name", "n" + std::to_string(i), "status", "ok"});
  }
  for (int i = 41; i <= 50; ++i) {  // 10 inserted, then filtered
    c.command({"HSET", "emp:" + std::to_string(i), "id", std::to_string(i), "name", "s", "status", "skip"});
  }
  for (int i = 1; i <= 15; ++i)
    c.command({"HSET", "emp:" + std::to_string(i), "name", "m" + std::to_string(i)});  // 15 updated
  for (int i = 36; i <= 40; ++i) c.command({"DEL", "emp:" + std::to_string(i)});       // 5 deleted
  for (int i = 51; i <= 53; ++i) {  // 3 inserted, then rejected by the CHECK constraint
    c.command(
        {"HSET", "emp:" + std::to_string(i), "id", std::to_string(i), "name", "far-too-long-a-name", "status", "ok"});
  }
  const int kEntries = 40 + 10 + 15 + 5 + 3;
  ASSERT_TRUE(wait_drained(c, "emp")) << applier.log();

  // The gauges come from the sampler (once a second): wait until it has seen the drained state.
  std::string metrics;
  ASSERT_TRUE(wait_until(
      [&] {
        metrics = applier.get("/metrics").second;
        return prom_sample(metrics, "writebehind_stream_length{job=\"emp\"}") == 0 &&
               prom_sample(metrics, "writebehind_dead_letter_length{job=\"emp\"}") == 3;
      },
      std::chrono::seconds(10)))
      << metrics;

  auto series = [&](const std::string& op) {
    return prom_sample(metrics, "writebehind_incoming_entries_total{job=\"emp\",operation=\"" + op + "\"}");
  };
  EXPECT_EQ(series("inserted"), 53);
  EXPECT_EQ(series("updated"), 15);
  EXPECT_EQ(series("deleted"), 5);
  EXPECT_EQ(series("filtered"), 10);
  EXPECT_EQ(series("rejected"), 3);
  // Exactly the counters status shows (the hash updated with each acknowledgement).
  for (const char* op : {"inserted", "updated", "deleted", "filtered", "rejected"}) {
    Reply v = c.command({"HGET", "wb:stats:emp", op});
    EXPECT_EQ(series(op), std::stod(v.str)) << op;
  }
  EXPECT_EQ(prom_sample(metrics, "writebehind_batch_size_sum{job=\"emp\"}"),
            kEntries);  // every entry acknowledged once
  EXPECT_EQ(prom_sample(metrics, "writebehind_batch_size_count{job=\"emp\"}"),
            prom_sample(metrics, "writebehind_batch_duration_seconds_count{job=\"emp\"}"));
  EXPECT_GE(prom_sample(metrics, "writebehind_target_errors_total{job=\"emp\",kind=\"data\"}"), 1);
  EXPECT_EQ(prom_sample(metrics, "writebehind_target_errors_total{job=\"emp\",kind=\"transient\"}"), 0);
  EXPECT_EQ(prom_sample(metrics, "writebehind_retries_total{job=\"emp\"}"), 0);
  EXPECT_EQ(prom_sample(metrics, "writebehind_pending_entries{job=\"emp\"}"), 0);
  EXPECT_EQ(prom_sample(metrics, "writebehind_lag_milliseconds{job=\"emp\"}"), 0);
  EXPECT_EQ(prom_sample(metrics, "writebehind_job_paused{job=\"emp\"}"), 0);
  EXPECT_EQ(prom_sample(metrics, "writebehind_target_up{connection=\"target\"}"), 1);
  EXPECT_EQ(prom_sample(metrics, "writebehind_redis_up"), 1);
  EXPECT_GT(prom_sample(metrics, "process_resident_memory_bytes"), 0);
  EXPECT_NE(metrics.find("writebehind_build_info{version=\""), std::string::npos);

  // The rows in the target: keys 1..35 (36..40 deleted, 41..50 filtered, 51..53 rejected).
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp"), 35);
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp WHERE name LIKE 'm%'"), 15);
  EXPECT_EQ(sqlite_count(db, "SELECT min(id) FROM emp"), 1);
  EXPECT_EQ(sqlite_count(db, "SELECT max(id) FROM emp"), 35);
  EXPECT_EQ(series("inserted") - series("deleted") - series("filtered") - series("rejected"),
            sqlite_count(db, "SELECT count(*) FROM emp"));

  // /api/status says the same.
  json s = applier.status();
  const json* emp = applier.job_status(s, "emp");
  ASSERT_NE(emp, nullptr) << s.dump();
  EXPECT_EQ((*emp)["counters"],
            json({{"inserted", 53}, {"updated", 15}, {"deleted", 5}, {"filtered", 10}, {"rejected", 3}}));
  EXPECT_EQ((*emp)["backlog"], 0);
  EXPECT_EQ((*emp)["pending"], 0);
  EXPECT_EQ((*emp)["lag_ms"], 0);
  EXPECT_EQ((*emp)["dead_letters"], 3);
  EXPECT_EQ((*emp)["state"], "running");
  ASSERT_EQ((*emp)["latest_rejected"].size(), 3u);
  EXPECT_NE((*emp)["latest_rejected"][0]["error"].get<std::string>().find("CHECK constraint failed"), std::string::npos)
      << (*emp)["latest_rejected"].dump();
  EXPECT_EQ((*emp)["latest_rejected"][0]["key"], "emp:53");
  EXPECT_TRUE(s["ready"].get<bool>());
  EXPECT_EQ(applier.get("/readyz").first, 200);

  // And `writebehind status`, from the outside.
  auto st = run_cli({"status", "--redis", redis.url()});
  ASSERT_EQ(st.exit_code, 0) << st.describe();
  std::string row;
  for (const auto& l : lines_of(st.out)) {
    if (l.starts_with("emp ")) row = l;
  }
  std::istringstream cells_in(row);
  std::vector<std::string> cells{std::istream_iterator<std::string>(cells_in), {}};
  ASSERT_GE(cells.size(), 11u) << st.out;
  EXPECT_EQ(std::vector<std::string>(cells.begin() + 1, cells.begin() + 9),
            (std::vector<std::string>{"running", "53", "15", "5", "10", "3", "0", "0"}))
      << st.out;
  EXPECT_NE(st.out.find("Engine  running: 1 applier"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("target  sqlite  yes"), std::string::npos) << st.out;

  // Every metric the shipped Grafana dashboard queries exists.
  std::string dashboard = read_text_file(source_dir() + "/examples/grafana/writebehind.json");
  ASSERT_FALSE(dashboard.empty());
  EXPECT_TRUE(json::parse(dashboard, nullptr, false).is_object());  // valid JSON
  std::set<std::string> used;
  std::regex name(R"(\b((writebehind|process)_[a-z_]+))");
  for (auto it = std::sregex_iterator(dashboard.begin(), dashboard.end(), name); it != std::sregex_iterator(); ++it) {
    used.insert((*it)[1]);
  }
  ASSERT_GE(used.size(), 10u);
  for (std::string m : used) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (m.ends_with(suffix) &&
          metrics.find("# TYPE " + m.substr(0, m.size() - std::strlen(suffix)) + " histogram") != std::string::npos) {
        m = m.substr(0, m.size() - std::strlen(suffix));
      }
    }
    EXPECT_NE(metrics.find("# TYPE " + m + " "), std::string::npos)
        << m << " is used by the dashboard but not exported";
  }

  EXPECT_EQ(applier.stop(), 0);
  std::string log = applier.log();
  // Rejections are summarized per batch: never one line per record.
  size_t reject_lines = 0;
  for (const auto& l : lines_of(log)) reject_lines += l.find("rejected") != std::string::npos ? 1 : 0;
  EXPECT_GE(reject_lines, 1u) << log;
  EXPECT_LE(reject_lines, 3u) << log;
  EXPECT_NE(log.find("SIGTERM received"), std::string::npos) << log;
}

TEST(MetricsEndToEnd, JsonLogsCarryNoSecrets) {
  const std::string password = "s3cr3t-Pa55word";
  RedisServer redis;
  RedisClient c = redis.client();
  ASSERT_FALSE(c.command({"CONFIG", "SET", "requirepass", password}).is_error());  // c stays authenticated
  const std::string url = "redis://:" + password + "@127.0.0.1:" + std::to_string(redis.port());
  TempDir dir("wb_ops_logs");
  const std::string db = dir.file("target.db");
  sqlite_query(db, "CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT, status TEXT)");
  write_files(dir.path(), {{"config.yaml", sqlite_config(db)}, {"jobs/emp.yaml", kEmpJob}});
  ASSERT_EQ(run_cli({"deploy", "--dir", dir.path(), "--redis", url}).exit_code, 0);

  const std::string log_file = dir.file("run.log");
  int port = free_port();
  ProcessOptions po;
  po.log_file = log_file;
  Process run({cli_path(), "run", "--redis", url, "--metrics-addr", "127.0.0.1:" + std::to_string(port), "--log-format",
               "json", "--log-level", "debug"},
              po);
  for (int i = 0; i < 20; ++i) c.command({"HSET", "emp:" + std::to_string(i), "id", std::to_string(i), "status", "ok"});
  ASSERT_TRUE(wait_until([&] { return sqlite_count(db, "SELECT count(*) FROM emp") == 20; }, std::chrono::seconds(20)))
      << read_text_file(log_file);
  EXPECT_EQ(exit_code(run.stop(SIGINT)), 0);

  std::string log = read_text_file(log_file);
  EXPECT_EQ(log.find(password), std::string::npos) << log;
  auto lines = lines_of(log);
  ASSERT_GE(lines.size(), 3u) << log;
  bool started = false, stopped = false;
  for (const auto& l : lines) {
    json entry = json::parse(l, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << "not a JSON line: " << l;
    EXPECT_TRUE(entry.contains("time") && entry.contains("level") && entry.contains("message")) << l;
    EXPECT_TRUE(
        std::regex_match(entry["time"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << l;
    std::string m = entry["message"];
    started = started || m.starts_with("writebehind run: 1 job(s)");
    stopped = stopped || m.find("SIGINT received") != std::string::npos;
  }
  EXPECT_TRUE(started && stopped) << log;
  EXPECT_NE(log.find("redis://:****@127.0.0.1"), std::string::npos) << log;

  // Bad options are usage errors.
  EXPECT_EQ(run_cli({"run", "--redis", url, "--log-level", "loud"}).exit_code, 2);
  EXPECT_EQ(run_cli({"run", "--redis", url, "--log-format", "xml"}).exit_code, 2);
  auto bad_addr = run_cli({"run", "--redis", url, "--metrics-addr", "nowhere"});
  EXPECT_EQ(bad_addr.exit_code, 2);
  EXPECT_NE(bad_addr.err.find("invalid metrics address 'nowhere'"), std::string::npos) << bad_addr.err;
}

// Live redeploy under load, with a model check: while writers keep changing emp:* keys (UPSERT),
// appending ev:* events (APPEND) and writing other:* keys, the pipeline is redeployed twice — v2
// changes the emp job (a new column) and adds the job `other`, v3 removes `other`. The running
// applier follows without a restart; afterwards the emp table equals Redis's final state, every
// event is in the APPEND table exactly once, and unchanged jobs were never restarted.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "ops_fixture.h"

using namespace wbtest;
using nlohmann::json;

namespace {

const char* kEmpV1 =
    "source:\n  redis:\n    key_pattern: emp:*\noutput:\n  - uses: relational.write\n    with:\n"
    "      connection: target\n      table: emp\n      keys: [id]\n      mapping: [id, name]\n";
const char* kEmpV2 =
    "source:\n  redis:\n    key_pattern: emp:*\noutput:\n  - uses: relational.write\n    with:\n"
    "      connection: target\n      table: emp\n      keys: [id]\n      mapping: [id, name, {tag: name}]\n";
const char* kEv =
    "source:\n  redis:\n    key_pattern: ev:*\noutput:\n  - uses: relational.write\n    with:\n"
    "      connection: target\n      table: ev\n      mapping: [seq, val]\n";
const char* kOther =
    "source:\n  redis:\n    key_pattern: other:*\noutput:\n  - uses: relational.write\n    with:\n"
    "      connection: target\n      table: other\n      keys: [id]\n      mapping: [id, v]\n";

constexpr int kEmpKeys = 300;

}  // namespace

TEST(RedeployEndToEnd, FollowsDeploysUnderLoadWithoutLosingOrDuplicating) {
  RedisServer redis;
  RedisClient c = redis.client();
  TempDir dir("wb_ops_redeploy");
  const std::string db = dir.file("target.db");
  sqlite_query(db, "CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT, tag TEXT)");
  sqlite_query(db, "CREATE TABLE ev (seq INTEGER, val TEXT)");
  sqlite_query(db, "CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT)");
  const std::string config = sqlite_config(db, "  read_batch_size: 50\n  write_batch_size: 50\n");
  auto deploy = [&](std::map<std::string, std::string> files) {
    std::filesystem::remove_all(dir.file("pipeline"));
    files["config.yaml"] = config;
    write_files(dir.file("pipeline"), files);
    auto r = run_cli({"deploy", "--dir", dir.file("pipeline"), "--redis", redis.url()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  };
  deploy({{"jobs/emp.yaml", kEmpV1}, {"jobs/ev.yaml", kEv}});
  ApplierProcess applier(redis, dir.file("run.log"));

  std::atomic<bool> done{false};
  std::atomic<int> events{0};
  std::thread writer([&] {
    RedisClient w = redis.client();
    std::mt19937 rng(42);
    int rev = 0;
    while (!done) {
      for (int i = 0; i < 20; ++i) {
        int k = static_cast<int>(rng() % kEmpKeys);
        const std::string key = "emp:" + std::to_string(k);
        if (rng() % 10 == 0) {
          w.command({"DEL", key});
        } else {
          w.command({"HSET", key, "id", std::to_string(k), "name", "r" + std::to_string(++rev)});
        }
        int n = ++events;
        w.command({"HSET", "ev:" + std::to_string(n), "seq", std::to_string(n), "val", "x"});
        w.command({"HSET", "other:" + std::to_string(k % 50), "id", std::to_string(k % 50), "v", std::to_string(rev)});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  deploy({{"jobs/emp.yaml", kEmpV2}, {"jobs/ev.yaml", kEv}, {"jobs/other.yaml", kOther}});
  ASSERT_TRUE(
      wait_until([&] { return applier.log().find("started: other") != std::string::npos; }, std::chrono::seconds(10)))
      << applier.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  deploy({{"jobs/emp.yaml", kEmpV2}, {"jobs/ev.yaml", kEv}});
  ASSERT_TRUE(
      wait_until([&] { return applier.log().find("stopped: other") != std::string::npos; }, std::chrono::seconds(10)))
      << applier.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  done = true;
  writer.join();
  // One more write per key under the final definition (tag is written from now on).
  for (int k = 0; k < 10; ++k)
    c.command({"HSET", "emp:" + std::to_string(k), "id", std::to_string(k), "name", "final"});
  ASSERT_TRUE(wait_drained(c, "emp")) << applier.log();
  ASSERT_TRUE(wait_drained(c, "ev")) << applier.log();

  // emp equals Redis's final state.
  std::map<std::string, std::string> expected;
  for (int k = 0; k < kEmpKeys; ++k) {
    Reply name = c.command({"HGET", "emp:" + std::to_string(k), "name"});
    if (!name.is_nil()) expected[std::to_string(k)] = name.str;
  }
  std::map<std::string, std::string> actual;
  for (const auto& row : sqlite_query(db, "SELECT id, name FROM emp")) actual[row[0]] = row[1];
  EXPECT_EQ(actual, expected);
  // The new definition writes tag; every tag written is the row's name; the final writes have it.
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp WHERE tag IS NOT NULL AND tag <> name"), 0);
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp WHERE name = 'final' AND tag = 'final'"), 10);
  // Every event exactly once: no loss, no duplicate APPEND row across the worker swaps.
  const int n = events.load();
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM ev"), n);
  EXPECT_EQ(sqlite_count(db, "SELECT count(DISTINCT seq) FROM ev"), n);
  EXPECT_EQ(sqlite_count(db, "SELECT min(seq) FROM ev"), 1);
  EXPECT_EQ(sqlite_count(db, "SELECT max(seq) FROM ev"), n);
  // The job `other` ran between v2 and v3.
  EXPECT_GT(sqlite_count(db, "SELECT count(*) FROM other"), 0);

  const std::string log = applier.log();
  EXPECT_NE(log.find("replaced: emp; started: other; stopped: -"), std::string::npos) << log;
  EXPECT_NE(log.find("replaced: -; started: -; stopped: other"), std::string::npos) << log;
  json s = applier.status();
  std::vector<std::string> jobs;
  for (const auto& j : s["jobs"]) jobs.push_back(j["name"]);
  EXPECT_EQ(jobs, (std::vector<std::string>{"emp", "ev"}));
  Reply checksum = c.command({"HGET", "wb:pipeline", "@checksum"});
  EXPECT_EQ(s["pipeline_checksum"], checksum.str);
  EXPECT_EQ(applier.stop(), 0);
}

TEST(RedeployEndToEnd, APipelineThatCannotRunIsRefusedAndTheOldOneKeepsRunning) {
  RedisServer redis;
  RedisClient c = redis.client();
  TempDir dir("wb_ops_redeploy_bad");
  const std::string db = dir.file("target.db");
  sqlite_query(db, "CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT, tag TEXT)");
  write_files(dir.file("p1"), {{"config.yaml", sqlite_config(db)}, {"jobs/emp.yaml", kEmpV1}});
  ASSERT_EQ(run_cli({"deploy", "--dir", dir.file("p1"), "--redis", redis.url()}).exit_code, 0);
  ApplierProcess applier(redis, dir.file("run.log"));

  // A pipeline whose secret is not set in the applier's environment deploys, but cannot run.
  write_files(
      dir.file("p2"),
      {{"config.yaml", "connections:\n  target:\n    type: sqlite\n    database: ${env:WB_OPS_TEST_UNSET_SECRET}\n"},
       {"jobs/emp.yaml", kEmpV2}});
  auto d = run_cli({"deploy", "--dir", dir.file("p2"), "--redis", redis.url()});
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  ASSERT_TRUE(wait_until([&] { return applier.log().find("still running the previous") != std::string::npos; },
                         std::chrono::seconds(10)))
      << applier.log();
  c.command({"HSET", "emp:1", "id", "1", "name", "Ann"});
  ASSERT_TRUE(wait_until([&] { return sqlite_count(db, "SELECT count(*) FROM emp WHERE name = 'Ann'") == 1; }))
      << applier.log();
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp WHERE tag IS NOT NULL"), 0);  // still v1
  EXPECT_EQ(applier.stop(), 0);
  // Refused once, not every second.
  const std::string log = applier.log();
  size_t refusals = 0;
  for (size_t at = log.find("still running the previous"); at != std::string::npos;
       at = log.find("still running the previous", at + 1)) {
    ++refusals;
  }
  EXPECT_EQ(refusals, 1u) << log;
}

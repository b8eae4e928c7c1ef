// stop/start with writes during the pause, with two appliers running the job: once `writebehind
// stop --job` returned and a second passed, nothing of the job is applied by either (capture goes
// on, the backlog grows); after `start` everything is applied.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops_fixture.h"

using namespace wbtest;
using nlohmann::json;

TEST(PauseEndToEnd, NothingAppliedWhilePausedEverythingAfterStart) {
  RedisServer redis;
  RedisClient c = redis.client();
  TempDir dir("wb_ops_pause");
  const std::string db = dir.file("target.db");
  sqlite_query(db, "CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT)");
  write_files(dir.path(),
              {{"config.yaml", sqlite_config(db)},
               {"jobs/emp.yaml",
                "source:\n  redis:\n    key_pattern: emp:*\noutput:\n  - uses: relational.write\n    with:\n"
                "      connection: target\n      table: emp\n      keys: [id]\n      mapping: [id, name]\n"}});
  ASSERT_EQ(run_cli({"deploy", "--dir", dir.path(), "--redis", redis.url()}).exit_code, 0);
  ApplierProcess a(redis, dir.file("a.log"), {"--instance-id", "a"});
  ApplierProcess b(redis, dir.file("b.log"), {"--instance-id", "b"});

  auto hset = [&](int i, const std::string& name) {
    c.command({"HSET", "emp:" + std::to_string(i), "id", std::to_string(i), "name", name});
  };
  for (int i = 1; i <= 10; ++i) hset(i, "before");
  ASSERT_TRUE(wait_until([&] { return sqlite_count(db, "SELECT count(*) FROM emp") == 10; })) << a.log() << b.log();

  auto stop = run_cli({"stop", "--job", "emp", "--redis", redis.url()});
  ASSERT_EQ(stop.exit_code, 0) << stop.describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // seen by every applier within a second
  const std::string inserted_before = c.command({"HGET", "wb:stats:emp", "inserted"}).str;
  for (int i = 11; i <= 30; ++i) hset(i, "during");
  for (int i = 1; i <= 5; ++i) hset(i, "during");

  // Two seconds later: nothing applied, the backlog waits in the stream.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp"), 10);
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp WHERE name = 'during'"), 0);
  EXPECT_EQ(c.command({"HGET", "wb:stats:emp", "inserted"}).str, inserted_before);
  const std::string stream = c.command({"WB.STREAM", "emp"}).str;
  EXPECT_EQ(c.command({"XPENDING", stream, "writebehind"}).elements[0].integer, 0);
  // Not delivered to anyone: the 25 entries written during the pause. (The stream may still hold a
  // few acknowledged entries of the other applier until the next acknowledgement trims them.)
  Reply groups = c.command({"XINFO", "GROUPS", stream});
  std::string last_delivered;
  for (size_t i = 0; i + 1 < groups.elements[0].elements.size(); i += 2) {
    if (groups.elements[0].elements[i].str == "last-delivered-id")
      last_delivered = groups.elements[0].elements[i + 1].str;
  }
  EXPECT_EQ(c.command({"XRANGE", stream, "(" + last_delivered, "+"}).elements.size(), 25u);
  EXPECT_GE(c.command({"XLEN", stream}).integer, 25);

  for (ApplierProcess* p : {&a, &b}) {
    json s = p->status();
    const json* emp = p->job_status(s, "emp");
    ASSERT_NE(emp, nullptr);
    EXPECT_EQ((*emp)["state"], "paused");
    EXPECT_TRUE((*emp)["paused"].get<bool>());
    EXPECT_GE((*emp)["backlog"].get<int64_t>(), 25);
    EXPECT_GT((*emp)["lag_ms"].get<int64_t>(), 1500);  // the oldest entry waits since the pause
    EXPECT_EQ(prom_sample(p->get("/metrics").second, "writebehind_job_paused{job=\"emp\"}"), 1);
  }
  auto st = run_cli({"status", "--redis", redis.url()});
  EXPECT_NE(st.out.find("emp  paused "), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("Engine  running: 2 appliers"), std::string::npos) << st.out;

  auto start = run_cli({"start", "--job", "emp", "--redis", redis.url()});
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  ASSERT_TRUE(wait_drained(c, "emp")) << a.log() << b.log();
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp"), 30);
  EXPECT_EQ(sqlite_count(db, "SELECT count(*) FROM emp WHERE name = 'during'"), 25);
  EXPECT_EQ(c.command({"HGET", "wb:stats:emp", "inserted"}).str, "30");
  EXPECT_EQ(c.command({"HGET", "wb:stats:emp", "updated"}).str, "5");
  EXPECT_TRUE(
      wait_until([&] { return prom_sample(a.get("/metrics").second, "writebehind_job_paused{job=\"emp\"}") == 0; }));

  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
  for (const std::string& log : {a.log(), b.log()}) {
    EXPECT_NE(log.find("job emp: paused (writebehind stop)"), std::string::npos) << log;
    EXPECT_NE(log.find("job emp: resumed (writebehind start)"), std::string::npos) << log;
  }
}

// The dead-letter round trip against PostgreSQL: a value too long for varchar(5) is rejected (the
// rest of its batch is applied), get-rejected shows it with the database's error, the column is
// widened, replay-rejected puts it back, and the row arrives; nothing stays in the dead-letter stream.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/postgres_server.h"
#include "ops_fixture.h"

using namespace wbtest;
using nlohmann::json;

TEST(ReplayEndToEnd, RejectedValueReplayedAfterTheColumnIsWidened) {
  PostgresServer& pg = shared_postgres();
  pg.create_database("wb_replay");
  pg.query("CREATE TABLE emp (id integer PRIMARY KEY, name varchar(5))", "wb_replay");
  RedisServer redis;
  RedisClient c = redis.client();
  TempDir dir("wb_ops_replay");
  write_files(dir.path(),
              {{"config.yaml", "connections:\n  pg:\n    type: postgresql\n    host: 127.0.0.1\n    port: " +
                                   std::to_string(pg.port()) +
                                   "\n    database: wb_replay\n    user: postgres\n"
                                   "applier:\n  duration: 20\n  on_failed_retry_interval: 1\n"},
               {"jobs/emp.yaml",
                "source:\n  redis:\n    key_pattern: emp:*\noutput:\n  - uses: relational.write\n    with:\n"
                "      connection: pg\n      table: emp\n      keys: [id]\n      mapping: [id, name]\n"}});
  auto deploy = run_cli({"deploy", "--dir", dir.path(), "--redis", redis.url()});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.describe();
  ApplierProcess applier(redis, dir.file("run.log"));

  c.command({"MULTI"});
  c.command({"HSET", "emp:1", "id", "1", "name", "Ann"});
  c.command({"HSET", "emp:2", "id", "2", "name", "Alexander"});
  c.command({"HSET", "emp:3", "id", "3", "name", "Bob"});
  c.command({"EXEC"});
  ASSERT_TRUE(wait_drained(c, "emp")) << applier.log();
  EXPECT_EQ(pg.query("SELECT id, name FROM emp ORDER BY id", "wb_replay"),
            (std::vector<std::vector<std::string>>{{"1", "Ann"}, {"3", "Bob"}}));

  auto rejected = run_cli({"get-rejected", "--job", "emp", "--json", "--redis", redis.url()});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.describe();
  json letters = json::parse(rejected.out);
  ASSERT_EQ(letters.size(), 1u) << letters.dump();
  EXPECT_EQ(letters[0]["key"], "emp:2");
  EXPECT_EQ(letters[0]["record"], json({{"id", "2"}, {"name", "Alexander"}}));
  EXPECT_NE(letters[0]["error"].get<std::string>().find("value too long for type character varying(5)"),
            std::string::npos)
      << letters[0]["error"];
  EXPECT_EQ(letters[0]["output"], "pg.emp");
  auto text = run_cli({"get-rejected", "--redis", redis.url()});
  EXPECT_NE(text.out.find("  record: {\"id\":\"2\",\"name\":\"Alexander\"}"), std::string::npos) << text.out;

  pg.query("ALTER TABLE emp ALTER COLUMN name TYPE varchar(50)", "wb_replay");
  auto replay = run_cli({"replay-rejected", "--job", "emp", "--id", letters[0]["id"], "--redis", redis.url()});
  ASSERT_EQ(replay.exit_code, 0) << replay.describe();
  ASSERT_TRUE(wait_until([&] { return pg.query("SELECT count(*) FROM emp", "wb_replay")[0][0] == "3"; },
                         std::chrono::seconds(20)))
      << applier.log();
  EXPECT_EQ(pg.query("SELECT id, name FROM emp ORDER BY id", "wb_replay"),
            (std::vector<std::vector<std::string>>{{"1", "Ann"}, {"2", "Alexander"}, {"3", "Bob"}}));
  EXPECT_EQ(c.command({"XLEN", "wb:dlq:emp"}).integer, 0);
  EXPECT_EQ(run_cli({"get-rejected", "--job", "emp", "--redis", redis.url()}).out, "no rejected entries for job emp\n");

  // The replayed entry is counted when it is applied: 3 captured + 1 replayed inserts, 1 rejection.
  ASSERT_TRUE(wait_drained(c, "emp"));
  EXPECT_EQ(c.command({"HGET", "wb:stats:emp", "inserted"}).str, "4");
  EXPECT_EQ(c.command({"HGET", "wb:stats:emp", "rejected"}).str, "1");
  std::string metrics;
  ASSERT_TRUE(wait_until([&] {
    metrics = applier.get("/metrics").second;
    return prom_sample(metrics, "writebehind_dead_letter_length{job=\"emp\"}") == 0;
  }));
  EXPECT_EQ(prom_sample(metrics, "writebehind_incoming_entries_total{job=\"emp\",operation=\"inserted\"}"), 4);
  EXPECT_EQ(prom_sample(metrics, "writebehind_incoming_entries_total{job=\"emp\",operation=\"rejected\"}"), 1);
  EXPECT_GE(prom_sample(metrics, "writebehind_target_errors_total{job=\"emp\",kind=\"data\"}"), 1);
  EXPECT_EQ(prom_sample(metrics, "writebehind_target_up{connection=\"pg\"}"), 1) << metrics;
  EXPECT_EQ(applier.stop(), 0);
}

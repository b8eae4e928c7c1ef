// Pipelines end to end through an applier process (applier_runner = `writebehind run --dir`), with
// real captures by the module: the RDI quickstart job (rename_field after.country -> after.my_country,
// composite keys, deletes) into SQLite, and the seed use case — the application's own event stream
// appended to a table without keys, each event exactly once across graceful restarts.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "applier_fixture.h"
#include "harness/process.h"

using namespace wbtest;
using Rows = std::vector<std::vector<std::string>>;

namespace {

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_.file("jobs")); }

  void write(const std::string& file, const std::string& text) { std::ofstream(dir_.file(file)) << text; }

  std::unique_ptr<Process> start_runner(const std::string& instance) {
    ProcessOptions po;
    po.log_file = dir_.file("runner.log");
    return std::make_unique<Process>(
        std::vector<std::string>{WB_APPLIER_RUNNER, "--redis", redis_.url(), "--dir", dir_.path(), "--instance-id", instance},
        po);
  }

  void stop_runner(std::unique_ptr<Process>& runner) {
    runner->signal(SIGTERM);
    EXPECT_EQ(exit_code(runner->wait()), 0) << log();
    runner.reset();
  }

  std::string log() { return tail_of(read_text_file(dir_.file("runner.log"))); }
  Rows rows(const std::string& sql) { return sqlite_rows(db_, sql); }

  RedisServer redis_;  // with the module
  RedisClient c_ = redis_.client();
  TempDir dir_{"wbtest-pipeline"};
  std::string db_ = dir_.file("target.db");
};

}  // namespace

TEST_F(PipelineTest, QuickstartJobWithRenameFieldIntoSqlite) {
  write("config.yaml", "connections:\n  target:\n    type: sqlite\n    database: target.db\n"
                       "applier:\n  duration: 20\n  on_failed_retry_interval: 1\n");
  // The RDI quickstart job as RDI users write it (data_only + after.country), pointed at SQLite.
  write("jobs/emp.yaml",
        "source:\n  keyspace:\n    pattern: emp:*\n    exclude-commands: [\"json.del\"]\n"
        "transform:\n  - uses: rename_field\n    with:\n      from_field: after.country\n      to_field: after.my_country\n"
        "output:\n  - uses: relational.write\n    with:\n      connection: target\n      schema: public\n      table: emp\n"
        "      keys:\n        - first_name\n        - last_name\n"
        "      mapping:\n        - first_name\n        - last_name\n        - address\n        - gender\n        - my_country\n");
  rows("CREATE TABLE emp (first_name TEXT, last_name TEXT, address TEXT, gender TEXT, my_country TEXT,"
       " PRIMARY KEY (first_name, last_name))");
  ASSERT_EQ(c_.command({"WB.JOB.SET", "emp", "PATTERN", "emp:*", "EXCLUDE", "json.del"}).str, "OK");

  auto runner = start_runner("quickstart");
  c_.command({"HSET", "emp:1", "first_name", "Ann", "last_name", "Lee", "address", "Main St 1", "gender", "F", "country", "NL"});
  c_.command({"HSET", "emp:2", "first_name", "Bo", "last_name", "Kim", "address", "Side St 2", "gender", "M", "country", "SE"});
  c_.command({"HSET", "emp:3", "first_name", "Cy", "last_name", "Fox", "country", "DE"});
  c_.command({"HSET", "emp:1", "last_name", "Smith"});  // key columns change: the old row goes
  c_.command({"DEL", "emp:2"});
  bool applied = wait_until([&] {
    return rows("SELECT count(*) FROM emp")[0][0] == "2" && c_.command({"XLEN", "wb:stream:emp"}).integer == 0;
  });
  EXPECT_TRUE(applied) << log();
  stop_runner(runner);
  EXPECT_EQ(rows("SELECT first_name, last_name, address, gender, my_country FROM emp ORDER BY first_name"),
            (Rows{{"Ann", "Smith", "Main St 1", "F", "NL"}, {"Cy", "Fox", "NULL", "NULL", "DE"}}));
  EXPECT_EQ(hget(c_, "wb:stats:emp", "inserted"), "3");
  EXPECT_EQ(hget(c_, "wb:stats:emp", "updated"), "1");
  EXPECT_EQ(hget(c_, "wb:stats:emp", "deleted"), "1");
}

TEST_F(PipelineTest, UserActionsAreAppendedExactlyOnceAcrossRestarts) {
  // The shared example, its SQLite file inside the pipeline directory.
  std::string example = shared_dir() + "/examples/user-actions";
  std::filesystem::copy(example + "/config.yaml", dir_.file("config.yaml"));
  std::filesystem::copy(example + "/jobs/user_action.yaml", dir_.file("jobs/user_action.yaml"));
  db_ = dir_.file("user_events.db");
  rows("CREATE TABLE user_actions (user_id TEXT, action TEXT, ts TEXT)");

  int sent = 0;
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i, ++sent) {
      c_.command({"XADD", "stream:user_action", "*", "user_id", "u" + std::to_string(sent % 7), "action",
                  sent % 2 ? "login" : "logout", "ts", std::to_string(1735725600 + sent)});
    }
  };
  send(50);
  auto runner = start_runner("events");
  for (int restart = 0; restart < 3; ++restart) {
    send(100);
    EXPECT_TRUE(wait_until([&] { return rows("SELECT count(*) FROM user_actions")[0][0] == std::to_string(sent); }))
        << log();
    stop_runner(runner);  // graceful: the batch in flight is finished and acknowledged
    send(20);             // written while no applier runs
    runner = start_runner("events");
  }
  EXPECT_TRUE(wait_until([&] { return rows("SELECT count(*) FROM user_actions")[0][0] == std::to_string(sent); }));
  stop_runner(runner);
  EXPECT_EQ(rows("SELECT count(*), count(DISTINCT ts) FROM user_actions"),
            (Rows{{std::to_string(sent), std::to_string(sent)}}));  // each event exactly once
  EXPECT_EQ(c_.command({"XLEN", "stream:user_action"}).integer, sent);  // the app's stream is never trimmed
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), std::to_string(sent));
}

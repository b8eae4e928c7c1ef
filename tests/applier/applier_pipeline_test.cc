// Pipelines end to end through an applier process (applier_runner = `writebehind run --dir`), with
// real captures by the module: the RDI quickstart job (rename_field after.country -> after.my_country,
// composite keys, deletes) into SQLite, and the seed use case — the application's own event stream
// appended to a table without keys, each event exactly once across graceful restarts, across
// SIGKILLs at random moments while events keep coming, and across a SIGKILL exactly between the
// target commit and the acknowledgement (PostgreSQL target, the ack held by CLIENT PAUSE WRITE).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "applier_fixture.h"
#include "harness/postgres_server.h"
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

  // True while a connection of the instance is inside MULTI (x) and blocked (b): its EXEC waits
  // for CLIENT PAUSE WRITE to end.
  bool ack_held(const std::string& instance) {
    std::string list = c_.command({"CLIENT", "LIST", "TYPE", "normal"}).str;
    std::istringstream lines(list);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" name=writebehind:" + instance + " ") == std::string::npos) continue;
      auto flags = line.substr(line.find(" flags=") + 7);
      flags = flags.substr(0, flags.find(' '));
      if (flags.find('x') != std::string::npos && flags.find('b') != std::string::npos) return true;
    }
    return false;
  }
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

TEST_F(PipelineTest, UserActionsAreAppendedExactlyOnceAcrossRandomKills) {
  // The shared example while the application keeps sending events; the applier is SIGKILLed at
  // random moments (often in the middle of a batch: between reads, commits and acks) and
  // restarted, sometimes under its own instance id (its own pending entries), sometimes under a
  // new one (the dead consumer's entries are claimed).
  // The example's transactions of 500 are cut to 25, so that a batch spends most of its time
  // between its first commit and its ack, where a kill tests the progress rows.
  constexpr int kKills = 12;
  constexpr int kBurst = 20;  // events per XADD pipeline
  std::string example = shared_dir() + "/examples/user-actions";
  std::string config = read_text_file(example + "/config.yaml");
  const std::string batch_line = "write_batch_size: 500";
  ASSERT_NE(config.find(batch_line), std::string::npos) << config;
  write("config.yaml", config.replace(config.find(batch_line), batch_line.size(), "write_batch_size: 25"));
  std::filesystem::copy(example + "/jobs/user_action.yaml", dir_.file("jobs/user_action.yaml"));
  db_ = dir_.file("user_events.db");
  rows("CREATE TABLE user_actions (user_id TEXT, action TEXT, ts TEXT)");

  std::atomic<bool> sending{true};
  std::atomic<int> sent{0};
  std::thread app([&] {
    RedisClient c = redis_.client();
    while (sending.load()) {
      int first = sent.load();
      for (int i = first; i < first + kBurst; ++i) {
        c.append({"XADD", "stream:user_action", "*", "user_id", "u" + std::to_string(i % 7), "action", "login", "ts",
                  std::to_string(i)});
      }
      for (int i = 0; i < kBurst; ++i) c.read_reply();
      sent.store(first + kBurst);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  std::mt19937 rng(20261122);
  std::string instance = "events";
  for (int kill = 0; kill < kKills; ++kill) {
    auto runner = start_runner(instance);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 900)(rng)));
    runner->signal(SIGKILL);
    EXPECT_EQ(exit_code(runner->wait()), 128 + SIGKILL);
    if (kill % 3 == 1) instance = "events-" + std::to_string(kill);  // a new instance takes over
  }
  sending.store(false);
  app.join();
  const std::string total = std::to_string(sent.load());
  auto runner = start_runner(instance);
  // Connected (so its stop signals are handled: the work may all be done already).
  EXPECT_TRUE(wait_until([&] {
    return c_.command({"CLIENT", "LIST"}).str.find(" name=writebehind:" + instance + " ") != std::string::npos;
  }));
  EXPECT_TRUE(wait_until(
      [&] {
        return rows("SELECT count(*) FROM user_actions")[0][0] == total &&
               c_.command({"XPENDING", "stream:user_action", "writebehind"}).elements[0].integer == 0;
      },
      std::chrono::seconds(60)))
      << rows("SELECT count(*) FROM user_actions")[0][0] << " of " << total << "\n" << log();
  stop_runner(runner);
  // How often a kill came between a commit and its ack (the runner's log accumulates over restarts).
  std::string runner_log = read_text_file(dir_.file("runner.log"));
  size_t recovered = 0;
  for (size_t p = runner_log.find("read again after a crash"); p != std::string::npos;
       p = runner_log.find("read again after a crash", p + 1)) {
    ++recovered;
  }
  RecordProperty("events", total);
  RecordProperty("batches_committed_but_not_acked_at_a_kill", static_cast<int>(recovered));
  EXPECT_EQ(rows("SELECT count(*), count(DISTINCT ts) FROM user_actions"), (Rows{{total, total}}));  // each once
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), total);
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:user_action"}).integer, 0);
}

TEST_F(PipelineTest, KilledExactlyBetweenCommitAndAckIntoPostgres) {
  // Deterministic, without a test hook in the product: a statement trigger makes the insert take a
  // second; once the batch is read (pending), CLIENT PAUSE WRITE holds every write command — the
  // ack's MULTI/EXEC waits (its connection shows in MULTI and blocked), while PostgreSQL commits the
  // rows. Then SIGKILL: the rows are committed, the entries not acknowledged.
  PostgresServer& pg = shared_postgres();
  pg.create_database("events");
  pg.query("CREATE TABLE user_actions (user_id text, action text, ts text);"
           "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS"
           " $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;"
           "CREATE TRIGGER slow AFTER INSERT ON user_actions FOR EACH STATEMENT EXECUTE FUNCTION slow_insert()",
           "events");
  write("config.yaml", "connections:\n  events-db:\n    type: postgresql\n    host: 127.0.0.1\n    port: " +
                           std::to_string(pg.port()) +
                           "\n    database: events\n    user: postgres\n    password: \"\"\n"
                           "applier:\n  read_batch_size: 500\n  write_batch_size: 500\n  duration: 100\n");
  std::filesystem::copy(shared_dir() + "/examples/user-actions/jobs/user_action.yaml", dir_.file("jobs/user_action.yaml"));
  const int kEvents = 50;
  std::vector<std::string> ids;
  for (int i = 0; i < kEvents; ++i) {
    ids.push_back(c_.command({"XADD", "stream:user_action", "*", "user_id", "u", "action", "login", "ts", std::to_string(i)}).str);
  }
  auto pending = [&] {
    Reply r = c_.command({"XPENDING", "stream:user_action", "writebehind"});
    return r.is_error() ? -1 : r.elements[0].integer;  // -1: the group does not exist yet
  };
  auto count = [&] { return pg.query("SELECT count(*), count(DISTINCT ts) FROM user_actions", "events"); };
  auto runner = start_runner("events");
  ASSERT_TRUE(wait_until([&] { return pending() == kEvents; })) << log();
  ASSERT_EQ(c_.command({"CLIENT", "PAUSE", "30000", "WRITE"}).str, "OK");
  EXPECT_EQ(count(), (Rows{{"0", "0"}}));  // the insert is still sleeping in its trigger
  EXPECT_TRUE(wait_until([&] { return count() == Rows{{std::to_string(kEvents), std::to_string(kEvents)}}; })) << log();
  EXPECT_TRUE(wait_until([&] { return ack_held("events"); })) << c_.command({"CLIENT", "LIST"}).str;
  runner->signal(SIGKILL);
  EXPECT_EQ(exit_code(runner->wait()), 128 + SIGKILL);
  c_.command({"CLIENT", "UNPAUSE"});
  // The EXEC of a client that died while paused never runs: committed, not acknowledged.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(pending(), kEvents);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "(nil)");
  EXPECT_EQ(pg.query("SELECT consumer, batch_first_id, committed_id FROM writebehind_progress WHERE job = 'user_action'",
                     "events"),
            (Rows{{"events", ids.front(), ids.back()}}));

  runner = start_runner("events");
  EXPECT_TRUE(wait_until([&] { return pending() == 0; })) << log();
  stop_runner(runner);
  EXPECT_EQ(count(), (Rows{{std::to_string(kEvents), std::to_string(kEvents)}}));  // exactly once
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), std::to_string(kEvents));
}

TEST_F(PipelineTest, KilledWithTwoKeyedBatchesCommittedAndNeitherAcknowledged) {
  // A keyed job acknowledges a batch while it writes the next (job_worker.h): killed then, two
  // batches are committed and unacknowledged. Made deterministic as above: every insert statement
  // sleeps a second; while the first batch is written (the second read ahead, the third requested:
  // all three pending), CLIENT PAUSE WRITE holds the first batch's ack, and the second commits
  // meanwhile. Both are read again after the
  // restart and re-applied in order (the first brings its older rows back for a moment: no key
  // tracking was acknowledged), then the third; the key columns come from a field (tracked) and
  // change in each batch, so the tracking must come out right too.
  PostgresServer& pg = shared_postgres();
  pg.create_database("twobatches");
  pg.query("CREATE TABLE emp (id text PRIMARY KEY, name text);"
           "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS"
           " $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;"
           "CREATE TRIGGER slow AFTER INSERT ON emp FOR EACH STATEMENT EXECUTE FUNCTION slow_insert()",
           "twobatches");
  write("config.yaml", "connections:\n  db:\n    type: postgresql\n    host: 127.0.0.1\n    port: " +
                           std::to_string(pg.port()) +
                           "\n    database: twobatches\n    user: postgres\n    password: \"\"\n"
                           "applier:\n  read_batch_size: 2\n  duration: 100\n");
  write("jobs/emp.yaml", "source:\n  redis:\n    key_pattern: emp:*\n"
                         "output:\n  - uses: relational.write\n    with:\n      connection: db\n      table: emp\n"
                         "      keys:\n        - id\n      mapping:\n        - name\n");
  ASSERT_EQ(c_.command({"WB.JOB.SET", "emp", "PATTERN", "emp:*"}).str, "OK");
  c_.command({"HSET", "emp:1", "id", "1", "name", "a"});  // batch 1
  c_.command({"HSET", "emp:2", "id", "10", "name", "b"});
  c_.command({"HSET", "emp:1", "id", "2"});  // batch 2: emp:1's row moves from 1 to 2
  c_.command({"HSET", "emp:2", "name", "c"});
  c_.command({"HSET", "emp:1", "id", "3"});  // batch 3: and from 2 to 3; emp:2's row goes
  c_.command({"DEL", "emp:2"});
  auto pending = [&] {
    Reply r = c_.command({"XPENDING", "wb:stream:emp", "writebehind"});
    return r.is_error() ? -1 : r.elements[0].integer;
  };
  auto table = [&] { return pg.query("SELECT id, name FROM emp ORDER BY id", "twobatches"); };
  const Rows final_rows{{"3", "a"}};

  auto runner = start_runner("two");
  ASSERT_TRUE(wait_until([&] { return pending() == 6; })) << log();  // batch 1 in its trigger, 2 and 3 read
  ASSERT_EQ(c_.command({"CLIENT", "PAUSE", "30000", "WRITE"}).str, "OK");
  const Rows after_batch_2{{"10", "c"}, {"2", "a"}};
  EXPECT_TRUE(wait_until([&] { return table() == after_batch_2; })) << ::testing::PrintToString(table()) << log();
  EXPECT_TRUE(wait_until([&] { return ack_held("two"); })) << c_.command({"CLIENT", "LIST"}).str;
  runner->signal(SIGKILL);
  EXPECT_EQ(exit_code(runner->wait()), 128 + SIGKILL);
  c_.command({"CLIENT", "UNPAUSE"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(pending(), 6);  // batches 1 and 2 committed, 3 read: none acknowledged
  EXPECT_EQ(table(), after_batch_2);
  EXPECT_EQ(c_.command({"EXISTS", "wb:keys:emp:db.emp"}).integer, 0);  // no tracking acknowledged
  EXPECT_EQ(hget(c_, "wb:stats:emp", "inserted"), "(nil)");

  runner = start_runner("two");
  EXPECT_TRUE(wait_until([&] { return pending() == 0; }, std::chrono::seconds(30))) << log();
  stop_runner(runner);
  EXPECT_EQ(table(), final_rows);
  EXPECT_EQ(hget(c_, "wb:keys:emp:db.emp", "emp:1"), "[\"3\"]");
  EXPECT_EQ(hget(c_, "wb:keys:emp:db.emp", "emp:2"), "(nil)");
  EXPECT_EQ(hget(c_, "wb:stats:emp", "inserted"), "2");
  EXPECT_EQ(hget(c_, "wb:stats:emp", "updated"), "3");
  EXPECT_EQ(hget(c_, "wb:stats:emp", "deleted"), "1");
}

// The applier end to end into SQLite (no server needed for the target), from entries XADDed in the
// module's format to a real redis-server: mapping, coalescing, deletes and key changes through key
// tracking, counters, dead letters, outages, schema errors, crashes around commit, stop, threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "applier/applier.h"
#include "applier_fixture.h"
#include "harness/process.h"

using namespace wbtest;
using namespace wb::applier;
using Rows = std::vector<std::vector<std::string>>;

namespace {

constexpr const char* kStream = "wb:stream:users";

class SqliteApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = dir_.file("target.db");
    sqlite_rows(db_path_, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT CHECK (length(name) <= 8), city TEXT)");
  }

  JobPlan users_job() const {
    JobPlan job;
    job.name = "users";
    job.stream = kStream;
    OutputPlan out;
    out.name = "db.users";
    out.connection = "db";
    out.table = {"", "users"};
    out.keys = {{"id", "id"}};
    out.mapping = {{"name", "name"}, {"city", "address.city"}};
    out.strategy = LoadStrategy::Upsert;
    job.outputs.push_back(out);
    return job;
  }

  SinkFactory sqlite_sinks(CrashingSink::When* crash = nullptr) const {
    std::string path = db_path_;
    return [path, crash](const std::string&) -> std::unique_ptr<wb::sink::Sink> {
      wb::sink::ConnectionSettings s;
      s.type = "sqlite";
      s.database = path;
      s.busy_timeout = std::chrono::seconds(1);
      auto real = wb::sink::make_sink(s);
      if (crash == nullptr) return real;
      return std::make_unique<CrashingSink>(std::move(real), crash);
    };
  }

  Rows table() const { return sqlite_rows(db_path_, "SELECT id, name, city FROM users ORDER BY id"); }

  RedisServer redis_{plain_redis()};
  RedisClient c_ = redis_.client();
  TempDir dir_{"wbtest-applier"};
  std::string db_path_;
};

}  // namespace

TEST_F(SqliteApplierTest, AppliesCreatesUpdatesAndDeletes) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann", "address", "x"});
  add_entry(c_, kStream, "user:2", "c", "string", {"value", R"({"id": 2, "name": "Bo", "address": {"city": "Oslo"}})"}, "set");
  add_hash(c_, kStream, "user:3", {"id", "3", "name", "Cy"});
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  EXPECT_EQ(drain(w, c_, kStream), 3u);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "NULL"}, {"2", "Bo", "Oslo"}, {"3", "Cy", "NULL"}}));

  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Anna"}, "u");
  add_delete(c_, kStream, "user:3");
  EXPECT_EQ(drain(w, c_, kStream), 2u);
  EXPECT_EQ(table(), (Rows{{"1", "Anna", "NULL"}, {"2", "Bo", "Oslo"}}));

  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), "3");
  EXPECT_EQ(hget(c_, "wb:stats:users", "updated"), "1");
  EXPECT_EQ(hget(c_, "wb:stats:users", "deleted"), "1");
  EXPECT_EQ(hget(c_, "wb:keys:users:db.users", "user:1"), R"(["1"])");
  EXPECT_EQ(hget(c_, "wb:keys:users:db.users", "user:3"), "(nil)");
  EXPECT_EQ(c_.command({"XLEN", kStream}).integer, 0);  // applied and trimmed
}

TEST_F(SqliteApplierTest, CoalescesAKeysChangesButCountsEveryEntry) {
  for (int i = 0; i < 50; ++i) add_hash(c_, kStream, "user:1", {"id", "1", "name", "v" + std::to_string(i)}, i ? "u" : "c");
  add_delete(c_, kStream, "user:2");  // never written: nothing to delete
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  EXPECT_EQ(drain(w, c_, kStream), 51u);
  EXPECT_EQ(table(), (Rows{{"1", "v49", "NULL"}}));
  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), "1");
  EXPECT_EQ(hget(c_, "wb:stats:users", "updated"), "49");
  EXPECT_EQ(hget(c_, "wb:stats:users", "deleted"), "1");
}

TEST_F(SqliteApplierTest, DeleteThenRecreateInOneBatchEndsCreated) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "old"});
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  drain(w, c_, kStream);
  add_delete(c_, kStream, "user:1");
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "new"});
  drain(w, c_, kStream);
  EXPECT_EQ(table(), (Rows{{"1", "new", "NULL"}}));
}

TEST_F(SqliteApplierTest, KeyChangeAndDeleteFollowTrackingAcrossWorkers) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  {
    JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
    drain(w, c_, kStream);
  }
  // A new worker (as after a restart) knows what user:1 wrote only through Redis.
  add_hash(c_, kStream, "user:1", {"id", "10", "name", "Ann"}, "u");
  {
    JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
    drain(w, c_, kStream);
    EXPECT_EQ(table(), (Rows{{"10", "Ann", "NULL"}}));
  }
  add_delete(c_, kStream, "user:1");
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  drain(w, c_, kStream);
  EXPECT_TRUE(table().empty());
}

TEST_F(SqliteApplierTest, RenameOverAnExistingKeyRemovesItsRow) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "one"});
  add_hash(c_, kStream, "user:2", {"id", "2", "name", "two"});
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  drain(w, c_, kStream);
  // RENAME user:1 user:2 as the module captures it.
  add_entry(c_, kStream, "user:1", "d", "none", {}, "rename_from");
  add_entry(c_, kStream, "user:2", "u", "hash", {"id", "1", "name", "one"}, "rename_to");
  drain(w, c_, kStream);
  EXPECT_EQ(table(), (Rows{{"1", "one", "NULL"}}));
  EXPECT_EQ(hget(c_, "wb:keys:users:db.users", "user:2"), R"(["1"])");
  EXPECT_EQ(hget(c_, "wb:keys:users:db.users", "user:1"), "(nil)");
}

TEST_F(SqliteApplierTest, PoisonRecordsGoToTheDeadLetterStreamAndTheRestIsApplied) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 9; ++i) {
    std::string name = i == 4 || i == 7 ? "much-too-long-name" : "n" + std::to_string(i);
    ids.push_back(add_hash(c_, kStream, "user:" + std::to_string(i), {"id", std::to_string(i), "name", name}));
  }
  add_hash(c_, kStream, "user:bad", {"name", "no id"});      // cannot be mapped: no key value
  add_entry(c_, kStream, "user:x", "c", "json", {"value", "{broken"}, "json.set");  // cannot be decoded
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  EXPECT_EQ(drain(w, c_, kStream), 11u);
  Rows rows = table();
  ASSERT_EQ(rows.size(), 7u);
  for (const auto& r : rows) EXPECT_TRUE(r[0] != "4" && r[0] != "7") << r[0];
  EXPECT_EQ(hget(c_, "wb:stats:users", "rejected"), "4");

  Reply dlq = c_.command({"XRANGE", "wb:dlq:users", "-", "+"});
  ASSERT_EQ(dlq.elements.size(), 4u) << dlq.to_string();
  std::vector<std::string> poison;
  for (const auto& e : dlq.elements) {
    const auto& f = e.elements[1].elements;
    ASSERT_GE(f.size(), 8u);
    EXPECT_EQ(f[0].str, "error");
    EXPECT_EQ(f[2].str, "output");
    EXPECT_EQ(f[4].str, "time");
    EXPECT_EQ(f[6].str, "entry_id");
    EXPECT_EQ(f[8].str, "key");  // then the original entry
    if (f[9].str == "user:4" || f[9].str == "user:7") {
      EXPECT_NE(f[1].str.find("CHECK"), std::string::npos) << f[1].str;
      EXPECT_EQ(f[3].str, "db.users");
      poison.push_back(f[7].str);
    }
  }
  EXPECT_EQ(poison, (std::vector<std::string>{ids[3], ids[6]}));
  EXPECT_EQ(c_.command({"XPENDING", kStream, "writebehind"}).elements[0].integer, 0);
}

TEST_F(SqliteApplierTest, ErrorHandlingIgnoreDropsAndCounts) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "much-too-long-name"});
  add_hash(c_, kStream, "user:2", {"id", "2", "name", "ok"});
  auto settings = test_settings(redis_);
  settings.error_handling = ErrorHandling::Ignore;
  JobWorker w(users_job(), settings, sqlite_sinks());
  drain(w, c_, kStream);
  EXPECT_EQ(table(), (Rows{{"2", "ok", "NULL"}}));
  EXPECT_EQ(hget(c_, "wb:stats:users", "rejected"), "1");
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:users"}).integer, 0);
}

TEST_F(SqliteApplierTest, SmallWriteBatchesCommitInOrder) {
  for (int i = 0; i < 40; ++i) add_hash(c_, kStream, "user:" + std::to_string(i % 10), {"id", std::to_string(i % 10), "name", "r" + std::to_string(i)});
  auto settings = test_settings(redis_);
  settings.read_batch_size = 25;
  settings.write_batch_size = 3;
  JobWorker w(users_job(), settings, sqlite_sinks());
  drain(w, c_, kStream);
  Rows rows = table();
  ASSERT_EQ(rows.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rows[i][1], "r" + std::to_string(30 + i));
}

TEST_F(SqliteApplierTest, CrashAfterCommitReappliesHarmlesslyAndCountsOnce) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  add_hash(c_, kStream, "user:2", {"id", "2", "name", "Bo"});
  CrashingSink::When crash = CrashingSink::When::AfterCommit;
  {
    JobWorker w(users_job(), test_settings(redis_), sqlite_sinks(&crash));
    EXPECT_THROW(w.run_once(), std::runtime_error);  // died between the commit and the ack
  }
  EXPECT_EQ(table().size(), 2u);
  EXPECT_EQ(c_.command({"XPENDING", kStream, "writebehind"}).elements[0].integer, 2);  // not acknowledged
  crash = CrashingSink::When::Never;
  JobWorker restarted(users_job(), test_settings(redis_), sqlite_sinks(&crash));
  EXPECT_EQ(drain(restarted, c_, kStream), 2u);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "NULL"}, {"2", "Bo", "NULL"}}));
  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), "2");
}

TEST_F(SqliteApplierTest, CrashBeforeCommitLosesNothing) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  CrashingSink::When crash = CrashingSink::When::BeforeCommit;
  {
    JobWorker w(users_job(), test_settings(redis_), sqlite_sinks(&crash));
    EXPECT_THROW(w.run_once(), std::runtime_error);
  }
  EXPECT_TRUE(table().empty());
  crash = CrashingSink::When::Never;
  JobWorker restarted(users_job(), test_settings(redis_), sqlite_sinks(&crash));
  drain(restarted, c_, kStream);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "NULL"}}));
}

TEST_F(SqliteApplierTest, LockedTargetIsRetriedUntilItIsFree) {
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(db_path_.c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "PRAGMA journal_mode=WAL; BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  size_t applied = 0;
  std::thread t([&] { applied = w.run_once(); });
  bool retrying = wait_until([&] { return hget(c_, "wb:stats:users", "state") == "retrying"; }, std::chrono::seconds(20));
  EXPECT_TRUE(retrying);
  EXPECT_EQ(c_.command({"XPENDING", kStream, "writebehind"}).elements[0].integer, 1);  // nothing acknowledged
  sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(blocker);
  t.join();
  EXPECT_EQ(applied, 1u);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "NULL"}}));
  EXPECT_EQ(hget(c_, "wb:stats:users", "state"), "running");
  EXPECT_EQ(hget(c_, "wb:stats:users", "last_error"), "(nil)");
}

TEST_F(SqliteApplierTest, MissingTableIsAnOutageNotDeadLetters) {
  sqlite_rows(db_path_, "DROP TABLE users");
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  size_t applied = 0;
  std::thread t([&] { applied = w.run_once(); });
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:users", "state") == "schema-error"; }));
  EXPECT_NE(hget(c_, "wb:stats:users", "last_error"), "(nil)");
  sqlite_rows(db_path_, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT)");
  t.join();
  EXPECT_EQ(applied, 1u);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "NULL"}}));
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:users"}).integer, 0);
}

TEST_F(SqliteApplierTest, StopDuringAnOutageLeavesTheBatchPending) {
  sqlite_rows(db_path_, "DROP TABLE users");
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  JobWorker w(users_job(), test_settings(redis_), sqlite_sinks());
  std::thread t([&] { w.run(); });
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:users", "state") == "schema-error"; }));
  auto asked = std::chrono::steady_clock::now();
  w.stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
  EXPECT_EQ(c_.command({"XPENDING", kStream, "writebehind"}).elements[0].integer, 1);
}

TEST_F(SqliteApplierTest, WithoutMappingWritesMatchingFields) {
  JobPlan job = users_job();
  job.outputs[0].mapping.clear();
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann", "city", "Rome", "extra", "ignored"});
  add_hash(c_, kStream, "user:2", {"id", "2", "NAME", "Bo"});
  JobWorker w(job, test_settings(redis_), sqlite_sinks());
  drain(w, c_, kStream);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "Rome"}, {"2", "Bo", "NULL"}}));
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"}, "u");  // HDEL city
  drain(w, c_, kStream);
  EXPECT_EQ(table(), (Rows{{"1", "Ann", "NULL"}, {"2", "Bo", "NULL"}}));
}

TEST_F(SqliteApplierTest, FullRowFormatAndTheRedisKey) {
  sqlite_rows(db_path_, "CREATE TABLE docs (rkey TEXT PRIMARY KEY, title TEXT, op TEXT)");
  JobPlan job;
  job.name = "docs";
  job.stream = "wb:stream:docs";
  job.row_format = wb::RowFormat::Full;
  OutputPlan out;
  out.name = "db.docs";
  out.connection = "db";
  out.table = {"", "docs"};
  out.keys = {{"rkey", "key.key"}};
  out.mapping = {{"title", "after.title"}, {"op", "opcode"}};
  job.outputs.push_back(out);
  add_entry(c_, "wb:stream:docs", "doc:1", "c", "json", {"value", R"({"title": "One"})"}, "json.set");
  add_entry(c_, "wb:stream:docs", "doc:2", "c", "json", {"value", R"({"title": "Two"})"}, "json.set");
  add_entry(c_, "wb:stream:docs", "doc:2", "d", "none", {}, "json.del");
  JobWorker w(job, test_settings(redis_), sqlite_sinks());
  drain(w, c_, "wb:stream:docs");
  EXPECT_EQ(sqlite_rows(db_path_, "SELECT rkey, title, op FROM docs"), (Rows{{"doc:1", "One", "c"}}));
}

TEST_F(SqliteApplierTest, AppStreamIsAppendedExactlyOnceAndNeverTrimmed) {
  sqlite_rows(db_path_, "CREATE TABLE user_actions (user_id TEXT, action TEXT, ts TEXT)");
  const JobPlan job = user_actions_job("stream:user_action");
  auto event = [&](const std::string& user, const std::string& action) {
    c_.command({"XADD", "stream:user_action", "*", "user_id", user, "action", action, "ts", "2025-01-01T10:00:00Z"});
  };
  event("u1", "login");
  event("u1", "login");  // the same event twice is two rows
  event("u2", "logout");
  {
    JobWorker w(job, test_settings(redis_), sqlite_sinks());
    drain(w, c_, "stream:user_action");
  }
  event("u3", "login");
  JobWorker restarted(job, test_settings(redis_), sqlite_sinks());
  drain(restarted, c_, "stream:user_action");
  EXPECT_EQ(sqlite_rows(db_path_, "SELECT user_id, action FROM user_actions ORDER BY rowid"),
            (Rows{{"u1", "login"}, {"u1", "login"}, {"u2", "logout"}, {"u3", "login"}}));
  EXPECT_EQ(c_.command({"XLEN", "stream:user_action"}).integer, 4);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "4");
}

TEST_F(SqliteApplierTest, ApplierRunsJobsOnThreadsAndStopsGracefully) {
  ApplierPlan plan;
  plan.settings = test_settings(redis_);
  plan.jobs.push_back(users_job());
  JobPlan other = users_job();
  other.name = "more";
  other.stream = "wb:stream:more";
  other.outputs[0].name = "db.users2";
  plan.jobs.push_back(other);
  Applier applier(plan, sqlite_sinks());
  applier.start();
  add_hash(c_, kStream, "user:1", {"id", "1", "name", "Ann"});
  add_hash(c_, "wb:stream:more", "user:2", {"id", "2", "name", "Bo"});
  EXPECT_TRUE(wait_until([&] { return table().size() == 2; }));
  auto asked = std::chrono::steady_clock::now();
  applier.stop();
  applier.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
  EXPECT_EQ(c_.command({"XPENDING", kStream, "writebehind"}).elements[0].integer, 0);
  EXPECT_EQ(c_.command({"XPENDING", "wb:stream:more", "writebehind"}).elements[0].integer, 0);
}

TEST_F(SqliteApplierTest, RedisConnectionKilledMidRunLosesNothing) {
  ApplierPlan plan;
  plan.settings = test_settings(redis_);
  plan.settings.read_batch_size = 7;
  plan.jobs.push_back(users_job());
  Applier applier(plan, sqlite_sinks());
  applier.start();
  for (int i = 0; i < 300; ++i) {
    add_hash(c_, kStream, "user:" + std::to_string(i), {"id", std::to_string(i), "name", "n" + std::to_string(i)});
    if (i % 50 == 25) c_.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  }
  EXPECT_TRUE(wait_until([&] { return table().size() == 300; }, std::chrono::seconds(30))) << table().size();
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:users", "inserted") == "300"; }));
  applier.stop();
  applier.wait();
}

// Keys that are the Redis key itself: no key tracking, and a reduced batch skips coalescing. Creates,
// updates, deletes, a delete then re-create and a rename in one batch, then more in a second batch.
TEST_F(SqliteApplierTest, KeysFromTheRedisKeyNeedNoTracking) {
  sqlite_rows(db_path_, "CREATE TABLE items (rkey TEXT PRIMARY KEY, name TEXT, city TEXT)");
  JobPlan job = one_output_job("items", "items", {{"rkey", "key.key"}}, {{"name", "name"}, {"city", "city"}});
  const std::string s = "wb:stream:items";
  add_hash(c_, s, "item:1", {"name", "a"});
  add_hash(c_, s, "item:2", {"name", "b", "city", "Oslo"});
  add_hash(c_, s, "item:1", {"name", "a2"}, "u");
  add_entry(c_, s, "item:2", "d", "none", {}, "del");
  add_hash(c_, s, "item:2", {"name", "b-again"});  // deleted then re-created in the same batch
  add_hash(c_, s, "item:3", {"name", "c"});
  add_entry(c_, s, "item:3", "d", "none", {}, "rename_from");  // RENAME item:3 item:4
  add_hash(c_, s, "item:4", {"name", "c"}, "c");
  JobWorker w(job, test_settings(redis_), sqlite_sinks());
  drain(w, c_, s);
  EXPECT_EQ(sqlite_rows(db_path_, "SELECT rkey, name, city FROM items ORDER BY rkey"),
            (Rows{{"item:1", "a2", "NULL"}, {"item:2", "b-again", "NULL"}, {"item:4", "c", "NULL"}}));
  add_entry(c_, s, "item:1", "d", "none", {}, "del");
  add_hash(c_, s, "item:4", {"name", "c", "city", "Rome"}, "u");
  drain(w, c_, s);
  EXPECT_EQ(sqlite_rows(db_path_, "SELECT rkey, name, city FROM items ORDER BY rkey"),
            (Rows{{"item:2", "b-again", "NULL"}, {"item:4", "c", "Rome"}}));
  EXPECT_EQ(c_.command({"EXISTS", "wb:keys:items:db.items"}).integer, 0);  // nothing tracked
}

// run() acknowledges each batch while it writes the next and requests the batch after that early
// (job_worker.h): over many small batches whose keys change their key columns every round (and are
// deleted and re-created), key tracking and the table must still end exactly as the model says. Few
// keys and small batches: a key comes back within the next two batches, whose tracked values were
// read ahead before the acknowledgements of the batches that changed them landed.
TEST_F(SqliteApplierTest, RunAcknowledgesBehindAcrossManyBatchesOfKeyChanges) {
  constexpr int kUsers = 6;
  constexpr int kRounds = 40;
  std::map<std::string, std::pair<std::string, std::string>> alive;  // Redis key -> (id, name)
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kUsers; ++i) {
      const std::string key = "user:" + std::to_string(i);
      if (round % 7 == 5 && i % 3 == 0) {
        add_entry(c_, kStream, key, "d", "none", {}, "del");
        alive.erase(key);
        continue;
      }
      const std::string id = std::to_string(i * 1000 + round);  // the key column moves every round
      const std::string name = "r" + std::to_string(round);
      add_hash(c_, kStream, key, {"id", id, "name", name}, alive.contains(key) ? "u" : "c");
      alive[key] = {id, name};
    }
  }
  Rows expected;
  for (const auto& [key, row] : alive) expected.push_back({row.first, row.second, "NULL"});
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return std::stoi(a[0]) < std::stoi(b[0]); });

  ApplierSettings settings = test_settings(redis_);
  settings.read_batch_size = 4;
  settings.write_batch_size = 4;
  JobWorker w(users_job(), settings, sqlite_sinks());
  std::thread t([&] { w.run(); });
  EXPECT_TRUE(wait_until([&] {
    Reply pending = c_.command({"XPENDING", kStream, "writebehind"});  // an error until the group exists
    return !pending.is_error() && pending.elements[0].integer == 0 && c_.command({"XLEN", kStream}).integer == 0;
  })) << c_.command({"XPENDING", kStream, "writebehind"}).to_string();
  w.stop();
  t.join();
  EXPECT_EQ(table(), expected);
  EXPECT_EQ(c_.command({"HLEN", "wb:keys:users:db.users"}).integer, static_cast<long long>(alive.size()));
  for (const auto& [key, row] : alive) EXPECT_EQ(hget(c_, "wb:keys:users:db.users", key), "[\"" + row.first + "\"]");
  const int deletes = (kRounds / 7 + (kRounds % 7 > 5 ? 1 : 0)) * (kUsers / 3);
  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), std::to_string(kUsers + deletes));  // first round + re-created
  EXPECT_EQ(hget(c_, "wb:stats:users", "deleted"), std::to_string(deletes));
}

// Exactly once for the outputs that are not idempotent (APPEND, TYPE2) across a crash between the
// target commit and the XACK (job_worker.h, sink.h: the progress table). A JobWorker writes into a
// real SQLite file or a real PostgreSQL database through a sink that "crashes" around its nth commit
// (CrashAtCommitSink: run_once() ends by an exception and the worker is destroyed, so its Redis
// connections close like a killed process's); a new worker — under the same instance id (its own
// pending entries) or another one (the dead consumer's entries, claimed at once) — must then write
// every record exactly once: no duplicate row, no lost row, one dead letter per poison record,
// exact counters, no duplicate TYPE2 version, correct key tracking. Also: crashes while recovering
// (a claimed batch before its first commit; a claimer dead before its row, whose predecessor has
// left the group), a batch read back in pieces (a lower read_batch_size, each piece by a process of
// its own), a batch read ahead, a trimmed first entry, a commit that succeeded but reported a lost
// connection, an outage in the middle of a batch, Redis connections killed, two targets of which the
// second fails at COMMIT, MariaDB; a keyed UPSERT job never creates the progress table, and a target
// where it cannot be created still gets every record. And stream order across a claimer's death: a
// consumer restarted under its own name with a batch read ahead still pending applies the older
// batch a successor claimed from it and left behind first (APPEND: no duplicate; keyed UPSERT: the
// newer values win).
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <sstream>

#include "applier/applier.h"
#include "applier_fixture.h"
#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"

using namespace wbtest;
using namespace wb::applier;
using Rows = std::vector<std::vector<std::string>>;

namespace {

enum class Target { Sqlite, Postgres };

constexpr const char* kEvents = "stream:user_action";  // an application's own stream
constexpr const char* kFirst = "test-instance";        // the instance that crashes
constexpr const char* kSuccessor = "successor";        // another instance that takes over
constexpr size_t kMaxDbNameChars = 40;                  // of the test name, in its database's name

// Collects what the workers log (spdlog's default logger) while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// ids[from, to).
std::vector<std::string> slice(const std::vector<std::string>& ids, size_t from, size_t to) {
  return std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(from), ids.begin() + static_cast<std::ptrdiff_t>(to));
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

class ExactlyOnceTest : public ::testing::TestWithParam<Target> {
 protected:
  void SetUp() override {
    if (pg()) {
      // A database per test (the server is shared by the tests of one process); PostgreSQL names
      // hold 63 bytes, so a number keeps them unique.
      static int databases = 0;
      db_ = "eo" + std::to_string(++databases) + "_";
      for (char ch : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, kMaxDbNameChars)) {
        db_ += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
      }
      shared_postgres().create_database(db_);
    } else {
      db_ = dir_.file("target.db");
    }
  }

  bool pg() const { return GetParam() == Target::Postgres; }

  // Rows of a query on the target, NULL as "NULL".
  Rows sql(const std::string& q) {
    if (!pg()) return sqlite_rows(db_, q);
    Rows rows = shared_postgres().query(q, db_);
    for (auto& r : rows) {
      for (auto& v : r) {
        if (v == "\\N") v = "NULL";
      }
    }
    return rows;
  }

  wb::sink::ConnectionSettings target_settings() const {
    wb::sink::ConnectionSettings s;
    if (pg()) {
      s.type = "postgresql";
      s.host = shared_postgres().host();
      s.port = shared_postgres().port();
      s.database = db_;
      s.user = shared_postgres().user();
      s.connect_timeout = std::chrono::seconds(2);
    } else {
      s.type = "sqlite";
      s.database = db_;
      s.busy_timeout = std::chrono::seconds(1);
    }
    return s;
  }

  SinkFactory sinks(CrashPlan* crash, wb::sink::ConnectionSettings s) const {
    return [s, crash](const std::string&) -> std::unique_ptr<wb::sink::Sink> {
      auto real = wb::sink::make_sink(s);
      if (crash == nullptr) return real;
      return std::make_unique<CrashAtCommitSink>(std::move(real), crash);
    };
  }
  SinkFactory sinks(CrashPlan* crash = nullptr) const { return sinks(crash, target_settings()); }

  ApplierSettings settings(const std::string& instance = kFirst, size_t read_batch = 500, size_t write_batch = 500) {
    ApplierSettings s = test_settings(redis_);
    s.instance_id = instance;
    s.read_batch_size = read_batch;
    s.write_batch_size = write_batch;
    return s;
  }

  // The user-actions example: the application XADDs events to its own stream, appended as rows.
  void create_events_table() {
    sql(pg() ? "CREATE TABLE user_actions (user_id text, action varchar(8), ts text)"
             : "CREATE TABLE user_actions (user_id TEXT, action TEXT CHECK (length(action) <= 8), ts TEXT)");
  }
 public:  // events_job() is also the job of ProgressUnavailableTest
  static JobPlan events_job() { return user_actions_job(kEvents); }
  // n more events (ts unique: e<number>); the one at index `poison` (counted over every call) has an
  // action too long for the column. Returns the ids of every event sent so far.
  const std::vector<std::string>& send_events(int n, int poison = -1) {
    for (int i = 0; i < n; ++i) {
      int k = static_cast<int>(event_ids_.size());
      std::string action = k == poison ? "far-too-long-action" : (k % 2 ? "login" : "logout");
      Reply r = c_.command({"XADD", kEvents, "*", "user_id", "u" + std::to_string(k % 7), "action", action, "ts",
                            "e" + std::to_string(k)});
      event_ids_.push_back(r.str);
    }
    return event_ids_;
  }
  // count(*) and count(DISTINCT ts) of the events table.
  Rows event_counts() { return sql("SELECT count(*), count(DISTINCT ts) FROM user_actions"); }
  static Rows counts(int rows, int distinct) { return Rows{{std::to_string(rows), std::to_string(distinct)}}; }

  Rows progress_rows(const std::string& job) {
    return sql("SELECT consumer, batch_first_id, committed_id FROM writebehind_progress WHERE job = '" + job +
               "' ORDER BY consumer");
  }
  std::string rejected_json(const std::string& job, const std::string& consumer) {
    Rows r = sql("SELECT rejected FROM writebehind_progress WHERE job = '" + job + "' AND consumer = '" + consumer + "'");
    return r.empty() ? "(no row)" : r[0][0];
  }
  bool progress_table_exists() {
    return sql(pg() ? "SELECT count(*) FROM information_schema.tables WHERE table_name = 'writebehind_progress'"
                    : "SELECT count(*) FROM sqlite_master WHERE name = 'writebehind_progress'")[0][0] != "0";
  }
  // The consumers of the events stream's group, by name.
  std::vector<std::string> consumers() {
    std::vector<std::string> names;
    Reply r = c_.command({"XINFO", "CONSUMERS", kEvents, "writebehind"});
    for (const auto& c : r.elements) {
      for (size_t i = 0; i + 1 < c.elements.size(); i += 2) {
        if (c.elements[i].str == "name") names.push_back(c.elements[i + 1].str);
      }
    }
    return names;
  }
  long long pending(const std::string& stream) {
    return c_.command({"XPENDING", stream, "writebehind"}).elements[0].integer;
  }
  // The ids pending for one consumer of stream's group, in stream order.
  std::vector<std::string> pending_ids(const std::string& stream, const std::string& consumer) {
    std::vector<std::string> ids;
    Reply r = c_.command({"XPENDING", stream, "writebehind", "-", "+", "100000", consumer});
    for (const auto& e : r.elements) ids.push_back(e.elements[0].str);
    return ids;
  }
  // Waits until no connection of `consumer` is left (the worker destroyed, as a killed process):
  // the next reader then sees it dead at once.
  bool connection_gone(const std::string& consumer) {
    return wait_until([&] { return c_.command({"CLIENT", "LIST"}).str.find("name=writebehind:" + consumer + " ") ==
                                   std::string::npos; });
  }
  // entry_id of every dead letter of job.
  std::vector<std::string> dead_letter_ids(const std::string& job) {
    std::vector<std::string> ids;
    Reply dlq = c_.command({"XRANGE", "wb:dlq:" + job, "-", "+"});
    for (const auto& e : dlq.elements) {
      const auto& f = e.elements[1].elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "entry_id") ids.push_back(f[i + 1].str);
      }
    }
    return ids;
  }

  // The events job crashes (after its `nth` data commit, with write transactions of `write_batch`
  // events) and restarts as `restart_as`; every event must then be in the table exactly once.
  // Returns the ids of the events sent.
  std::vector<std::string> crash_and_restart_events(int events, size_t write_batch, int nth, const std::string& restart_as,
                                                    int poison = -1) {
    create_events_table();
    std::vector<std::string> ids = send_events(events, poison);
    CrashPlan crash{CrashPlan::When::AfterCommit, nth};
    {
      JobWorker w(events_job(), settings(kFirst, 500, write_batch), sinks(&crash));
      EXPECT_TRUE(run_until_crash(w));
    }
    EXPECT_EQ(pending(kEvents), events);  // nothing acknowledged
    crash.when = CrashPlan::When::Never;
    JobWorker again(events_job(), settings(restart_as, 500, write_batch), sinks(&crash));
    EXPECT_EQ(drain(again, c_, kEvents), static_cast<size_t>(events));
    int rejected = poison >= 0 ? 1 : 0;
    EXPECT_EQ(event_counts(), counts(events - rejected, events - rejected));
    EXPECT_EQ(pending(kEvents), 0);
    EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), std::to_string(events));
    EXPECT_EQ(hget(c_, "wb:stats:user_action", "rejected"), rejected ? "1" : "(nil)");
    EXPECT_EQ(c_.command({"XLEN", kEvents}).integer, events);  // an application's stream is never trimmed
    return ids;
  }

  RedisServer redis_{plain_redis()};
  RedisClient c_ = redis_.client();
  TempDir dir_{"wbtest-once"};
  std::string db_;
  std::vector<std::string> event_ids_;
};

std::string target_name(const ::testing::TestParamInfo<Target>& info) {
  return info.param == Target::Sqlite ? "Sqlite" : "Postgres";
}

}  // namespace

TEST_P(ExactlyOnceTest, AppendStreamJobCrashAfterCommitRestartsAsItself) {
  create_events_table();
  const auto& ids = send_events(40);
  CrashPlan crash{CrashPlan::When::AfterCommit, 1};
  {
    JobWorker w(events_job(), settings(), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  // Committed, not acknowledged, and the progress row says so.
  EXPECT_EQ(event_counts(), counts(40, 40));
  EXPECT_EQ(pending(kEvents), 40);
  EXPECT_EQ(progress_rows("user_action"), (Rows{{kFirst, ids.front(), ids.back()}}));
  crash.when = CrashPlan::When::Never;
  JobWorker again(events_job(), settings(), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 40u);
  EXPECT_EQ(event_counts(), counts(40, 40));
  EXPECT_EQ(crash.data_commits, 1);  // the batch read again wrote nothing
  EXPECT_EQ(pending(kEvents), 0);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "40");
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:user_action"}).integer, 0);
  EXPECT_EQ(progress_rows("user_action"), (Rows{{kFirst, ids.front(), ids.back()}}));

  // Later batches go on as usual (new rows, and the row follows them).
  const auto& more = send_events(5);
  drain(again, c_, kEvents);
  EXPECT_EQ(event_counts(), counts(45, 45));
  EXPECT_EQ(progress_rows("user_action"), (Rows{{kFirst, more[40], more[44]}}));
}

TEST_P(ExactlyOnceTest, AppendStreamJobCrashAfterCommitTakenOverByAnotherInstance) {
  // The dead consumer's connection is gone: the successor claims its entries at once (with the
  // default claim_min_idle of 30 s, drain() would give up long before an idle-time claim).
  auto ids = crash_and_restart_events(40, 500, 1, kSuccessor);
  Rows rows = progress_rows("user_action");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back(), (std::vector<std::string>{kFirst, ids.front(), ids.back()}));  // the dead consumer's
}

TEST_P(ExactlyOnceTest, SeveralTransactionsPerBatchCrashAfterTheSecond) {
  create_events_table();
  const auto& ids = send_events(50);
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(20, 20));
  EXPECT_EQ(progress_rows("user_action"), (Rows{{kFirst, ids[0], ids[19]}}));
  crash.when = CrashPlan::When::Never;
  JobWorker again(events_job(), settings(kFirst, 500, 10), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 50u);
  EXPECT_EQ(event_counts(), counts(50, 50));
  EXPECT_EQ(crash.data_commits, 5);  // 2 before the crash, the 3 remaining after it
  EXPECT_EQ(pending(kEvents), 0);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "50");
  EXPECT_EQ(progress_rows("user_action"), (Rows{{kFirst, ids[0], ids[49]}}));
}

TEST_P(ExactlyOnceTest, SeveralTransactionsPerBatchTakenOverByAnotherInstance) {
  auto ids = crash_and_restart_events(50, 10, 2, kSuccessor);
  Rows rows = progress_rows("user_action");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{kSuccessor, ids[0], ids[49]}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{kFirst, ids[0], ids[19]}));
}

TEST_P(ExactlyOnceTest, PoisonRecordInTheCommittedPartIsDeadLetteredOnce) {
  // Transactions of 10: [0..9] fails on event 5 and is split: [0..4] commits, [5] is rejected,
  // [6] commits (the 2nd commit, with the rejection in the progress row) — then the crash.
  create_events_table();
  const auto& ids = send_events(30, /*poison=*/5);
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(6, 6));
  EXPECT_EQ(progress_rows("user_action"), (Rows{{kFirst, ids[0], ids[6]}}));
  EXPECT_NE(rejected_json("user_action", kFirst).find(ids[5]), std::string::npos) << rejected_json("user_action", kFirst);
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:user_action"}).integer, 0);  // dead letters go with the ack
  crash.when = CrashPlan::When::Never;
  JobWorker again(events_job(), settings(kFirst, 500, 10), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 30u);
  EXPECT_EQ(event_counts(), counts(29, 29));
  EXPECT_TRUE(sql("SELECT ts FROM user_actions WHERE ts = 'e5'").empty());
  EXPECT_EQ(dead_letter_ids("user_action"), (std::vector<std::string>{ids[5]}));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "rejected"), "1");
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "30");
  EXPECT_EQ(pending(kEvents), 0);
}

TEST_P(ExactlyOnceTest, PoisonRecordInTheCommittedPartTakenOverByAnotherInstance) {
  auto ids = crash_and_restart_events(30, 10, 2, kSuccessor, /*poison=*/5);
  EXPECT_TRUE(sql("SELECT ts FROM user_actions WHERE ts = 'e5'").empty());
  EXPECT_EQ(dead_letter_ids("user_action"), (std::vector<std::string>{ids[5]}));
}

TEST_P(ExactlyOnceTest, CapturedAppendJobWithoutKeys) {
  // Captured hashes appended as rows (no keys): one row per change, even of the same Redis key.
  // Crashed after the 2nd transaction, then again after the 1st transaction of the batch read
  // again, then restarted as itself or as another instance.
  for (const char* restart_as : {kFirst, kSuccessor}) {
    SCOPED_TRACE(restart_as);
    const std::string name = std::string("clicks_") + (restart_as == kFirst ? "a" : "b");
    sql("CREATE TABLE " + name + " (page text, visitor text)");
    JobPlan job = one_output_job(name, name, {}, {{"page", "page"}, {"visitor", "visitor"}}, LoadStrategy::Append);
    for (int i = 0; i < 30; ++i) {
      add_hash(c_, job.stream, "click:" + std::to_string(i % 4), {"page", "p" + std::to_string(i), "visitor", "v"},
               i < 4 ? "c" : "u");
    }
    auto rows = [&] { return sql("SELECT count(*), count(DISTINCT page) FROM " + name); };
    CrashPlan crash{CrashPlan::When::AfterCommit, 2};
    {
      JobWorker w(job, settings(kFirst, 500, 8), sinks(&crash));
      ASSERT_TRUE(run_until_crash(w));
    }
    EXPECT_EQ(rows(), counts(16, 16));
    crash = CrashPlan{CrashPlan::When::AfterCommit, 1};
    {
      JobWorker w(job, settings(kFirst, 500, 8), sinks(&crash));
      ASSERT_TRUE(run_until_crash(w));
    }
    EXPECT_EQ(rows(), counts(24, 24));
    crash.when = CrashPlan::When::Never;
    JobWorker again(job, settings(restart_as, 500, 8), sinks(&crash));
    EXPECT_EQ(drain(again, c_, job.stream), 30u);
    EXPECT_EQ(rows(), counts(30, 30));
    EXPECT_EQ(pending(job.stream), 0);
    EXPECT_EQ(c_.command({"XLEN", job.stream}).integer, 0);  // a captured stream is trimmed once applied
    EXPECT_EQ(hget(c_, "wb:stats:" + name, "inserted"), "4");
    EXPECT_EQ(hget(c_, "wb:stats:" + name, "updated"), "26");
  }
}

TEST_P(ExactlyOnceTest, Type2HistoryHasNoDuplicateVersionAndTracksKeys) {
  sql(pg() ? "CREATE TABLE hist (id int, name text, is_active char(1), closed_at timestamptz)"
           : "CREATE TABLE hist (id INTEGER, name TEXT, is_active TEXT, closed_at TEXT)");
  JobPlan job;
  job.name = "hist";
  job.stream = "wb:stream:hist";
  OutputPlan out;
  out.name = "db.hist";
  out.connection = "db";
  out.table = {"", "hist"};
  out.keys = {{"id", "id"}};
  out.mapping = {{"name", "name"}};
  out.strategy = LoadStrategy::Type2;
  out.type2 = wb::sink::Type2Spec{"is_active", "Y", "N", {{"closed_at", std::string("CURRENT_TIMESTAMP"), true}}};
  job.outputs.push_back(out);
  // Transactions of 2; the crash comes after the 2nd, so the first four entries are committed.
  add_hash(c_, job.stream, "h:1", {"id", "1", "name", "v1"});
  add_hash(c_, job.stream, "h:4", {"id", "4", "name", "y1"});
  add_hash(c_, job.stream, "h:1", {"id", "1", "name", "v2"}, "u");
  add_hash(c_, job.stream, "h:3", {"id", "3", "name", "x1"});
  add_hash(c_, job.stream, "h:2", {"id", "2", "name", "w1"});
  add_hash(c_, job.stream, "h:1", {"id", "1", "name", "v3"}, "u");
  add_hash(c_, job.stream, "h:3", {"id", "30", "name", "x2"}, "u");  // key change: id 3's version is closed
  add_hash(c_, job.stream, "h:1", {"id", "1", "name", "v4"}, "u");
  auto history = [&] {
    return sql("SELECT id, name, is_active, CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END FROM hist"
               " ORDER BY id, name");
  };
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(job, settings(kFirst, 500, 2), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(history(), (Rows{{"1", "v1", "N", "closed"}, {"1", "v2", "Y", "open"}, {"3", "x1", "Y", "open"},
                             {"4", "y1", "Y", "open"}}));
  crash.when = CrashPlan::When::Never;
  JobWorker again(job, settings(kFirst, 500, 2), sinks(&crash));
  EXPECT_EQ(drain(again, c_, job.stream), 8u);
  EXPECT_EQ(history(), (Rows{{"1", "v1", "N", "closed"},
                             {"1", "v2", "N", "closed"},
                             {"1", "v3", "N", "closed"},
                             {"1", "v4", "Y", "open"},
                             {"2", "w1", "Y", "open"},
                             {"3", "x1", "N", "closed"},
                             {"4", "y1", "Y", "open"},
                             {"30", "x2", "Y", "open"}}));
  // Key tracking knows every key, also those whose every entry was committed before the crash.
  EXPECT_EQ(hget(c_, "wb:keys:hist:db.hist", "h:4"), R"(["4"])");
  EXPECT_EQ(hget(c_, "wb:keys:hist:db.hist", "h:3"), R"(["30"])");
  EXPECT_EQ(hget(c_, "wb:keys:hist:db.hist", "h:1"), R"(["1"])");
  add_delete(c_, job.stream, "h:4");
  add_delete(c_, job.stream, "h:1");
  drain(again, c_, job.stream);
  EXPECT_EQ(sql("SELECT id, name FROM hist WHERE is_active = 'Y' ORDER BY id"), (Rows{{"2", "w1"}, {"30", "x2"}}));
  EXPECT_EQ(hget(c_, "wb:stats:hist", "inserted"), "4");
  EXPECT_EQ(hget(c_, "wb:stats:hist", "updated"), "4");
  EXPECT_EQ(hget(c_, "wb:stats:hist", "deleted"), "2");
}

TEST_P(ExactlyOnceTest, KeyedUpsertJobCreatesNoProgressTable) {
  sql("CREATE TABLE users (id int PRIMARY KEY, name text)");
  JobPlan job = one_output_job("users", "users", {{"id", "id"}}, {{"name", "name"}});
  for (int i = 0; i < 20; ++i) add_hash(c_, job.stream, "user:" + std::to_string(i), {"id", std::to_string(i), "name", "n"});
  CrashPlan crash{CrashPlan::When::AfterCommit, 1};
  {
    JobWorker w(job, settings(kFirst, 500, 5), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  crash.when = CrashPlan::When::Never;
  JobWorker again(job, settings(kSuccessor, 500, 5), sinks(&crash));
  EXPECT_EQ(drain(again, c_, job.stream), 20u);
  EXPECT_EQ(sql("SELECT count(*) FROM users")[0][0], "20");
  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), "20");
  EXPECT_FALSE(progress_table_exists());  // re-applying upserts is harmless: no bookkeeping
}

TEST_P(ExactlyOnceTest, ClaimedBatchCrashesBeforeItsFirstCommit) {
  // The successor claims the batch, skips what the dead consumer committed, and dies before its own
  // first commit; restarted (as itself, then as a third instance), it must still skip that part.
  create_events_table();
  // Transactions of 10, event 3 poison: [0,1], [2], ([3] rejected), [4], [5..9], [10..19] commit,
  // then the crash.
  const auto& ids = send_events(50, /*poison=*/3);
  CrashPlan crash{CrashPlan::When::AfterCommit, 5};
  {
    JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(19, 19));
  crash = CrashPlan{CrashPlan::When::BeforeCommit, 1};
  {
    JobWorker w(events_job(), settings(kSuccessor, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(19, 19));
  crash = CrashPlan{CrashPlan::When::AfterCommit, 1};  // then after its first commit
  {
    JobWorker w(events_job(), settings(kSuccessor, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(29, 29));
  crash = CrashPlan{CrashPlan::When::BeforeCommit, 1};
  {
    JobWorker w(events_job(), settings("third", 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  crash.when = CrashPlan::When::Never;
  JobWorker last(events_job(), settings("third", 500, 10), sinks(&crash));
  EXPECT_EQ(drain(last, c_, kEvents), 50u);
  EXPECT_EQ(event_counts(), counts(49, 49));
  EXPECT_EQ(dead_letter_ids("user_action"), (std::vector<std::string>{ids[3]}));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "50");
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "rejected"), "1");
  EXPECT_EQ(pending(kEvents), 0);
}

TEST_P(ExactlyOnceTest, ClaimedBatchCrashesBeforeAnyCommitAndRestartsAsItself) {
  // The successor dies right after claiming, before it committed anything at all.
  create_events_table();
  send_events(50);
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  crash = CrashPlan{CrashPlan::When::BeforeAnyCommit, 1};
  {
    JobWorker w(events_job(), settings(kSuccessor, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(20, 20));
  crash.when = CrashPlan::When::Never;
  JobWorker again(events_job(), settings(kSuccessor, 500, 10), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 50u);
  EXPECT_EQ(event_counts(), counts(50, 50));
  EXPECT_EQ(pending(kEvents), 0);
}

TEST_P(ExactlyOnceTest, ClaimerDiesBeforeItsRowAndTheFirstOwnerLeavesTheGroup) {
  // a-first commits two transactions of its batch and dies; b-second claims the batch and dies
  // before it wrote its own row (the claimed batch's first commit); c-third's claim sweep deletes
  // a-first from the group (gone, nothing pending) before it claims b-second's entries. a-first's
  // row is then the only one that says what is committed, and no consumer of the group names it.
  create_events_table();
  const auto& ids = send_events(50);
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), settings("a-first", 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  crash = CrashPlan{CrashPlan::When::BeforeAnyCommit, 1};
  {
    JobWorker w(events_job(), settings("b-second", 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  EXPECT_EQ(event_counts(), counts(20, 20));
  EXPECT_EQ(progress_rows("user_action"), (Rows{{"a-first", ids[0], ids[19]}}));  // none of b-second
  EXPECT_EQ(consumers(), (std::vector<std::string>{"a-first", "b-second"}));
  crash.when = CrashPlan::When::Never;
  JobWorker last(events_job(), settings("c-third", 500, 10), sinks(&crash));
  EXPECT_EQ(last.run_once(), 50u);
  EXPECT_EQ(consumers(), (std::vector<std::string>{"b-second", "c-third"}));  // a-first was deleted
  EXPECT_EQ(event_counts(), counts(50, 50));
  EXPECT_EQ(crash.data_commits, 3);  // e20..e49 only
  drain(last, c_, kEvents);
  EXPECT_EQ(pending(kEvents), 0);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "50");
  EXPECT_EQ(progress_rows("user_action"), (Rows{{"a-first", ids[0], ids[19]}, {"c-third", ids[0], ids[49]}}));
}

TEST_P(ExactlyOnceTest, ClaimerDiesThenTheFirstOwnerRestartsWithABatchReadAhead) {
  // a-first writes B1 (e0..e29, transactions of 10) with B2 (e30..e59) read ahead and B3 (e60..e89)
  // requested, and crashes after committing e0..e19: all three batches pending for it. b-second claims B1 and dies before writing
  // anything (not even its row). a-first restarts under its own name: it must apply b-second's B1
  // (older) before its own B2 — B2's commits would otherwise overwrite the row that says e0..e19
  // are committed, and B1 read after them would write e0..e19 again.
  create_events_table();
  const auto& ids = send_events(100);
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), settings("a-first", 30, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  ASSERT_TRUE(connection_gone("a-first"));
  EXPECT_EQ(event_counts(), counts(20, 20));
  ASSERT_EQ(pending_ids(kEvents, "a-first"), slice(ids, 0, 90));  // B1, B2 read ahead, B3 requested
  crash = CrashPlan{CrashPlan::When::BeforeAnyCommit, 1};
  {
    JobWorker w(events_job(), settings("b-second", 30, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  ASSERT_TRUE(connection_gone("b-second"));
  EXPECT_EQ(event_counts(), counts(20, 20));
  ASSERT_EQ(pending_ids(kEvents, "b-second"), slice(ids, 0, 30));  // B1, claimed
  ASSERT_EQ(pending_ids(kEvents, "a-first"), slice(ids, 30, 90));  // B2, B3
  ASSERT_EQ(progress_rows("user_action"), (Rows{{"a-first", ids[0], ids[19]}}));  // none of b-second
  crash = CrashPlan{};
  JobWorker again(events_job(), settings("a-first", 30, 10), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 100u);
  EXPECT_EQ(event_counts(), counts(100, 100));
  EXPECT_EQ(crash.data_commits, 8);  // e20..e29, then B2 (3), then B3 (3) and e90..e99
  EXPECT_EQ(pending(kEvents), 0);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "100");
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "rejected"), "(nil)");
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:user_action"}).integer, 0);
}

TEST_P(ExactlyOnceTest, KeyedUpsertKeepsStreamOrderWhenTheFirstOwnerRestartsAfterItsClaimerDied) {
  // The same crashes on a keyed UPSERT job whose B1 writes users 0..29 with old names and B2 the
  // same users with new ones: B1 applied after B2 would leave every user with its old name.
  sql("CREATE TABLE users (id int PRIMARY KEY, name text)");
  JobPlan job = one_output_job("users", "users", {{"id", "id"}}, {{"name", "name"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(add_hash(c_, job.stream, "user:" + std::to_string(i), {"id", std::to_string(i), "name", "old" + std::to_string(i)}));
  }
  for (int i = 0; i < 30; ++i) {
    ids.push_back(add_hash(c_, job.stream, "user:" + std::to_string(i), {"id", std::to_string(i), "name", "new" + std::to_string(i)},
                           "u"));
  }
  for (int i = 30; i < 40; ++i) {
    ids.push_back(add_hash(c_, job.stream, "user:" + std::to_string(i), {"id", std::to_string(i), "name", "new" + std::to_string(i)}));
  }
  auto names = [&] { return sql("SELECT id, name FROM users ORDER BY id"); };
  auto users = [](int from, int to, const std::string& prefix) {
    Rows rows;
    for (int i = from; i < to; ++i) rows.push_back({std::to_string(i), prefix + std::to_string(i)});
    return rows;
  };
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(job, settings("a-first", 30, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  ASSERT_TRUE(connection_gone("a-first"));
  EXPECT_EQ(names(), users(0, 20, "old"));
  ASSERT_EQ(pending_ids(job.stream, "a-first"), slice(ids, 0, 70));  // B1, B2 read ahead, B3 requested
  crash = CrashPlan{CrashPlan::When::BeforeAnyCommit, 1};
  {
    JobWorker w(job, settings("b-second", 30, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  ASSERT_TRUE(connection_gone("b-second"));
  EXPECT_EQ(names(), users(0, 20, "old"));
  ASSERT_EQ(pending_ids(job.stream, "b-second"), slice(ids, 0, 30));  // B1, claimed
  ASSERT_EQ(pending_ids(job.stream, "a-first"), slice(ids, 30, 70));  // B2, B3
  crash = CrashPlan{};
  JobWorker again(job, settings("a-first", 30, 10), sinks(&crash));
  EXPECT_EQ(drain(again, c_, job.stream), 70u);
  EXPECT_EQ(names(), users(0, 40, "new"));
  EXPECT_EQ(pending(job.stream), 0);
  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), "40");
  EXPECT_EQ(hget(c_, "wb:stats:users", "updated"), "30");
  EXPECT_EQ(c_.command({"HLEN", "wb:keys:users:db.users"}).integer, 40);
  EXPECT_FALSE(progress_table_exists());
}

TEST_P(ExactlyOnceTest, ReadBatchSizeLoweredAcrossACrash) {
  // Batches of 50 (transactions of 10) crash after the 4th commit: e0..e39 are committed, the batch
  // and the one read ahead (e50..e59) stay pending. The applier comes back with batches of 10, so
  // the crashed batch is read again as five batches: only the first holds the row's first entry
  // and only the fourth its last committed one — the second and third must be skipped too.
  create_events_table();
  for (const char* restart_as : {kFirst, kSuccessor}) {
    SCOPED_TRACE(restart_as);
    const size_t before = event_ids_.size();
    const auto& ids = send_events(60);
    CrashPlan crash{CrashPlan::When::AfterCommit, 4};
    {
      JobWorker w(events_job(), settings(kFirst, 50, 10), sinks(&crash));
      ASSERT_TRUE(run_until_crash(w));
    }
    EXPECT_EQ(pending(kEvents), 60);
    EXPECT_EQ(sql("SELECT batch_first_id, committed_id FROM writebehind_progress WHERE consumer = '" +
                  std::string(kFirst) + "'"),
              (Rows{{ids[before], ids[before + 39]}}));
    crash = CrashPlan{};
    JobWorker again(events_job(), settings(restart_as, 10, 10), sinks(&crash));
    EXPECT_EQ(drain(again, c_, kEvents), 60u);
    const int sent = static_cast<int>(event_ids_.size());
    EXPECT_EQ(event_counts(), counts(sent, sent));
    EXPECT_EQ(crash.data_commits, 2);  // e40..e49 and e50..e59
    EXPECT_EQ(pending(kEvents), 0);
    EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), std::to_string(sent));
  }
}

TEST_P(ExactlyOnceTest, ReadBatchSizeLoweredAcrossACrashAndEveryBatchReadByANewProcess) {
  // The same crash, then each batch is read by a process of its own that is gone right after its
  // ack (restarted as itself, or as a new instance each time, which claims the rest from the dead
  // ones). Nothing in memory links the recovery batches: the rows alone must tell that e10..e39,
  // read far from the row's first and last entries, are committed.
  create_events_table();
  constexpr int kMaxProcesses = 50;
  for (const char* restart_as : {kFirst, "next"}) {
    SCOPED_TRACE(restart_as);
    send_events(60);
    CrashPlan crash{CrashPlan::When::AfterCommit, 4};
    {
      JobWorker w(events_job(), settings(kFirst, 50, 10), sinks(&crash));
      ASSERT_TRUE(run_until_crash(w));
    }
    crash = CrashPlan{};
    int processes = 0;
    for (; processes < kMaxProcesses; ++processes) {
      const std::string name = restart_as == std::string(kFirst) ? kFirst : "next-" + std::to_string(processes);
      JobWorker w(events_job(), settings(name, 10, 10), sinks(&crash));
      if (w.run_once() == 0 && pending(kEvents) == 0) break;
    }
    EXPECT_LT(processes, kMaxProcesses);
    const int sent = static_cast<int>(event_ids_.size());
    EXPECT_EQ(event_counts(), counts(sent, sent));
    EXPECT_EQ(crash.data_commits, 2);  // e40..e49 and e50..e59
    EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), std::to_string(sent));
  }
}

TEST_P(ExactlyOnceTest, CrashWithABatchReadAheadPending) {
  // 100 events in batches of 30: while the first batch is written the second is read ahead; both
  // are pending at the crash and come back (as the successor's claims, or own pending entries).
  create_events_table();
  send_events(100);
  for (const char* restart_as : {kFirst, kSuccessor}) {
    SCOPED_TRACE(restart_as);
    CrashPlan crash{CrashPlan::When::AfterCommit, 2};
    {
      JobWorker w(events_job(), settings(kFirst, 30, 10), sinks(&crash));
      ASSERT_TRUE(run_until_crash(w));
    }
    crash.when = CrashPlan::When::Never;
    JobWorker again(events_job(), settings(restart_as, 30, 10), sinks(&crash));
    drain(again, c_, kEvents);
    EXPECT_EQ(event_counts(), counts(static_cast<int>(event_ids_.size()), static_cast<int>(event_ids_.size())));
    EXPECT_EQ(pending(kEvents), 0);
    send_events(100);
  }
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "200");
}

TEST_P(ExactlyOnceTest, CommitThatSucceededButReportedALostConnection) {
  // The COMMIT reached the target but its reply did not (the connection dropped): the worker sees a
  // Transient error and retries the transaction — which the target already holds.
  create_events_table();
  send_events(30);
  CrashPlan lost{CrashPlan::When::LostAtCommit, 2};
  JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&lost));
  EXPECT_EQ(drain(w, c_, kEvents), 30u);
  EXPECT_EQ(event_counts(), counts(30, 30));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "30");
}

TEST_P(ExactlyOnceTest, FirstEntryOfTheBatchTrimmedBeforeItIsClaimed) {
  // The application trims its stream while no applier runs: the batch's first entry is gone, and
  // XCLAIM does not return it — the batch claimed lacks it. The rest of what was committed must
  // still be skipped.
  create_events_table();
  const auto& ids = send_events(50);
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  ASSERT_EQ(c_.command({"XDEL", kEvents, ids[0]}).integer, 1);
  crash.when = CrashPlan::When::Never;
  JobWorker again(events_job(), settings(kSuccessor, 500, 10), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 49u);
  EXPECT_EQ(event_counts(), counts(50, 50));  // e0 was committed before it was trimmed
  EXPECT_EQ(pending(kEvents), 0);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "49");
}

TEST_P(ExactlyOnceTest, IgnoredPoisonRecordInTheCommittedPart) {
  // error_handling: ignore — the record rejected before the crash is dropped (not written, no dead
  // letter), counted once.
  create_events_table();
  send_events(30, /*poison=*/5);
  auto ignoring = [&](const std::string& instance) {
    ApplierSettings s = settings(instance, 500, 10);
    s.error_handling = ErrorHandling::Ignore;
    return s;
  };
  CrashPlan crash{CrashPlan::When::AfterCommit, 2};
  {
    JobWorker w(events_job(), ignoring(kFirst), sinks(&crash));
    ASSERT_TRUE(run_until_crash(w));
  }
  crash.when = CrashPlan::When::Never;
  JobWorker again(events_job(), ignoring(kSuccessor), sinks(&crash));
  EXPECT_EQ(drain(again, c_, kEvents), 30u);
  EXPECT_EQ(event_counts(), counts(29, 29));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "rejected"), "1");
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:user_action"}).integer, 0);
}

TEST_P(ExactlyOnceTest, StopDuringAnOutageInTheMiddleOfABatch) {
  // Two transactions of the batch committed, then the target goes down; stop() abandons the batch
  // (pending); the next start skips what was committed.
  create_events_table();
  send_events(50);
  CrashPlan outage{CrashPlan::When::DownFromCommit, 3};
  {
    JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&outage));
    std::thread t([&] { w.run(); });
    EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:user_action", "state") == "retrying"; }));
    w.stop();
    t.join();
  }
  EXPECT_EQ(event_counts(), counts(20, 20));
  EXPECT_EQ(pending(kEvents), 50);
  outage.when = CrashPlan::When::Never;
  JobWorker again(events_job(), settings(kFirst, 500, 10), sinks(&outage));
  EXPECT_EQ(drain(again, c_, kEvents), 50u);
  EXPECT_EQ(event_counts(), counts(50, 50));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), "50");
}

TEST_P(ExactlyOnceTest, OutageInTheMiddleOfABatchThenRecovery) {
  // The same outage, recovered while running: the failed transaction is retried, the committed
  // ones are not.
  create_events_table();
  send_events(50);
  CrashPlan outage{CrashPlan::When::DownFromCommit, 3};
  JobWorker w(events_job(), settings(kFirst, 500, 10), sinks(&outage));
  size_t applied = 0;
  std::thread t([&] { applied = w.run_once(); });
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:user_action", "state") == "retrying"; }));
  outage.when = CrashPlan::When::Never;
  t.join();
  EXPECT_EQ(applied, 50u);
  EXPECT_EQ(event_counts(), counts(50, 50));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "state"), "running");
}

TEST_P(ExactlyOnceTest, RedisConnectionsKilledWhileAppending) {
  // The applier's Redis connections are killed again and again (between reads, commits and acks;
  // with a batch read ahead): everything is read again from the pending entries, nothing twice.
  create_events_table();
  ApplierPlan plan;
  plan.settings = settings(kFirst, 7, 3);
  plan.jobs.push_back(events_job());
  Applier applier(plan, sinks());
  applier.start();
  constexpr int kEventsSent = 400;
  for (int i = 0; i < kEventsSent; i += 10) {
    send_events(10);
    if (i % 50 == 20) c_.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(wait_until([&] { return event_counts()[0][0] == std::to_string(kEventsSent) && pending(kEvents) == 0; },
                         std::chrono::seconds(30)))
      << event_counts()[0][0];
  applier.stop();
  applier.wait();
  EXPECT_EQ(event_counts(), counts(kEventsSent, kEventsSent));
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "inserted"), std::to_string(kEventsSent));
}

TEST_P(ExactlyOnceTest, TwoTargetsWhenTheSecondCommitFails) {
  // One batch to two targets: the events table here, and a PostgreSQL table that refuses one
  // event — at COMMIT (PostgreSQL sends the whole transaction at commit). The first target has
  // already committed that transaction when the second fails; splitting it to find the poison
  // event must not write the first target's rows again.
  create_events_table();
  std::string other = "eo_other_" + std::string(pg() ? "pg" : "sqlite");
  shared_postgres().create_database(other);
  shared_postgres().query("CREATE TABLE audit (user_id text, action varchar(6), ts text)", other);
  JobPlan job = events_job();
  OutputPlan audit = job.outputs[0];
  audit.name = "audit-db.audit";
  audit.connection = "audit-db";
  audit.table = {"", "audit"};
  job.outputs.push_back(audit);
  wb::sink::ConnectionSettings audit_db;
  audit_db.type = "postgresql";
  audit_db.host = shared_postgres().host();
  audit_db.port = shared_postgres().port();
  audit_db.database = other;
  audit_db.user = shared_postgres().user();
  auto events_db = target_settings();
  SinkFactory factory = [events_db, audit_db](const std::string& connection) {
    return wb::sink::make_sink(connection == "audit-db" ? audit_db : events_db);
  };
  send_events(20);
  c_.command({"XADD", kEvents, "*", "user_id", "u9", "action", "logins", "ts", "x1"});  // 6: fits both
  c_.command({"XADD", kEvents, "*", "user_id", "u9", "action", "log-out", "ts", "x2"});  // 7: only the first
  send_events(8);
  JobWorker w(job, settings(kFirst, 500, 10), factory);
  EXPECT_EQ(drain(w, c_, kEvents), 30u);
  EXPECT_EQ(event_counts(), counts(30, 30));
  EXPECT_EQ(shared_postgres().query("SELECT count(*), count(DISTINCT ts) FROM audit", other), counts(29, 29));
  EXPECT_EQ(dead_letter_ids("user_action").size(), 1u);
  EXPECT_EQ(hget(c_, "wb:stats:user_action", "rejected"), "1");
}

INSTANTIATE_TEST_SUITE_P(Targets, ExactlyOnceTest, ::testing::Values(Target::Sqlite, Target::Postgres), target_name);

// PostgreSQL only: a target user that may write its table but not create the progress table.
class ProgressUnavailableTest : public ::testing::Test {};

TEST_F(ProgressUnavailableTest, JobStillAppliesEverythingAndSaysSoOnce) {
  PostgresServer& pg = shared_postgres();
  const std::string db = "eo_no_create";
  pg.create_database(db);
  pg.query("DO $$ BEGIN CREATE ROLE eo_writer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  pg.query("CREATE TABLE user_actions (user_id text, action text, ts text);"
           "GRANT SELECT, INSERT ON user_actions TO eo_writer;"
           "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
           db);
  RedisServer redis{plain_redis()};
  RedisClient c = redis.client();
  JobPlan job = ExactlyOnceTest::events_job();
  wb::sink::ConnectionSettings s;
  s.type = "postgresql";
  s.host = pg.host();
  s.port = pg.port();
  s.database = db;
  s.user = "eo_writer";
  ApplierSettings settings = test_settings(redis);
  settings.read_batch_size = 10;
  settings.write_batch_size = 4;
  auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      c.command({"XADD", kEvents, "*", "user_id", "u", "action", "login", "ts", "e" + std::to_string(i)});
    }
  };
  LogCapture log;
  send(0, 25);
  {
    JobWorker w(job, settings, [s](const std::string&) { return wb::sink::make_sink(s); });
    EXPECT_EQ(drain(w, c, kEvents), 25u);
    send(25, 40);
    EXPECT_EQ(drain(w, c, kEvents), 15u);
  }
  EXPECT_EQ(pg.query("SELECT count(*), count(DISTINCT ts) FROM user_actions", db), (Rows{{"40", "40"}}));
  EXPECT_EQ(c.command({"XPENDING", kEvents, "writebehind"}).elements[0].integer, 0);
  EXPECT_EQ(hget(c, "wb:stats:user_action", "inserted"), "40");
  EXPECT_EQ(pg.query("SELECT to_regclass('writebehind_progress') IS NULL", db), (Rows{{"t"}}));
  std::string text = log.text();
  EXPECT_EQ(count_of(text, "cannot create the progress table"), 1u) << text;  // said once, not per batch
  EXPECT_NE(text.find("at least once"), std::string::npos) << text;

  // A crash after a commit: without the table the batch read again is written again (at least once).
  CrashPlan crash{CrashPlan::When::AfterCommit, 1};
  send(40, 45);
  {
    JobWorker w(job, settings, [s, &crash](const std::string&) {
      return std::make_unique<CrashAtCommitSink>(wb::sink::make_sink(s), &crash);
    });
    ASSERT_TRUE(run_until_crash(w));
  }
  crash.when = CrashPlan::When::Never;
  JobWorker again(job, settings, [s](const std::string&) { return wb::sink::make_sink(s); });
  EXPECT_EQ(drain(again, c, kEvents), 5u);
  EXPECT_EQ(pg.query("SELECT count(*), count(DISTINCT ts) FROM user_actions", db), (Rows{{"49", "45"}}));
  EXPECT_EQ(c.command({"XPENDING", kEvents, "writebehind"}).elements[0].integer, 0);
}

// MariaDB (InnoDB): the same crash after the 2nd of several transactions, restarted as itself and
// as another instance.
TEST(ExactlyOnceMariaDb, AppendJobCrashAfterCommitRestarts) {
  MariaDbServer& maria = shared_mariadb();
  maria.create_database("once");
  maria.query("CREATE TABLE user_actions (user_id VARCHAR(20), action VARCHAR(8), ts VARCHAR(20))", "once");
  RedisServer redis{plain_redis()};
  RedisClient c = redis.client();
  wb::sink::ConnectionSettings s;
  s.type = "mariadb";
  s.host = "127.0.0.1";
  s.port = maria.port();
  s.database = "once";
  s.user = maria.user();
  const JobPlan job = user_actions_job(kEvents);
  int sent = 0;
  for (const char* restart_as : {kFirst, kSuccessor}) {
    SCOPED_TRACE(restart_as);
    for (int i = 0; i < 40; ++i, ++sent) {
      std::string action = sent == 13 ? "far-too-long-action" : "login";
      c.command({"XADD", kEvents, "*", "user_id", "u", "action", action, "ts", "e" + std::to_string(sent)});
    }
    CrashPlan crash{CrashPlan::When::AfterCommit, 2};
    ApplierSettings settings = test_settings(redis);
    settings.write_batch_size = 10;
    auto factory = [s, &crash](const std::string&) {
      return std::make_unique<CrashAtCommitSink>(wb::sink::make_sink(s), &crash);
    };
    {
      JobWorker w(job, settings, factory);
      ASSERT_TRUE(run_until_crash(w));
    }
    crash.when = CrashPlan::When::Never;
    settings.instance_id = restart_as;
    JobWorker again(job, settings, factory);
    EXPECT_EQ(drain(again, c, kEvents), 40u);
    EXPECT_EQ(maria.query("SELECT count(*), count(DISTINCT ts) FROM user_actions", "once"),
              (Rows{{std::to_string(sent - 1), std::to_string(sent - 1)}}));
  }
  EXPECT_EQ(c.command({"XLEN", "wb:dlq:user_action"}).integer, 1);
  EXPECT_EQ(hget(c, "wb:stats:user_action", "inserted"), std::to_string(sent));
}

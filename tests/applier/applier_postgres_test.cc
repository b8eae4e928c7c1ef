// The applier end to end into a real PostgreSQL 15 (one shared server; a database per test):
// types cast by the database, poison records (value too long, text in an integer column) in the
// dead-letter stream with the database's error, key changes and deletes via tracking, REPLACE,
// TYPE2, a schema error fixed while running, and the server stopped mid-run with nothing lost.
#include <gtest/gtest.h>

#include "applier/applier.h"
#include "applier_fixture.h"
#include "harness/postgres_server.h"
#include "harness/process.h"

using namespace wbtest;
using namespace wb::applier;
using Rows = std::vector<std::vector<std::string>>;

namespace {

class PostgresApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = "t_" + name;
    for (auto& ch : db_) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    pg().create_database(db_);
  }

  static PostgresServer& pg() { return shared_postgres(); }
  Rows query(const std::string& sql) { return pg().query(sql, db_); }

  SinkFactory pg_sinks() const {
    wb::sink::ConnectionSettings s;
    s.type = "postgresql";
    s.host = pg().host();
    s.port = pg().port();
    s.database = db_;
    s.user = pg().user();
    s.connect_timeout = std::chrono::seconds(2);
    return [s](const std::string&) { return wb::sink::make_sink(s); };
  }

  static JobPlan job(const std::string& name, OutputPlan out) {
    JobPlan j;
    j.name = name;
    j.stream = "wb:stream:" + name;
    j.outputs.push_back(std::move(out));
    return j;
  }

  static OutputPlan output(const std::string& table, std::vector<ColumnSource> keys, std::vector<ColumnSource> mapping,
                           LoadStrategy strategy = LoadStrategy::Upsert) {
    OutputPlan o;
    o.name = "pg.public." + table;
    o.connection = "pg";
    o.table = {"public", table};
    o.keys = std::move(keys);
    o.mapping = std::move(mapping);
    o.strategy = strategy;
    return o;
  }

  RedisServer redis_{plain_redis()};
  RedisClient c_ = redis_.client();
  std::string db_;
};

}  // namespace

TEST_F(PostgresApplierTest, ValuesAreCastByTheDatabase) {
  query("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), active boolean, tags jsonb, note text)");
  auto j = job("items", output("items", {{"id", "id"}}, {{"name", "name"}, {"price", "price"}, {"active", "active"},
                                                          {"tags", "tags"}, {"note", "note"}}));
  add_entry(c_, j.stream, "item:1", "c", "string",
            {"value", R"({"id": 1, "name": "pen", "price": 1.5, "active": true, "tags": ["a", "b"], "note": ""})"}, "set");
  add_hash(c_, j.stream, "item:2", {"id", "2", "name", "cup", "price", "3", "active", "false"});
  JobWorker w(j, test_settings(redis_), pg_sinks());
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT id, name, price, active, tags::text, note FROM items ORDER BY id"),
            (Rows{{"1", "pen", "1.50", "t", R"(["a", "b"])", ""}, {"2", "cup", "3.00", "f", "\\N", "\\N"}}));
}

TEST_F(PostgresApplierTest, PoisonRecordsAreDeadLetteredWithTheDatabaseError) {
  query("CREATE TABLE users (id int PRIMARY KEY, name varchar(5), age int)");
  auto j = job("users", output("users", {{"id", "id"}}, {{"name", "name"}, {"age", "age"}}));
  for (int i = 1; i <= 20; ++i) {
    std::vector<std::string> f{"id", std::to_string(i), "name", "u" + std::to_string(i), "age", std::to_string(20 + i)};
    if (i == 5) f[3] = "far-too-long";
    if (i == 13) f[5] = "thirty";
    add_hash(c_, j.stream, "user:" + std::to_string(i), f);
  }
  JobWorker w(j, test_settings(redis_), pg_sinks());
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT count(*) FROM users")[0][0], "18");
  EXPECT_TRUE(query("SELECT id FROM users WHERE id IN (5, 13)").empty());
  Reply dlq = c_.command({"XRANGE", "wb:dlq:users", "-", "+"});
  ASSERT_EQ(dlq.elements.size(), 2u) << dlq.to_string();
  std::map<std::string, std::string> errors;  // redis key -> error
  for (const auto& e : dlq.elements) {
    const auto& f = e.elements[1].elements;
    EXPECT_EQ(f[3].str, "pg.public.users");
    errors[f[9].str] = f[1].str;
  }
  EXPECT_NE(errors["user:5"].find("value too long"), std::string::npos) << errors["user:5"];
  EXPECT_NE(errors["user:13"].find("invalid input syntax for type integer"), std::string::npos) << errors["user:13"];
  EXPECT_EQ(hget(c_, "wb:stats:users", "rejected"), "2");
  EXPECT_EQ(hget(c_, "wb:stats:users", "inserted"), "20");
}

TEST_F(PostgresApplierTest, CompositeKeysChangeAndDeleteThroughTracking) {
  query("CREATE TABLE emp (first_name text, last_name text, country text, PRIMARY KEY (first_name, last_name))");
  auto j = job("emp", output("emp", {{"first_name", "first_name"}, {"last_name", "last_name"}},
                             {{"first_name", "first_name"}, {"last_name", "last_name"}, {"country", "after.country"}}));
  add_hash(c_, j.stream, "emp:1", {"first_name", "Ann", "last_name", "Lee", "country", "NL"});
  add_hash(c_, j.stream, "emp:2", {"first_name", "Bo", "last_name", "Kim", "country", "SE"});
  JobWorker w(j, test_settings(redis_), pg_sinks());
  drain(w, c_, j.stream);
  add_hash(c_, j.stream, "emp:1", {"first_name", "Ann", "last_name", "Smith", "country", "NL"}, "u");  // married
  add_delete(c_, j.stream, "emp:2");
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT first_name, last_name, country FROM emp"), (Rows{{"Ann", "Smith", "NL"}}));
  EXPECT_EQ(hget(c_, "wb:keys:emp:pg.public.emp", "emp:1"), R"(["Ann","Smith"])");
}

TEST_F(PostgresApplierTest, ReplaceDeletesAndInserts) {
  query("CREATE TABLE r (id int PRIMARY KEY, a text, b text DEFAULT 'dflt')");
  auto j = job("r", output("r", {{"id", "id"}}, {{"a", "a"}}, LoadStrategy::Replace));
  query("INSERT INTO r VALUES (1, 'old', 'kept?')");
  add_hash(c_, j.stream, "r:1", {"id", "1", "a", "new"});
  JobWorker w(j, test_settings(redis_), pg_sinks());
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT id, a, b FROM r"), (Rows{{"1", "new", "dflt"}}));  // the whole row was replaced
}

TEST_F(PostgresApplierTest, Type2KeepsHistory) {
  query("CREATE TABLE h (id int, name text, is_active char(1), closed_at timestamptz)");
  OutputPlan out = output("h", {{"id", "id"}}, {{"name", "name"}}, LoadStrategy::Type2);
  out.type2 = wb::sink::Type2Spec{"is_active", "Y", "N", {{"closed_at", std::string("CURRENT_TIMESTAMP"), true}}};
  auto j = job("h", out);
  JobWorker w(j, test_settings(redis_), pg_sinks());
  add_hash(c_, j.stream, "h:1", {"id", "1", "name", "v1"});
  drain(w, c_, j.stream);
  add_hash(c_, j.stream, "h:1", {"id", "1", "name", "v2"}, "u");
  add_hash(c_, j.stream, "h:1", {"id", "1", "name", "v3"}, "u");
  drain(w, c_, j.stream);
  add_delete(c_, j.stream, "h:1");
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT name, is_active, closed_at IS NOT NULL FROM h ORDER BY name"),
            (Rows{{"v1", "N", "t"}, {"v2", "N", "t"}, {"v3", "N", "t"}}));
}

TEST_F(PostgresApplierTest, MissingColumnIsRetriedUntilTheTableIsFixed) {
  query("CREATE TABLE s (id int PRIMARY KEY, name text)");
  auto j = job("s", output("s", {{"id", "id"}}, {{"name", "name"}, {"email", "email"}}));
  add_hash(c_, j.stream, "s:1", {"id", "1", "name", "Ann", "email", "a@x"});
  JobWorker w(j, test_settings(redis_), pg_sinks());
  size_t applied = 0;
  std::thread t([&] { applied = w.run_once(); });
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:s", "state") == "schema-error"; }));
  query("ALTER TABLE s ADD COLUMN email text");
  t.join();
  EXPECT_EQ(applied, 1u);
  EXPECT_EQ(query("SELECT id, name, email FROM s"), (Rows{{"1", "Ann", "a@x"}}));
  EXPECT_EQ(c_.command({"EXISTS", "wb:dlq:s"}).integer, 0);
}

TEST_F(PostgresApplierTest, ServerStoppedMidRunLosesNothing) {
  query("CREATE TABLE o (id int PRIMARY KEY, v text)");
  ApplierPlan plan;
  plan.settings = test_settings(redis_);
  plan.settings.read_batch_size = 50;
  plan.settings.write_batch_size = 20;
  plan.jobs.push_back(job("o", output("o", {{"id", "id"}}, {{"v", "v"}})));
  Applier applier(plan, pg_sinks());
  applier.start();
  const int kKeys = 400;
  for (int i = 0; i < kKeys / 2; ++i) add_hash(c_, "wb:stream:o", "o:" + std::to_string(i), {"id", std::to_string(i), "v", "a"});
  pg().stop();
  for (int i = kKeys / 2; i < kKeys; ++i) add_hash(c_, "wb:stream:o", "o:" + std::to_string(i), {"id", std::to_string(i), "v", "a"});
  for (int i = 0; i < kKeys; i += 3) add_hash(c_, "wb:stream:o", "o:" + std::to_string(i), {"id", std::to_string(i), "v", "b"}, "u");
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:o", "state") == "retrying"; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_GT(c_.command({"XPENDING", "wb:stream:o", "writebehind"}).elements[0].integer, 0);
  pg().start();
  EXPECT_TRUE(wait_until([&] { return c_.command({"XLEN", "wb:stream:o"}).integer == 0; }, std::chrono::seconds(30)));
  applier.stop();
  applier.wait();
  EXPECT_EQ(query("SELECT count(*), count(*) FILTER (WHERE v = 'b') FROM o"), (Rows{{"400", "134"}}));
  EXPECT_EQ(hget(c_, "wb:stats:o", "state"), "running");
  int64_t inserted = std::stoll(hget(c_, "wb:stats:o", "inserted"));
  EXPECT_EQ(inserted, kKeys);  // counted once each, though some batches were retried
}

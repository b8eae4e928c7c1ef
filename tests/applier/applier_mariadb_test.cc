// The applier end to end into a real MariaDB 10.11 (one shared server; a database per test):
// upserts, deletes and key changes via tracking, poison records with the server's error, and the
// server stopped mid-run with nothing lost.
#include <gtest/gtest.h>

#include "applier/applier.h"
#include "applier_fixture.h"
#include "harness/mariadb_server.h"
#include "harness/process.h"

using namespace wbtest;
using namespace wb::applier;
using Rows = std::vector<std::vector<std::string>>;

namespace {

class MariaDbApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::string("t_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    maria().create_database(db_);
  }

  static MariaDbServer& maria() { return shared_mariadb(); }
  Rows query(const std::string& sql) { return maria().query(sql, db_); }

  SinkFactory maria_sinks() const {
    wb::sink::ConnectionSettings s;
    s.type = "mariadb";
    s.host = maria().host();
    s.port = maria().port();
    s.database = db_;
    s.user = maria().user();
    s.password = maria().password();
    s.connect_timeout = std::chrono::seconds(2);
    return [s](const std::string&) { return wb::sink::make_sink(s); };
  }

  JobPlan job(const std::string& table, std::vector<ColumnSource> keys, std::vector<ColumnSource> mapping) const {
    JobPlan j;
    j.name = table;
    j.stream = "wb:stream:" + table;
    OutputPlan o;
    o.name = "maria." + table;
    o.connection = "maria";
    o.table = {db_, table};
    o.keys = std::move(keys);
    o.mapping = std::move(mapping);
    j.outputs.push_back(std::move(o));
    return j;
  }

  RedisServer redis_{plain_redis()};
  RedisClient c_ = redis_.client();
  std::string db_;
};

}  // namespace

TEST_F(MariaDbApplierTest, UpsertsDeletesAndKeyChanges) {
  query("CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(40), country VARCHAR(2))");
  auto j = job("customers", {{"id", "id"}}, {{"email", "email"}, {"country", "country"}});
  add_hash(c_, j.stream, "customer:1", {"id", "1", "email", "a@x", "country", "NL"});
  add_hash(c_, j.stream, "customer:2", {"id", "2", "email", "b@x"});
  add_hash(c_, j.stream, "customer:3", {"id", "3", "email", "c@x", "country", "SE"});
  JobWorker w(j, test_settings(redis_), maria_sinks());
  drain(w, c_, j.stream);
  add_hash(c_, j.stream, "customer:1", {"id", "1", "email", "new@x", "country", "NL"}, "u");
  add_hash(c_, j.stream, "customer:2", {"id", "20", "email", "b@x"}, "u");
  add_delete(c_, j.stream, "customer:3");
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT id, email, country FROM customers ORDER BY id"),
            (Rows{{"1", "new@x", "NL"}, {"20", "b@x", "\\N"}}));
}

TEST_F(MariaDbApplierTest, PoisonRecordsAreDeadLetteredWithTheServerError) {
  query("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(3), n INT)");
  auto j = job("p", {{"id", "id"}}, {{"code", "code"}, {"n", "n"}});
  for (int i = 1; i <= 10; ++i) {
    std::vector<std::string> f{"id", std::to_string(i), "code", "c" + std::to_string(i), "n", std::to_string(i)};
    if (i == 3) f[3] = "toolong";
    if (i == 8) f[5] = "eight";
    add_hash(c_, j.stream, "p:" + std::to_string(i), f);
  }
  JobWorker w(j, test_settings(redis_), maria_sinks());
  drain(w, c_, j.stream);
  EXPECT_EQ(query("SELECT count(*) FROM p")[0][0], "8");
  Reply dlq = c_.command({"XRANGE", "wb:dlq:p", "-", "+"});
  ASSERT_EQ(dlq.elements.size(), 2u) << dlq.to_string();
  std::map<std::string, std::string> errors;
  for (const auto& e : dlq.elements) errors[e.elements[1].elements[9].str] = e.elements[1].elements[1].str;
  EXPECT_NE(errors["p:3"].find("too long"), std::string::npos) << errors["p:3"];
  EXPECT_NE(errors["p:8"].find("Incorrect integer value"), std::string::npos) << errors["p:8"];
}

TEST_F(MariaDbApplierTest, ServerStoppedMidRunLosesNothing) {
  query("CREATE TABLE o (id INT PRIMARY KEY, v VARCHAR(8))");
  ApplierPlan plan;
  plan.settings = test_settings(redis_);
  plan.settings.read_batch_size = 40;
  plan.jobs.push_back(job("o", {{"id", "id"}}, {{"v", "v"}}));
  Applier applier(plan, maria_sinks());
  applier.start();
  for (int i = 0; i < 100; ++i) add_hash(c_, "wb:stream:o", "o:" + std::to_string(i), {"id", std::to_string(i), "v", "a"});
  maria().stop();
  for (int i = 100; i < 200; ++i) add_hash(c_, "wb:stream:o", "o:" + std::to_string(i), {"id", std::to_string(i), "v", "a"});
  EXPECT_TRUE(wait_until([&] { return hget(c_, "wb:stats:o", "state") == "retrying"; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  maria().start();
  EXPECT_TRUE(wait_until([&] { return c_.command({"XLEN", "wb:stream:o"}).integer == 0; }, std::chrono::seconds(30)));
  applier.stop();
  applier.wait();
  EXPECT_EQ(query("SELECT count(*) FROM o")[0][0], "200");
}

// End to end: real redis-server with the capture module, `writebehind deploy`, the applier (the
// plan `writebehind run` builds: transforms and foreach from src/transform) and a real target —
// SQLite, PostgreSQL and MariaDB.
//  - ../shared/examples/rdi-current: its job file copied unchanged (filter in SQL, add_field in
//    both languages, remove_field), a config.yaml pointing "warehouse" at the test's server.
//  - a foreach job after RDI's example: one JSON order document -> a master row and one row per
//    order line; lines a document no longer has are deleted, and all of its rows when the key is.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <sqlite3.h>

#include "applier/applier.h"
#include "applier/plan_from_config.h"
#include "cli_process.h"
#include "config/loader.h"
#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"
#include "harness/redis_server.h"
#include "transform/chain.h"
#include "transform/expression_checks.h"
#include "transform/foreach_expander.h"

namespace wbtest {
namespace {

namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

// What a target needs from a test: the connection's config.yaml block, SQL to run, and how NULL
// reads back.
struct Target {
  std::string connection_yaml;                      // "    type: ...\n    ..." under the connection name
  std::function<void(const std::string&)> execute;  // runs one statement
  std::function<Rows(const std::string&)> query;
};

Rows sqlite_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  sqlite3_busy_timeout(db, 5000);
  Rows rows;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string m = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(m);
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      auto* t = sqlite3_column_text(st, i);
      row.push_back(t ? reinterpret_cast<const char*>(t) : "\\N");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

std::string lower_test_name() {
  std::string n = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::string out = "e2e_";
  for (char c : n) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class EndToEnd : public ::testing::Test {
 protected:
  EndToEnd() : dir_("wb_e2e") { fs::create_directories(dir_.file("jobs")); }

  ~EndToEnd() override {
    if (applier_) {
      applier_->stop();
      applier_->wait();
    }
  }

  Target sqlite_target() {
    std::string path = dir_.file("warehouse.db");
    Target t;
    t.connection_yaml = "    type: sqlite\n    database: ./warehouse.db\n";
    t.execute = [path](const std::string& sql) { sqlite_query(path, sql); };
    t.query = [path](const std::string& sql) { return sqlite_query(path, sql); };
    return t;
  }

  // A database of the test's own on the shared server, with a schema "shop".
  Target postgres_target() {
    PostgresServer& pg = shared_postgres();
    std::string db = lower_test_name();
    pg.create_database(db);
    pg.query("CREATE SCHEMA shop", db);
    Target t;
    t.connection_yaml = "    type: postgresql\n    host: 127.0.0.1\n    port: " + std::to_string(pg.port()) +
                        "\n    database: " + db + "\n    user: postgres\n";
    t.execute = [&pg, db](const std::string& sql) { pg.query(sql, db); };
    t.query = [&pg, db](const std::string& sql) { return pg.query(sql, db); };
    return t;
  }

  // MariaDB's schema is a database: "shop" is the test's own.
  Target mariadb_target(const std::string& schema) {
    MariaDbServer& m = shared_mariadb();
    m.create_database(schema);
    Target t;
    t.connection_yaml = "    type: mariadb\n    host: 127.0.0.1\n    port: " + std::to_string(m.port()) + "\n    database: " +
                        schema + "\n    user: root\n";
    t.execute = [&m, schema](const std::string& sql) { m.query(sql, schema); };
    t.query = [&m, schema](const std::string& sql) { return m.query(sql, schema); };
    return t;
  }

  void write(const std::string& rel, const std::string& text) { std::ofstream(dir_.file(rel)) << text; }

  void write_config(const std::string& connection, const Target& t) {
    write("config.yaml", "connections:\n  " + connection + ":\n" + t.connection_yaml +
                             "applier:\n  read_batch_size: 100\n  write_batch_size: 50\n  duration: 20\n");
  }

  // `writebehind deploy`, then the applier on the pipeline (what `writebehind run --dir` builds).
  void deploy_and_run() {
    CliRun d = run_writebehind({"deploy", "--dir", dir_.path(), "--redis", redis_.url()});
    ASSERT_EQ(d.exit_code, 0) << d.describe();
    wb::transform::register_expression_checkers();
    auto loaded = wb::config::load_pipeline_dir(dir_.path());
    ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.to_string();
    wb::applier::PlanOptions po;
    po.redis = wb::RedisEndpoint::parse(redis_.url());
    po.instance_id = "e2e";
    po.pipeline_dir = dir_.path();
    po.transforms = wb::transform::chain_factory;
    po.foreach = wb::transform::row_expander;
    wb::applier::ApplierPlan plan = wb::applier::plan_from_config(loaded.pipeline, po);
    plan.settings.retry_interval = std::chrono::milliseconds(200);
    applier_ = std::make_unique<wb::applier::Applier>(std::move(plan));
    applier_->start();
  }

  // Polls until the query returns `expected`.
  void expect_rows(const Target& t, const std::string& sql, const Rows& expected) {
    Rows last;
    bool ok = wait_until(
        [&] {
          try {
            last = t.query(sql);
          } catch (const std::exception&) {
            return false;
          }
          return last == expected;
        },
        std::chrono::seconds(20));
    if (!ok) {
      std::string got;
      for (const auto& r : last) {
        for (const auto& v : r) got += v + "|";
        got += "\n";
      }
      ADD_FAILURE() << sql << " returned:\n" << got;
    }
  }

  // --- rdi-current ---------------------------------------------------------------------------

  void rdi_current(const Target& t, const std::string& table) {
    fs::copy_file(shared_dir() + "/examples/rdi-current/jobs/customers.yaml", dir_.file("jobs/customers.yaml"));
    write_config("warehouse", t);
    ASSERT_NO_FATAL_FAILURE(deploy_and_run());
    RedisClient c = redis_.client();
    c.command({"HSET", "customer:1", "id", "1", "first_name", "Ann", "last_name", "Lee", "email", "ann@x", "country_code", "FR",
               "country_name", "France", "credit_card", "4111", "status", "live"});
    c.command({"HSET", "customer:2", "id", "2", "first_name", "Bo", "last_name", "Li", "email", "bo@x", "country_code", "DE",
               "country_name", "Germany", "status", "test"});
    c.command({"HSET", "customer:3", "id", "3", "first_name", "Cy", "last_name", "Ng", "email", "cy@x", "country_code", "se",
               "country_name", "Sweden", "status", "live"});
    const std::string sql = "SELECT customer_id, full_name, email, country_label FROM " + table + " ORDER BY customer_id";
    expect_rows(t, sql, {{"1", "Ann Lee", "ann@x", "FR - FRANCE"}, {"3", "Cy Ng", "cy@x", "se - SWEDEN"}});
    // An update, a delete (the row found by key tracking), a record the filter now drops.
    c.command({"HSET", "customer:3", "email", "cy@new"});
    c.command({"DEL", "customer:1"});
    c.command({"HSET", "customer:4", "id", "4", "first_name", "Di", "last_name", "Ro", "status", "test"});
    expect_rows(t, sql, {{"3", "Cy Ng", "cy@new", "se - SWEDEN"}});
  }

  // --- foreach ---------------------------------------------------------------------------------

  static std::string order_job(const std::string& schema_line) {
    return "source:\n"
           "  redis:\n"
           "    key_pattern: orderdetail:*\n"
           "transform:\n"
           "  - uses: add_field\n"
           "    with:\n"
           "      fields:\n"
           "        - field: my_orders\n"
           "          language: jmespath\n"
           "          expression: |\n"
           "            orders[*].{\n"
           "              code: code,\n"
           "              periodStartTime: periodStartTime,\n"
           "              specs: to_string(specs)\n"
           "            }\n"
           "output:\n"
           "  - uses: relational.write\n"
           "    with:\n"
           "      connection: shopdb\n" +
           schema_line +
           "      table: order_master\n"
           "      keys:\n"
           "        - code: orderDetail.code\n"
           "      mapping:\n"
           "        - delivery_date: orderDetail.deliveryDate\n"
           "        - country_code: orderDetail.countryCode\n"
           "  - uses: relational.write\n"
           "    with:\n"
           "      connection: shopdb\n" +
           schema_line +
           "      table: order_lines\n"
           "      foreach: \"order: my_orders[]\"\n"
           "      keys:\n"
           "        - code: order.code\n"
           "      mapping:\n"
           "        - order_detail_code: orderDetail.code\n"
           "        - period_start: order.periodStartTime\n"
           "        - specs: order.specs\n";
  }

  static std::string order_doc(const std::string& code, const std::vector<std::pair<std::string, std::string>>& lines) {
    nlohmann::json doc = {{"orderDetail", {{"code", code}, {"deliveryDate", "2024-05-01"}, {"countryCode", "FR"}}},
                          {"orders", nlohmann::json::array()}};
    for (const auto& [c, start] : lines) {
      doc["orders"].push_back({{"code", c}, {"periodStartTime", start}, {"periodEndTime", "x"}, {"specs", {{{"k", c}}}}});
    }
    return doc.dump();
  }

  void foreach_orders(const Target& t, const std::string& schema) {
    std::string prefix = schema.empty() ? "" : schema + ".";
    t.execute("CREATE TABLE " + prefix + "order_master (code varchar(20) PRIMARY KEY, delivery_date varchar(20), country_code varchar(2))");
    t.execute("CREATE TABLE " + prefix + "order_lines (code varchar(20) PRIMARY KEY, order_detail_code varchar(20), "
              "period_start varchar(20), specs varchar(200))");
    write("jobs/orders.yaml", order_job(schema.empty() ? "" : "      schema: " + schema + "\n"));
    write_config("shopdb", t);
    ASSERT_NO_FATAL_FAILURE(deploy_and_run());
    RedisClient c = redis_.client();
    c.command({"SET", "orderdetail:1", order_doc("OD1", {{"O1", "08:00"}, {"O2", "10:00"}})});
    c.command({"SET", "orderdetail:2", order_doc("OD2", {{"O9", "12:00"}})});
    const std::string masters = "SELECT code, delivery_date, country_code FROM " + prefix + "order_master ORDER BY code";
    const std::string lines = "SELECT code, order_detail_code, period_start, specs FROM " + prefix + "order_lines ORDER BY code";
    expect_rows(t, masters, {{"OD1", "2024-05-01", "FR"}, {"OD2", "2024-05-01", "FR"}});
    expect_rows(t, lines, {{"O1", "OD1", "08:00", R"([{"k":"O1"}])"},
                           {"O2", "OD1", "10:00", R"([{"k":"O2"}])"},
                           {"O9", "OD2", "12:00", R"([{"k":"O9"}])"}});
    // The document changes: O1 is gone, O2 moves, O3 is new.
    c.command({"SET", "orderdetail:1", order_doc("OD1", {{"O2", "10:30"}, {"O3", "14:00"}})});
    expect_rows(t, lines, {{"O2", "OD1", "10:30", R"([{"k":"O2"}])"},
                           {"O3", "OD1", "14:00", R"([{"k":"O3"}])"},
                           {"O9", "OD2", "12:00", R"([{"k":"O9"}])"}});
    // The key is deleted: its master row and every line it wrote go; the other order stays.
    c.command({"DEL", "orderdetail:1"});
    expect_rows(t, masters, {{"OD2", "2024-05-01", "FR"}});
    expect_rows(t, lines, {{"O9", "OD2", "12:00", R"([{"k":"O9"}])"}});
  }

  TempDir dir_;
  RedisServer redis_;
  std::unique_ptr<wb::applier::Applier> applier_;
};

TEST_F(EndToEnd, RdiCurrentIntoSqlite) {
  Target t = sqlite_target();
  t.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, country_label TEXT)");
  rdi_current(t, "customers");
}

TEST_F(EndToEnd, RdiCurrentIntoPostgres) {
  Target t = postgres_target();
  t.execute("CREATE TABLE shop.customers (customer_id integer PRIMARY KEY, full_name text, email text, country_label text)");
  rdi_current(t, "shop.customers");
}

TEST_F(EndToEnd, RdiCurrentIntoMariadb) {
  // The job's schema "shop" is the MariaDB database.
  Target t = mariadb_target("shop");
  t.execute("CREATE TABLE customers (customer_id int PRIMARY KEY, full_name varchar(100), email varchar(100), "
            "country_label varchar(100))");
  rdi_current(t, "shop.customers");
}

TEST_F(EndToEnd, ForeachOrderLinesIntoSqlite) { foreach_orders(sqlite_target(), ""); }

TEST_F(EndToEnd, ForeachOrderLinesIntoPostgres) { foreach_orders(postgres_target(), "shop"); }

TEST_F(EndToEnd, ForeachOrderLinesIntoMariadb) { foreach_orders(mariadb_target("orders_e2e"), "orders_e2e"); }

}  // namespace
}  // namespace wbtest

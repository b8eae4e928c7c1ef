// The MySQL/MariaDB sink against a real MariaDB 10.11: the conformance suite plus typed columns,
// strict mode, chunked statements, permissions, connect_args and a server that goes away.
#include <stdexcept>

#include "conformance.h"
#include "harness/mariadb_server.h"

namespace wbtest {
namespace {

using wb::sink::ErrorKind;
using wb::sink::Row;
using wb::sink::SinkError;
using wb::sink::TableWrite;

const char* const kDatabase = "sinktest";

MariaDbServer& server() {
  static bool ready = [] {
    shared_mariadb().query(std::string("CREATE DATABASE ") + kDatabase + " CHARACTER SET utf8mb4");
    return true;
  }();
  (void)ready;
  return shared_mariadb();
}

wb::sink::ConnectionSettings settings_for(MariaDbServer& db, const std::string& database = kDatabase) {
  wb::sink::ConnectionSettings s;
  s.type = "mariadb";
  s.host = db.host();
  s.port = db.port();
  s.database = database;
  s.user = db.user();
  s.password = db.password();
  s.connect_timeout = std::chrono::seconds(2);
  return s;
}

// bulk: whether the sink may use MariaDB's bulk array binding for inserts; without it the sink takes
// the multi-row path that MySQL servers get.
class MariadbTarget : public Target {
 public:
  explicit MariadbTarget(bool bulk) : bulk_(bulk) {}
  std::string name() const override { return bulk_ ? "mariadb" : "mariadb_multirow"; }
  wb::sink::ConnectionSettings settings() override {
    auto s = settings_for(server());
    if (!bulk_) s.connect_args["bulk_operations"] = "false";
    return s;
  }
  std::string schema() override { return kDatabase; }
  std::string qualified(const std::string& table) override { return std::string(kDatabase) + "." + table; }
  void exec(const std::string& sql) override { server().query(sql, kDatabase); }
  Rows query(const std::string& sql) override { return server().query(sql, kDatabase); }
  std::string long_text() override { return "TEXT"; }
  std::string bounded_text(const std::string& column, int n) override {
    return column + " VARCHAR(" + std::to_string(n) + ")";
  }
  std::string strict_suffix() override { return ""; }

 private:
  bool bulk_;
};

INSTANTIATE_TEST_SUITE_P(
    Mariadb, SinkConformance,
    ::testing::Values(TargetParam{"mariadb", [] { return std::make_unique<MariadbTarget>(true); }},
                      TargetParam{"mariadb_multirow", [] { return std::make_unique<MariadbTarget>(false); }}),
    param_name);

Row R(std::initializer_list<const char*> values) {
  Row r;
  for (const char* v : values) r.push_back(v ? wb::sink::Value(v) : std::nullopt);
  return r;
}

ErrorKind write_error(wb::sink::Sink& sink, const TableWrite& w, std::string* message = nullptr) {
  sink.begin();
  try {
    sink.write(w);
    sink.commit();
  } catch (const SinkError& e) {
    sink.rollback();
    if (message) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "the write succeeded";
  return ErrorKind::Transient;
}

class MariadbSink : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = &server();
    sink_ = wb::sink::make_sink(settings_for(*db_));
  }
  void exec(const std::string& sql) { db_->query(sql, kDatabase); }
  Rows query(const std::string& sql) { return db_->query(sql, kDatabase); }
  void write(const TableWrite& w) {
    sink_->begin();
    sink_->write(w);
    sink_->commit();
  }

  MariaDbServer* db_ = nullptr;
  std::unique_ptr<wb::sink::Sink> sink_;
};

TEST_F(MariadbSink, CastsTextIntoTypedColumns) {
  exec("CREATE TABLE typed (id BIGINT PRIMARY KEY, i INT, n DECIMAL(10,2), ts DATETIME(3), d DATE, b BOOLEAN,"
       " j JSON, e ENUM('happy', 'sad'), f DOUBLE, bi BIT(8))");
  TableWrite w{{kDatabase, "typed"}, {"id"}, {"i", "n", "ts", "d", "b", "j", "e", "f"}};
  w.upserts = {R({"1", "42", "12.345", "2024-01-02 03:04:05.5", "2024-02-29", "1", "{\"a\": [1, 2]}", "sad", "1.5"}),
               R({"2", "-7", "0", "2024-12-31T23:59:59", "1999-01-01", "0", "[]", "happy", "-2e3"})};
  write(w);
  EXPECT_EQ(query("SELECT i + 1, n * 2, ts + INTERVAL 1 SECOND, d + INTERVAL 1 DAY, NOT b,"
                  " JSON_EXTRACT(j, '$.a[1]'), e, f * 2 FROM typed WHERE id = 1"),
            (Rows{{"43", "24.70", "2024-01-02 03:04:06.500", "2024-03-01", "0", "2", "sad", "3"}}));
  EXPECT_EQ(query("SELECT i, n, ts, b, j, e, f FROM typed WHERE id = 2"),
            (Rows{{"-7", "0.00", "2024-12-31 23:59:59.000", "0", "[]", "happy", "-2000"}}));
  TableWrite d{{kDatabase, "typed"}, {"id"}, {}};
  d.deletes = {R({"2"})};
  write(d);
  EXPECT_EQ(query("SELECT id FROM typed"), (Rows{{"1"}}));
}

TEST_F(MariadbSink, BadValuesForTypedColumnsAreDataErrors) {
  exec("CREATE TABLE strict_types (id INT PRIMARY KEY, i INT, ts DATETIME, j JSON, n DECIMAL(4,1), v VARCHAR(3),"
       " t TINYINT, e ENUM('a', 'b'), c INT CHECK (c > 0))");
  struct Case {
    const char* column;
    const char* value;
  };
  for (Case c : {Case{"i", "twelve"}, Case{"i", "99999999999"}, Case{"ts", "2024-13-45 00:00:00"},
                 Case{"j", "{not json"}, Case{"n", "123456"}, Case{"v", "abcd"}, Case{"t", "300"},
                 Case{"e", "z"}, Case{"c", "-1"}, Case{"i", ""}}) {
    TableWrite w{{kDatabase, "strict_types"}, {"id"}, {c.column}};
    w.upserts = {R({"1", c.value})};
    std::string message;
    EXPECT_EQ(write_error(*sink_, w, &message), ErrorKind::Data) << c.column << "=" << c.value << ": " << message;
  }
  EXPECT_EQ(query("SELECT COUNT(*) FROM strict_types"), (Rows{{"0"}}));
}

TEST_F(MariadbSink, StrictModeEvenWhenTheServerIsLenient) {
  exec("CREATE TABLE lenient (id INT PRIMARY KEY, v VARCHAR(3))");
  exec("SET GLOBAL sql_mode = ''");
  auto sink = wb::sink::make_sink(settings_for(*db_));
  TableWrite w{{kDatabase, "lenient"}, {"id"}, {"v"}};
  w.upserts = {R({"1", "abcdef"})};
  std::string message;
  ErrorKind kind = write_error(*sink, w, &message);
  exec("SET GLOBAL sql_mode = DEFAULT");
  EXPECT_EQ(kind, ErrorKind::Data) << message;
  EXPECT_EQ(query("SELECT COUNT(*) FROM lenient"), (Rows{{"0"}}));
}

TEST_F(MariadbSink, BatchesLargerThanOneStatementAreChunked) {
  exec("CREATE TABLE chunks (a VARCHAR(20) NOT NULL, b INT NOT NULL, v VARCHAR(20), PRIMARY KEY (a, b))");
  constexpr int kRows = 2503;  // several full chunks and a partial one
  TableWrite w{{kDatabase, "chunks"}, {"a", "b"}, {"v"}};
  for (int i = 0; i < kRows; ++i) w.upserts.push_back(Row{"k" + std::to_string(i % 7), std::to_string(i), "v"});
  write(w);
  TableWrite d{{kDatabase, "chunks"}, {"a", "b"}, {}};
  for (int i = 0; i < kRows; i += 2) d.deletes.push_back(Row{"k" + std::to_string(i % 7), std::to_string(i)});
  write(d);
  EXPECT_EQ(query("SELECT COUNT(*), SUM(b % 2) FROM chunks"), (Rows{{"1251", "1251"}}));
  // The composite-key delete uses the primary key (a range scan, not a full one).
  Rows plan = query("EXPLAIN DELETE FROM chunks WHERE (a, b) IN (('k1', 1), ('k2', 2))");
  ASSERT_FALSE(plan.empty());
  EXPECT_EQ(plan[0][3], "range") << "access type";
}

// Statement executions so far, server-wide (the tests of this binary run one at a time).
long executions(MariaDbServer& db) {
  return std::stol(db.query("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'")[0][1]);
}

TEST_F(MariadbSink, BulkBindingSendsABatchInOneExecutionMultiRowInChunks) {
  exec("CREATE TABLE paths (k VARCHAR(10) PRIMARY KEY, v TEXT)");
  TableWrite w{{kDatabase, "paths"}, {"k"}, {"v"}};
  for (int i = 0; i < 1500; ++i) w.upserts.push_back(Row{std::to_string(i), i % 3 ? wb::sink::Value("x") : std::nullopt});
  long before = executions(*db_);
  write(w);
  EXPECT_EQ(executions(*db_) - before, 1);  // 1,500 rows, one bulk execution
  EXPECT_EQ(query("SELECT COUNT(*), COUNT(v), MIN(v) FROM paths"), (Rows{{"1500", "1000", "x"}}));  // NULLs kept

  auto s = settings_for(*db_);
  s.connect_args["bulk_operations"] = "false";
  auto multirow = wb::sink::make_sink(s);
  for (auto& r : w.upserts) r[1] = "y";
  before = executions(*db_);
  multirow->begin();
  multirow->write(w);
  multirow->commit();
  EXPECT_EQ(executions(*db_) - before, 2);  // chunks of 1,000 rows
  EXPECT_EQ(query("SELECT COUNT(*), COUNT(v), MIN(v) FROM paths"), (Rows{{"1500", "1500", "y"}}));
}

TEST_F(MariadbSink, ARowLargerThanMaxAllowedPacketIsADataError) {
  exec("CREATE TABLE big (k INT PRIMARY KEY, v LONGTEXT)");
  exec("SET GLOBAL max_allowed_packet = 1048576");  // for connections opened from now on
  auto sink = wb::sink::make_sink(settings_for(*db_));
  TableWrite w{{kDatabase, "big"}, {"k"}, {"v"}};
  w.upserts = {Row{std::string("1"), std::string(400 * 1024, 'a')}, Row{std::string("2"), std::string(400 * 1024, 'b')}};
  sink->begin();
  sink->write(w);  // two rows that fit one at a time go in separate executions
  sink->commit();
  w.upserts = {Row{std::string("3"), std::string(2 * 1024 * 1024, 'c')}};
  std::string message;
  ErrorKind kind = write_error(*sink, w, &message);
  exec("SET GLOBAL max_allowed_packet = DEFAULT");
  EXPECT_EQ(kind, ErrorKind::Data) << message;
  EXPECT_EQ(query("SELECT k, LENGTH(v) FROM big ORDER BY k"), (Rows{{"1", "409600"}, {"2", "409600"}}));
}

TEST_F(MariadbSink, UniqueIndexOtherThanThePrimaryKeyServesUpserts) {
  exec("CREATE TABLE by_email (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(50) NOT NULL UNIQUE, name TEXT)");
  exec("INSERT INTO by_email (email, name) VALUES ('a@x', 'old')");
  TableWrite w{{kDatabase, "by_email"}, {"email"}, {"name"}};
  w.upserts = {R({"a@x", "new"}), R({"b@x", "b"})};
  write(w);
  EXPECT_EQ(query("SELECT id, email, name FROM by_email WHERE id = 1"), (Rows{{"1", "a@x", "new"}}));
  EXPECT_EQ(query("SELECT email, name FROM by_email ORDER BY email"), (Rows{{"a@x", "new"}, {"b@x", "b"}}));
}

TEST_F(MariadbSink, ConnectionDatabaseIsTheDefaultSchema) {
  exec("CREATE TABLE plain (id INT PRIMARY KEY, v TEXT)");
  TableWrite w{{"", "plain"}, {"id"}, {"v"}};
  w.upserts = {R({"1", "x"})};
  write(w);
  EXPECT_EQ(query("SELECT id, v FROM plain"), (Rows{{"1", "x"}}));
  EXPECT_STREQ(sink_->dialect(), "mysql");
}

TEST_F(MariadbSink, QuotedNames) {
  exec("CREATE TABLE `Mixed ``Case`` Table` (`Key Col` VARCHAR(10) PRIMARY KEY, `select` TEXT)");
  TableWrite w{{kDatabase, "Mixed `Case` Table"}, {"Key Col"}, {"select"}};
  w.upserts = {R({"k", "v"})};
  write(w);
  w.upserts = {R({"k", "v2"})};
  write(w);
  EXPECT_EQ(query("SELECT `Key Col`, `select` FROM `Mixed ``Case`` Table`"), (Rows{{"k", "v2"}}));
}

TEST_F(MariadbSink, PermissionDeniedIsASchemaError) {
  exec("CREATE TABLE guarded (id INT PRIMARY KEY, v TEXT)");
  exec("CREATE USER IF NOT EXISTS 'sink_reader'@'%'");
  exec("GRANT SELECT ON sinktest.guarded TO 'sink_reader'@'%'");
  auto s = settings_for(*db_);
  s.user = "sink_reader";
  auto sink = wb::sink::make_sink(s);
  TableWrite w{{kDatabase, "guarded"}, {"id"}, {"v"}};
  w.upserts = {R({"1", "x"})};
  std::string message;
  EXPECT_EQ(write_error(*sink, w, &message), ErrorKind::Schema) << message;
  EXPECT_NE(message.find("denied"), std::string::npos) << message;
}

TEST_F(MariadbSink, UnknownConnectArgIsRejected) {
  auto s = settings_for(*db_);
  s.connect_args["frobnicate"] = "yes";
  auto sink = wb::sink::make_sink(s);
  try {
    sink->begin();
    FAIL() << "connected with an unknown connect_args key";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema);
    EXPECT_NE(std::string(e.what()).find("frobnicate"), std::string::npos) << e.what();
  }
}

TEST_F(MariadbSink, UnreachableServerIsTransient) {
  auto s = settings_for(*db_);
  s.port = free_port();
  auto sink = wb::sink::make_sink(s);
  EXPECT_FALSE(sink->ping());
  try {
    sink->begin();
    FAIL() << "connected to a closed port";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
  }
}

TEST_F(MariadbSink, ServerStoppedIsTransientAndTheSinkReconnects) {
  MariaDbServer own;  // not the shared server: this one is stopped
  own.query("CREATE DATABASE db");
  own.query("CREATE TABLE kv (k VARCHAR(10) PRIMARY KEY, v TEXT)", "db");
  auto sink = wb::sink::make_sink(settings_for(own, "db"));
  TableWrite w{{"", "kv"}, {"k"}, {"v"}};
  w.upserts = {R({"a", "1"})};
  sink->begin();
  sink->write(w);
  sink->commit();

  sink->begin();
  own.stop();
  w.upserts = {R({"b", "2"})};
  ErrorKind kind = ErrorKind::Data;
  std::string message;
  try {
    sink->write(w);
    sink->commit();
    ADD_FAILURE() << "wrote to a stopped server";
  } catch (const SinkError& e) {
    kind = e.kind();
    message = e.what();
  }
  EXPECT_EQ(kind, ErrorKind::Transient) << message;
  sink->rollback();
  try {
    sink->begin();
    ADD_FAILURE() << "began on a stopped server";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
  }

  own.start();
  sink->begin();
  sink->write(w);
  sink->commit();
  EXPECT_EQ(own.query("SELECT k, v FROM kv ORDER BY k", "db"), (Rows{{"a", "1"}, {"b", "2"}}));
}

// --- progress table ------------------------------------------------------------------------------

TEST_F(MariadbSink, ProgressTableIsCreatedInTheConnectionDatabase) {
  db_->query("CREATE DATABASE progress_home CHARACTER SET latin1");  // the table brings its own charset
  auto sink = wb::sink::make_sink(settings_for(*db_, "progress_home"));
  sink->ensure_progress_table();
  EXPECT_EQ(db_->query("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME FROM information_schema.COLUMNS"
                       " WHERE TABLE_SCHEMA = 'progress_home' AND TABLE_NAME = 'writebehind_progress'"
                       " ORDER BY ORDINAL_POSITION"),
            (Rows{{"job", "varchar(191)", "NO", "utf8mb4"},
                  {"consumer", "varchar(191)", "NO", "utf8mb4"},
                  {"batch_first_id", "varchar(64)", "NO", "utf8mb4"},
                  {"committed_id", "varchar(64)", "NO", "utf8mb4"},
                  {"rejected", "longtext", "NO", "utf8mb4"},
                  {"updated_at", "datetime(6)", "NO", "\\N"}}));
  wb::sink::Progress p{"home-job", "ünï 🚀", "1-0", "2-0", "✓"};
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  EXPECT_EQ(db_->query("SELECT job, consumer, rejected FROM writebehind_progress", "progress_home"),
            (Rows{{"home-job", "ünï 🚀", "✓"}}));
  // The test database has its own table, without that row.
  sink_->ensure_progress_table();
  EXPECT_FALSE(sink_->read_progress("home-job", "ünï 🚀").has_value());
}

TEST_F(MariadbSink, ProgressTableWithoutADatabaseIsASchemaError) {
  auto sink = wb::sink::make_sink(settings_for(*db_, ""));
  try {
    sink->ensure_progress_table();
    FAIL() << "created the table without a database";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
  }
}

TEST_F(MariadbSink, ProgressNamesUpTo191CharactersAndIdsUpTo64) {
  sink_->ensure_progress_table();
  std::string longest;
  for (size_t i = 0; i < wb::sink::kMaxProgressNameCharsMysql; ++i) longest += "🚀";  // 764 bytes
  wb::sink::Progress p{longest, longest, "1-0", "2-0", ""};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  auto back = sink_->read_progress(longest, longest);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->job, longest);
  // One more character: refused before the server would report a (record) Data error.
  wb::sink::Progress over{longest + "x", "c1", "1-0", "2-0", ""};
  sink_->begin();
  try {
    sink_->write_progress(over);
    ADD_FAILURE() << "wrote a name longer than the column";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
  }
  sink_->rollback();
  EXPECT_THROW(sink_->read_progress("c1", longest + "x"), SinkError);
  ASSERT_EQ(sink_->read_job_progress(longest).size(), 1u);
  EXPECT_EQ(sink_->read_job_progress(longest)[0].consumer, longest);
  try {
    sink_->read_job_progress(longest + "x");
    ADD_FAILURE() << "read a job name longer than the column";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
  }
  // Stream ids longer than their columns (64 characters; a Redis id has at most 41): Schema too.
  wb::sink::Progress long_id{"c1", "c1", "1-0", std::string(65, '9'), ""};
  sink_->begin();
  try {
    sink_->write_progress(long_id);
    ADD_FAILURE() << "wrote an id longer than the column";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
  }
  sink_->rollback();
}

// utf8mb4_bin (the binary collation MySQL and MariaDB share) is PAD SPACE: trailing spaces do not
// distinguish keys. Documented in src/sink/README.md; job and consumer names never end in spaces.
TEST_F(MariadbSink, ProgressKeysIgnoreTrailingSpaces) {
  sink_->ensure_progress_table();
  wb::sink::Progress p{"pad-job", "c1", "1-0", "2-0", ""};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  auto back = sink_->read_progress("pad-job  ", "c1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->committed_id, "2-0");
  EXPECT_FALSE(sink_->read_progress("PAD-JOB", "c1").has_value());  // case does distinguish them
}

TEST_F(MariadbSink, ProgressWritesAreOnePreparedExecution) {
  sink_->ensure_progress_table();
  auto prepares = [&] { return std::stol(db_->query("SHOW GLOBAL STATUS LIKE 'Com_stmt_prepare'")[0][1]); };
  wb::sink::Progress p{"prepared-job", "c1", "1-0", "2-0", ""};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  long prepared = prepares();
  long before = executions(*db_);
  for (int i = 0; i < 3; ++i) {
    p.committed_id = std::to_string(i + 3) + "-0";
    sink_->begin();
    sink_->write_progress(p);
    sink_->commit();
  }
  EXPECT_EQ(executions(*db_) - before, 3);
  EXPECT_EQ(prepares(), prepared);  // prepared once per connection
  EXPECT_EQ(sink_->read_progress("prepared-job", "c1")->committed_id, "5-0");
}

TEST_F(MariadbSink, ProgressRowLargerThanMaxAllowedPacketIsASchemaError) {
  exec("SET GLOBAL max_allowed_packet = 1048576");  // for connections opened from now on
  auto sink = wb::sink::make_sink(settings_for(*db_));
  sink->ensure_progress_table();
  wb::sink::Progress p{"packet-job", "c1", "1-0", "2-0", std::string(900 * 1024, 'r')};
  sink->begin();
  sink->write_progress(p);  // fits
  sink->commit();
  p.rejected = std::string(2 * 1024 * 1024, 's');
  p.committed_id = "3-0";
  sink->begin();
  std::string message;
  ErrorKind kind = ErrorKind::Data;
  try {
    sink->write_progress(p);
    sink->commit();
    ADD_FAILURE() << "sent a row larger than max_allowed_packet";
  } catch (const SinkError& e) {
    kind = e.kind();
    message = e.what();
  }
  sink->rollback();
  exec("SET GLOBAL max_allowed_packet = DEFAULT");
  EXPECT_EQ(kind, ErrorKind::Schema) << message;
  auto back = sink->read_progress("packet-job", "c1");  // the connection survived
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->committed_id, "2-0");
  EXPECT_EQ(back->rejected.size(), 900u * 1024);
}

TEST_F(MariadbSink, ProgressTableWithoutCreatePrivilege) {
  db_->query("CREATE DATABASE progress_locked");
  exec("CREATE USER IF NOT EXISTS 'progress_writer'@'%'");
  exec("GRANT SELECT, INSERT, UPDATE ON progress_locked.* TO 'progress_writer'@'%'");
  auto s = settings_for(*db_, "progress_locked");
  s.user = "progress_writer";
  auto sink = wb::sink::make_sink(s);
  try {
    sink->ensure_progress_table();
    FAIL() << "created the table without the CREATE privilege";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
    EXPECT_NE(std::string(e.what()).find("denied"), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), "1142") << e.what();
  }
  // Created by an administrator: the DML-only user ensures, writes and reads.
  wb::sink::make_sink(settings_for(*db_, "progress_locked"))->ensure_progress_table();
  sink->ensure_progress_table();
  wb::sink::Progress p{"locked-job", "c1", "1-0", "2-0", "[]"};
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  auto back = sink->read_progress("locked-job", "c1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->committed_id, "2-0");
}

}  // namespace
}  // namespace wbtest

// The SQLite sink against a real database file: the conformance suite plus what only SQLite has
// (attached databases as schemas, a schema name that is ignored, type affinity, lock contention).
#include <sqlite3.h>

#include <stdexcept>

#include "conformance.h"
#include "harness/process.h"

namespace wbtest {
namespace {

using wb::sink::ErrorKind;
using wb::sink::Row;
using wb::sink::SinkError;
using wb::sink::TableWrite;

// A test's own connection to a database file, to set tables up and read them back.
class SqliteConnection {
 public:
  explicit SqliteConnection(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~SqliteConnection() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(msg + " in: " + sql);
    }
  }

  Rows query(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
    Rows out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const unsigned char* p = sqlite3_column_text(s, i);
        row.push_back(p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s, i)) : "\\N");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteTarget : public Target {
 public:
  SqliteTarget() : dir_("wbtest-sqlite"), conn_(dir_.file("target.db")) {}
  std::string name() const override { return "sqlite"; }
  wb::sink::ConnectionSettings settings() override {
    wb::sink::ConnectionSettings s;
    s.type = "sqlite";
    s.database = dir_.file("target.db");
    return s;
  }
  std::string schema() override { return ""; }
  std::string qualified(const std::string& table) override { return table; }
  void exec(const std::string& sql) override { conn_.exec(sql); }
  Rows query(const std::string& sql) override { return conn_.query(sql); }
  std::string long_text() override { return "TEXT"; }
  std::string bounded_text(const std::string& column, int n) override {
    return column + " TEXT CHECK (length(" + column + ") <= " + std::to_string(n) + ")";
  }
  std::string strict_suffix() override { return " STRICT"; }

  TempDir& dir() { return dir_; }

 private:
  TempDir dir_;
  SqliteConnection conn_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, SinkConformance,
                         ::testing::Values(TargetParam{"sqlite", [] { return std::make_unique<SqliteTarget>(); }}),
                         param_name);

Row R(std::initializer_list<const char*> values) {
  Row r;
  for (const char* v : values) r.push_back(v ? wb::sink::Value(v) : std::nullopt);
  return r;
}

TEST(SqliteSink, UsesWalJournal) {
  SqliteTarget t;
  t.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
  auto sink = wb::sink::make_sink(t.settings());
  ASSERT_TRUE(sink->ping());
  SqliteConnection fresh(t.settings().database);  // the journal mode is reported per connection
  EXPECT_EQ(fresh.query("PRAGMA journal_mode"), (Rows{{"wal"}}));
  EXPECT_STREQ(sink->dialect(), "sqlite");
}

TEST(SqliteSink, SchemaNamesAnAttachedDatabaseOtherwiseIgnored) {
  SqliteTarget t;
  t.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
  auto sink = wb::sink::make_sink(t.settings());
  // "public" is no attached database: ignored, the table is main.kv.
  TableWrite w{{"public", "kv"}, {"k"}, {"v"}};
  w.upserts = {R({"a", "1"})};
  sink->begin();
  sink->write(w);
  sink->commit();
  EXPECT_EQ(t.query("SELECT k, v FROM kv"), (Rows{{"a", "1"}}));
  // "main" is: also main.kv.
  TableWrite m{{"main", "kv"}, {"k"}, {"v"}};
  m.upserts = {R({"b", "2"})};
  sink->begin();
  sink->write(m);
  sink->commit();
  EXPECT_EQ(t.query("SELECT k, v FROM kv ORDER BY k"), (Rows{{"a", "1"}, {"b", "2"}}));
}

TEST(SqliteSink, IntegerAffinityStoresNumbersAsIntegers) {
  SqliteTarget t;
  t.exec("CREATE TABLE typed (id INTEGER PRIMARY KEY, n INTEGER, r REAL, d NUMERIC, s TEXT)");
  auto sink = wb::sink::make_sink(t.settings());
  TableWrite w{{"", "typed"}, {"id"}, {"n", "r", "d", "s"}};
  w.upserts = {R({"1", "42", "2.5", "12.50", "007"}), R({"2", "abc", "x", "1e3", "8"})};
  sink->begin();
  sink->write(w);
  sink->commit();
  EXPECT_EQ(t.query("SELECT typeof(n), n + 1, typeof(r), r * 2, d, typeof(s), s FROM typed WHERE id = 1"),
            (Rows{{"integer", "43", "real", "5.0", "12.5", "text", "007"}}));
  // Without STRICT, SQLite keeps text that does not look like a number (documented, not an error).
  EXPECT_EQ(t.query("SELECT typeof(n), n, typeof(d), d FROM typed WHERE id = 2"),
            (Rows{{"text", "abc", "integer", "1000"}}));
}

TEST(SqliteSink, ALockedDatabaseIsTransient) {
  SqliteTarget t;
  t.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
  auto settings = t.settings();
  settings.busy_timeout = std::chrono::seconds(0);
  auto sink = wb::sink::make_sink(settings);
  SqliteConnection holder(settings.database);
  holder.exec("BEGIN IMMEDIATE");
  holder.exec("INSERT INTO kv VALUES ('held', 'x')");
  try {
    sink->begin();
    FAIL() << "begin succeeded while another connection held the write lock";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
  }
  holder.exec("COMMIT");
  TableWrite w{{"", "kv"}, {"k"}, {"v"}};
  w.upserts = {R({"a", "1"})};
  sink->begin();
  sink->write(w);
  sink->commit();
  EXPECT_EQ(t.query("SELECT k FROM kv ORDER BY k"), (Rows{{"a"}, {"held"}}));
}

TEST(SqliteSink, UnknownConnectionTypeIsRejected) {
  wb::sink::ConnectionSettings s;
  s.type = "oracle";
  EXPECT_THROW(wb::sink::make_sink(s), SinkError);
}

TEST(SqliteSink, ProgressTableIsCreatedInMain) {
  SqliteTarget t;
  auto sink = wb::sink::make_sink(t.settings());
  sink->ensure_progress_table();
  EXPECT_EQ(t.query("SELECT type FROM main.sqlite_master WHERE name = 'writebehind_progress'"), (Rows{{"table"}}));
  EXPECT_EQ(t.query("SELECT name, type, \"notnull\", pk FROM pragma_table_info('writebehind_progress', 'main')"
                    " ORDER BY cid"),
            (Rows{{"job", "TEXT", "1", "1"},
                  {"consumer", "TEXT", "1", "2"},
                  {"batch_first_id", "TEXT", "1", "0"},
                  {"committed_id", "TEXT", "1", "0"},
                  {"rejected", "TEXT", "1", "0"},
                  {"updated_at", "TEXT", "1", "0"}}));
  wb::sink::Progress p{"job", "c1", "1-0", "2-0", std::string("nul\0inside", 10)};  // SQLite keeps every byte
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  auto back = sink->read_progress("job", "c1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->rejected, p.rejected);
  // updated_at is UTC "YYYY-MM-DD HH:MM:SS.SSS", within a minute of the database's clock.
  EXPECT_EQ(t.query("SELECT length(updated_at), abs(julianday(updated_at) - julianday('now')) < 1.0 / 1440"
                    " FROM writebehind_progress"),
            (Rows{{"23", "1"}}));
}

TEST(SqliteSink, ProgressWaitsForTheWriteLockLikeABatch) {
  SqliteTarget t;
  auto settings = t.settings();
  settings.busy_timeout = std::chrono::seconds(0);
  auto sink = wb::sink::make_sink(settings);
  sink->ensure_progress_table();
  SqliteConnection holder(settings.database);
  holder.exec("BEGIN IMMEDIATE");
  holder.exec("INSERT INTO writebehind_progress VALUES ('held', 'c1', '1-0', '2-0', '', '')");
  // Reads see the last committed state while another connection writes (WAL).
  EXPECT_FALSE(sink->read_progress("held", "c1").has_value());
  EXPECT_TRUE(sink->read_job_progress("held").empty());
  try {
    sink->begin();
    FAIL() << "begin succeeded while another connection held the write lock";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
  }
  holder.exec("COMMIT");
  EXPECT_TRUE(sink->read_progress("held", "c1").has_value());
  EXPECT_EQ(sink->read_job_progress("held").size(), 1u);
}

}  // namespace
}  // namespace wbtest

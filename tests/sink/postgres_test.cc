// The PostgreSQL sink against a real PostgreSQL 15: the conformance suite plus casts into typed
// columns, schemas, permissions and a server that goes away and comes back.
#include <libpq-fe.h>

#include <stdexcept>
#include <thread>

#include "conformance.h"
#include "harness/postgres_server.h"

namespace wbtest {
namespace {

using wb::sink::ErrorKind;
using wb::sink::Row;
using wb::sink::SinkError;
using wb::sink::TableWrite;

const char* const kDatabase = "sinktest";
const char* const kSchema = "sink";

// The shared server, with the test database and schema created once per process.
PostgresServer& server() {
  static bool ready = [] {
    shared_postgres().create_database(kDatabase);
    shared_postgres().query(std::string("CREATE SCHEMA ") + kSchema, kDatabase);
    return true;
  }();
  (void)ready;
  return shared_postgres();
}

wb::sink::ConnectionSettings settings_for(PostgresServer& pg, const std::string& db = kDatabase) {
  wb::sink::ConnectionSettings s;
  s.type = "postgresql";
  s.host = pg.host();
  s.port = pg.port();
  s.database = db;
  s.user = pg.user();
  s.connect_timeout = std::chrono::seconds(2);
  return s;
}

class PostgresTarget : public Target {
 public:
  std::string name() const override { return "postgresql"; }
  wb::sink::ConnectionSettings settings() override { return settings_for(server()); }
  std::string schema() override { return kSchema; }
  std::string qualified(const std::string& table) override { return std::string(kSchema) + "." + table; }
  void exec(const std::string& sql) override { server().query(sql, kDatabase); }
  Rows query(const std::string& sql) override { return server().query(sql, kDatabase); }
  std::string long_text() override { return "TEXT"; }
  std::string bounded_text(const std::string& column, int n) override {
    return column + " VARCHAR(" + std::to_string(n) + ")";
  }
  std::string strict_suffix() override { return ""; }
};

INSTANTIATE_TEST_SUITE_P(Postgres, SinkConformance,
                         ::testing::Values(TargetParam{"postgresql", [] { return std::make_unique<PostgresTarget>(); }}),
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

class PostgresSink : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = &server();
    sink_ = wb::sink::make_sink(settings_for(*pg_));
  }
  void exec(const std::string& sql) { pg_->query(sql, kDatabase); }
  Rows query(const std::string& sql) { return pg_->query(sql, kDatabase); }
  void write(const TableWrite& w) {
    sink_->begin();
    sink_->write(w);
    sink_->commit();
  }

  PostgresServer* pg_ = nullptr;
  std::unique_ptr<wb::sink::Sink> sink_;
};

TEST_F(PostgresSink, CastsTextIntoTypedColumns) {
  exec("CREATE TYPE sink.mood AS ENUM ('happy', 'sad')");
  exec("CREATE DOMAIN sink.positive AS integer CHECK (VALUE > 0)");
  exec(
      "CREATE TABLE sink.typed (id bigint PRIMARY KEY, i integer, n numeric(10,2), ts timestamp,"
      " tz timestamptz, d date, b boolean, j json, jb jsonb, u uuid, arr integer[], c char(3),"
      " m sink.mood, p sink.positive, r real, by bytea)");
  TableWrite w{{kSchema, "typed"}, {"id"}, {"i", "n", "ts", "tz", "d", "b", "j", "jb", "u", "arr", "c", "m", "p", "r", "by"}};
  w.upserts = {R({"1", "42", "12.345", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-02-29", "true",
                  "{\"a\": [1, 2]}", "{\"b\": {\"c\": null}}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                  "{1,2,3}", "ab", "sad", "7", "1.5", "\\x0102"}),
               R({"2", "-7", "0", "2024-12-31 23:59:59.5", "2024-06-01 12:00:00+02", "1999-01-01", "f",
                  "[]", "[1, \"x\"]", "00000000-0000-0000-0000-000000000000", "{}", "xyz", "happy", "1",
                  "-0.25", "\\x"})};
  write(w);
  exec("SET TIME ZONE 'UTC'");
  EXPECT_EQ(query("SELECT i + 1, n * 2, ts + interval '1 second', d + 1, NOT b, jb -> 'b', arr[2], c = 'ab',"
                  " m::text, p, r * 2, length(by) FROM sink.typed WHERE id = 1"),
            (Rows{{"43", "24.70", "2024-01-02 03:04:06", "2024-03-01", "f", "{\"c\": null}", "2", "t", "sad", "7",
                   "3", "2"}}));
  EXPECT_EQ(query("SELECT extract(epoch FROM tz)::bigint, j::text, u::text FROM sink.typed WHERE id = 1"),
            (Rows{{"1704164645", "{\"a\": [1, 2]}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}}));
  EXPECT_EQ(query("SELECT i, b, extract(epoch FROM tz)::bigint, arr::text, m::text FROM sink.typed WHERE id = 2"),
            (Rows{{"-7", "f", "1717236000", "{}", "happy"}}));
  // Deletes cast the keys too (bigint here).
  TableWrite d{{kSchema, "typed"}, {"id"}, {}};
  d.deletes = {R({"2"})};
  write(d);
  EXPECT_EQ(query("SELECT id FROM sink.typed"), (Rows{{"1"}}));
}

TEST_F(PostgresSink, BadValuesForTypedColumnsAreDataErrors) {
  exec("CREATE TABLE sink.strict_types (id integer PRIMARY KEY, i integer, ts timestamp, jb jsonb,"
       " n numeric(4,1), v varchar(3), b boolean)");
  struct Case {
    const char* column;
    const char* value;
  };
  for (Case c : {Case{"i", "twelve"}, Case{"i", "99999999999"}, Case{"ts", "2024-13-45 00:00:00"},
                 Case{"jb", "{not json"}, Case{"n", "123456"}, Case{"v", "abcd"}, Case{"b", "maybe"}}) {
    TableWrite w{{kSchema, "strict_types"}, {"id"}, {c.column}};
    w.upserts = {R({"1", c.value})};
    std::string message;
    EXPECT_EQ(write_error(*sink_, w, &message), ErrorKind::Data) << c.column << "=" << c.value << ": " << message;
  }
  EXPECT_EQ(query("SELECT count(*) FROM sink.strict_types"), (Rows{{"0"}}));
  // A NUL byte cannot be stored in PostgreSQL text.
  TableWrite nul{{kSchema, "strict_types"}, {"id"}, {"v"}};
  nul.upserts = {Row{std::string("1"), std::string("a\0b", 3)}};
  EXPECT_EQ(write_error(*sink_, nul), ErrorKind::Data);
}

TEST_F(PostgresSink, QuotedSchemaAndTableNames) {
  exec("CREATE SCHEMA \"Odd Schema\"");
  exec("CREATE TABLE \"Odd Schema\".\"Mixed \"\"Case\"\" Table\" (\"Key Col\" text PRIMARY KEY, \"select\" text)");
  TableWrite w{{"Odd Schema", "Mixed \"Case\" Table"}, {"Key Col"}, {"select"}};
  w.upserts = {R({"k", "v"})};
  write(w);
  w.upserts = {R({"k", "v2"})};
  write(w);
  EXPECT_EQ(query("SELECT \"Key Col\", \"select\" FROM \"Odd Schema\".\"Mixed \"\"Case\"\" Table\""),
            (Rows{{"k", "v2"}}));
  auto cols = sink_->columns({"Odd Schema", "Mixed \"Case\" Table"});
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].name, "Key Col");
  EXPECT_EQ(cols[0].type, "text");
}

TEST_F(PostgresSink, EmptySchemaUsesTheSearchPath) {
  exec("CREATE TABLE public.plain (id integer PRIMARY KEY, v text)");
  TableWrite w{{"", "plain"}, {"id"}, {"v"}};
  w.upserts = {R({"1", "x"})};
  write(w);
  EXPECT_EQ(query("SELECT id, v FROM public.plain"), (Rows{{"1", "x"}}));
}

TEST_F(PostgresSink, UniqueIndexOtherThanThePrimaryKeyServesUpserts) {
  exec("CREATE TABLE sink.by_email (id serial PRIMARY KEY, email text NOT NULL, name text)");
  exec("CREATE UNIQUE INDEX by_email_email ON sink.by_email (email) INCLUDE (name)");
  exec("INSERT INTO sink.by_email (email, name) VALUES ('a@x', 'old')");
  TableWrite w{{kSchema, "by_email"}, {"email"}, {"name"}};
  w.upserts = {R({"a@x", "new"}), R({"b@x", "b"})};
  write(w);
  EXPECT_EQ(query("SELECT id, email, name FROM sink.by_email WHERE id = 1"), (Rows{{"1", "a@x", "new"}}));  // in place
  EXPECT_EQ(query("SELECT email, name FROM sink.by_email ORDER BY email"), (Rows{{"a@x", "new"}, {"b@x", "b"}}));
}

TEST_F(PostgresSink, PermissionDeniedIsASchemaError) {
  exec("CREATE TABLE sink.guarded (id integer PRIMARY KEY, v text)");
  exec("DO $$ BEGIN CREATE ROLE sink_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  exec("GRANT USAGE ON SCHEMA sink TO sink_reader");
  exec("GRANT SELECT ON sink.guarded TO sink_reader");
  auto s = settings_for(*pg_);
  s.user = "sink_reader";
  auto sink = wb::sink::make_sink(s);
  TableWrite w{{kSchema, "guarded"}, {"id"}, {"v"}};
  w.upserts = {R({"1", "x"})};
  std::string message;
  EXPECT_EQ(write_error(*sink, w, &message), ErrorKind::Schema) << message;
  EXPECT_NE(message.find("permission denied"), std::string::npos) << message;
}

TEST_F(PostgresSink, UnreachableServerIsTransient) {
  auto s = settings_for(*pg_);
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

TEST_F(PostgresSink, ServerStoppedIsTransientAndTheSinkReconnects) {
  PostgresServer own;  // not the shared server: this one is stopped
  own.create_database("db");
  own.query("CREATE TABLE kv (k text PRIMARY KEY, v text)", "db");
  auto sink = wb::sink::make_sink(settings_for(own, "db"));
  TableWrite w{{"", "kv"}, {"k"}, {"v"}};
  w.upserts = {R({"a", "1"})};
  sink->begin();
  sink->write(w);
  sink->commit();

  // Lost in the middle of a transaction.
  sink->begin();
  own.stop();
  w.upserts = {R({"b", "2"})};
  std::string message;
  ErrorKind kind = ErrorKind::Data;
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
  // Still down: begin fails, transiently.
  try {
    sink->begin();
    ADD_FAILURE() << "began on a stopped server";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
  }
  EXPECT_FALSE(sink->ping());

  own.start();
  sink->begin();
  sink->write(w);
  sink->commit();
  EXPECT_EQ(own.query("SELECT k, v FROM kv ORDER BY k", "db"), (Rows{{"a", "1"}, {"b", "2"}}));
}

TEST_F(PostgresSink, ServerKilledMidTransactionIsTransient) {
  PostgresServer own;
  own.create_database("db");
  own.query("CREATE TABLE kv (k text PRIMARY KEY, v text)", "db");
  auto sink = wb::sink::make_sink(settings_for(own, "db"));
  TableWrite w{{"", "kv"}, {"k"}, {"v"}};
  w.upserts = {R({"a", "1"})};
  own.query("CHECKPOINT", "db");  // the harness runs with synchronous_commit=off: make the table durable
  sink->begin();
  sink->write(w);
  own.kill();
  // kill() waits for the postmaster only; give its backends (same SIGKILL) a moment to be gone, or
  // the queued batch may still commit — which would be correct, but not what this test is about.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  try {
    sink->commit();
    ADD_FAILURE() << "committed on a killed server";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
  }
  sink->rollback();
  own.start();
  ASSERT_TRUE(wait_until([&] { return sink->ping(); }));
  sink->begin();
  sink->write(w);
  sink->commit();
  EXPECT_EQ(own.query("SELECT k, v FROM kv", "db"), (Rows{{"a", "1"}}));
}

// --- progress table ------------------------------------------------------------------------------

// The settings of a sink whose search_path is `schemas` (a libpq "options" keyword; no spaces).
wb::sink::ConnectionSettings with_search_path(PostgresServer& pg, const std::string& schemas) {
  auto s = settings_for(pg);
  s.query_args["options"] = "-c search_path=" + schemas;
  return s;
}

TEST_F(PostgresSink, ProgressTableIsCreatedInTheFirstSchemaOfTheSearchPath) {
  exec("CREATE SCHEMA progress_home");
  auto sink = wb::sink::make_sink(with_search_path(*pg_, "progress_home,public"));
  sink->ensure_progress_table();
  EXPECT_EQ(query("SELECT to_regclass('progress_home.writebehind_progress') IS NOT NULL"), (Rows{{"t"}}));
  wb::sink::Progress p{"home-job", "c1", "1-0", "2-0", ""};
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  EXPECT_EQ(query("SELECT job, consumer, committed_id FROM progress_home.writebehind_progress"),
            (Rows{{"home-job", "c1", "2-0"}}));
  // The columns and their types.
  EXPECT_EQ(query("SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                  " WHERE table_schema = 'progress_home' AND table_name = 'writebehind_progress'"
                  " ORDER BY ordinal_position"),
            (Rows{{"job", "text", "NO"},
                  {"consumer", "text", "NO"},
                  {"batch_first_id", "text", "NO"},
                  {"committed_id", "text", "NO"},
                  {"rejected", "text", "NO"},
                  {"updated_at", "timestamp with time zone", "NO"}}));
  // A sink with the default search_path has its own table (public), without that row.
  auto plain = wb::sink::make_sink(settings_for(*pg_));
  plain->ensure_progress_table();
  EXPECT_FALSE(plain->read_progress("home-job", "c1").has_value());
  EXPECT_EQ(query("SELECT to_regclass('public.writebehind_progress') IS NOT NULL"), (Rows{{"t"}}));
}

TEST_F(PostgresSink, ProgressTableWithoutCreatePermission) {
  exec("CREATE SCHEMA progress_locked");
  exec("DO $$ BEGIN CREATE ROLE progress_writer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  exec("GRANT USAGE ON SCHEMA progress_locked TO progress_writer");
  auto s = with_search_path(*pg_, "progress_locked");
  s.user = "progress_writer";
  auto sink = wb::sink::make_sink(s);
  // No CREATE on the schema: ensure fails, as a Schema error that names the cause.
  try {
    sink->ensure_progress_table();
    FAIL() << "created the table without CREATE permission";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
    EXPECT_EQ(e.code(), "42501") << e.what();
    EXPECT_NE(std::string(e.what()).find("permission denied"), std::string::npos) << e.what();
  }
  // Created by an administrator, with only DML granted: ensure, read and write all work.
  wb::sink::make_sink(with_search_path(*pg_, "progress_locked"))->ensure_progress_table();
  exec("GRANT SELECT, INSERT, UPDATE ON progress_locked.writebehind_progress TO progress_writer");
  sink->ensure_progress_table();
  wb::sink::Progress p{"locked-job", "c1", "1-0", "2-0", "[]"};
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  auto back = sink->read_progress("locked-job", "c1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->committed_id, "2-0");
  EXPECT_EQ(back->rejected, "[]");
  // Without UPDATE, the upsert of an existing row is denied: Schema, at commit.
  exec("REVOKE UPDATE ON progress_locked.writebehind_progress FROM progress_writer");
  auto again = wb::sink::make_sink(s);
  again->begin();
  std::string message;
  ErrorKind kind = ErrorKind::Data;
  try {
    again->write_progress(p);
    again->commit();
    ADD_FAILURE() << "updated without UPDATE permission";
  } catch (const SinkError& e) {
    kind = e.kind();
    message = e.what();
  }
  EXPECT_EQ(kind, ErrorKind::Schema) << message;
  again->rollback();
}

TEST_F(PostgresSink, ProgressTableWithoutASchemaToCreateIn) {
  auto sink = wb::sink::make_sink(with_search_path(*pg_, "no_such_schema"));
  try {
    sink->ensure_progress_table();
    FAIL() << "created the table without a schema";
  } catch (const SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Schema) << e.what();
  }
}

TEST_F(PostgresSink, ProgressWithANulByteIsADataError) {
  sink_->ensure_progress_table();
  sink_->begin();
  std::string message;
  ErrorKind kind = ErrorKind::Transient;
  try {
    sink_->write_progress({"nul-job", "c1", "1-0", "2-0", std::string("a\0b", 3)});
    sink_->commit();
    ADD_FAILURE() << "stored a NUL byte in text";
  } catch (const SinkError& e) {
    kind = e.kind();
    message = e.what();
  }
  EXPECT_EQ(kind, ErrorKind::Data) << message;  // never silently cut at the NUL
  sink_->rollback();
  EXPECT_FALSE(sink_->read_progress("nul-job", "c1").has_value());
}

TEST_F(PostgresSink, ConcurrentEnsureOfTheProgressTable) {
  exec("CREATE SCHEMA progress_race");
  constexpr int kSinks = 6;
  std::vector<std::unique_ptr<wb::sink::Sink>> sinks;
  for (int i = 0; i < kSinks; ++i) {
    sinks.push_back(wb::sink::make_sink(with_search_path(*pg_, "progress_race")));
    ASSERT_TRUE(sinks.back()->ping());  // connected before the race starts
  }
  std::vector<std::string> errors(kSinks);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSinks; ++i)
    threads.emplace_back([&, i] {
      try {
        sinks[i]->ensure_progress_table();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kSinks; ++i) EXPECT_EQ(errors[i], "") << "sink " << i;
  EXPECT_EQ(query("SELECT count(*) FROM progress_race.writebehind_progress"), (Rows{{"0"}}));
}

TEST_F(PostgresSink, ProgressOnAStoppedServerIsTransient) {
  PostgresServer own;  // not the shared server: this one is stopped
  own.create_database("db");
  auto sink = wb::sink::make_sink(settings_for(own, "db"));
  sink->ensure_progress_table();
  wb::sink::Progress p{"job", "c1", "1-0", "2-0", ""};
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  own.stop();
  auto transient = [&](auto&& f) {
    try {
      f();
      ADD_FAILURE() << "succeeded on a stopped server";
    } catch (const SinkError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Transient) << e.what();
    }
  };
  transient([&] { sink->read_progress("job", "c1"); });
  transient([&] { sink->read_job_progress("job"); });
  transient([&] { sink->ensure_progress_table(); });
  own.start();
  // Reconnected: the sink writes again.
  p.committed_id = "3-0";
  sink->begin();
  sink->write_progress(p);
  sink->commit();
  EXPECT_EQ(own.query("SELECT committed_id FROM writebehind_progress", "db"), (Rows{{"3-0"}}));
}

}  // namespace
}  // namespace wbtest

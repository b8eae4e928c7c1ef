// sink_paths: the measurements behind each dialect's bulk path (bench/sink-reference/README.md).
// Every candidate way to write a batch of 2,000 upserts (a key and five text columns) that the
// client library offers runs on the same server, into its own fresh table, for an insert phase (new
// keys) and an update phase (the same keys again). Prints rows/s per candidate.
//
// The candidates are written here with the raw client libraries, side by side with the Sink itself
// ("sink") and the reference loader ("reference"), so that the choice in src/sink can be re-checked
// when a library or server changes.
#include <CLI/CLI.hpp>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <stdexcept>

#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"
#include "bench_servers.h"
#include "reference_loaders.h"
#include "sink/pg_array.h"
#include "sink/sink.h"

namespace {

using Clock = std::chrono::steady_clock;
using wb::sink::Row;
using Rows = std::vector<Row>;
using Loader = std::function<void(Rows&)>;  // may take the rows (a sink moves them into its TableWrite)

const char* const kUpdateSet =
    "f1 = EXCLUDED.f1, f2 = EXCLUDED.f2, f3 = EXCLUDED.f3, f4 = EXCLUDED.f4, f5 = EXCLUDED.f5";
const char* const kMysqlUpdateSet =
    "f1 = VALUES(f1), f2 = VALUES(f2), f3 = VALUES(f3), f4 = VALUES(f4), f5 = VALUES(f5)";
constexpr int kColumns = 6;

struct Options {
  long rows = 200000;
  long batch = 2000;
  int rounds = 3;
  bool verbose = false;
  std::string only;  // run only the candidates whose name contains this
  std::vector<std::string> targets = {"postgresql", "mariadb", "sqlite"};
};

double measure(const Options& o, int version, const Loader& load) {
  Clock::duration spent{};
  for (long first = 0; first < o.rows; first += o.batch) {
    Rows rows = wb::bench::benchmark_rows(first, std::min(o.batch, o.rows - first), version);
    auto start = Clock::now();
    load(rows);
    spent += Clock::now() - start;
  }
  return o.rows / std::chrono::duration<double>(spent).count();
}

// The candidates of one target. run() measures each on a fresh table, o.rounds times in rotating
// order, and prints the best and the median insert and update rates of each (noise on a shared
// machine only ever slows a run down, so the best run is the closest to what the path can do).
class Candidates {
 public:
  Candidates(const Options& o, std::string target, std::string dialect, std::function<void(const std::string&)> exec)
      : o_(o), target_(std::move(target)), dialect_(std::move(dialect)), exec_(std::move(exec)) {}

  void add(const std::string& name, std::function<Loader(const std::string&)> make) {
    if (name.find(o_.only) == std::string::npos) return;
    entries_.push_back({name, std::move(make), {}, {}});
  }

  void run() {
    for (int round = 0; round < o_.rounds; ++round) {
      for (size_t k = 0; k < entries_.size(); ++k) {
        Entry& e = entries_[(k + round) % entries_.size()];
        exec_("DROP TABLE IF EXISTS paths");
        exec_(wb::bench::benchmark_table_ddl(dialect_, "paths"));
        Loader load = e.make("paths");
        double insert = measure(o_, 1, load), update = measure(o_, 2, load);
        if (o_.verbose) std::fprintf(stderr, "    %-36s %10.0f %10.0f\n", e.name.c_str(), insert, update);
        e.inserts.push_back(insert);
        e.updates.push_back(update);
      }
      std::cerr << "  " << target_ << ": round " << round + 1 << "/" << o_.rounds << " done\n";
    }
    exec_("DROP TABLE IF EXISTS paths");
    for (Entry& e : entries_)
      std::printf("%-11s %-34s %10.0f %10.0f %10.0f %10.0f\n", target_.c_str(), e.name.c_str(), best(e.inserts),
                  median(e.inserts), best(e.updates), median(e.updates));
    std::fflush(stdout);
  }

 private:
  struct Entry {
    std::string name;
    std::function<Loader(const std::string&)> make;
    std::vector<double> inserts, updates;  // rows/s of every round
  };
  static double best(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  const Options& o_;
  std::string target_, dialect_;
  std::function<void(const std::string&)> exec_;
  std::vector<Entry> entries_;
};

Loader sink_loader(const wb::sink::ConnectionSettings& s, const std::string& table) {
  auto sink = std::shared_ptr<wb::sink::Sink>(wb::sink::make_sink(s));
  auto w = std::make_shared<wb::sink::TableWrite>(wb::sink::TableRef{"", table}, std::vector<std::string>{"id"},
                                                  std::vector<std::string>{"f1", "f2", "f3", "f4", "f5"});
  return [sink, w](Rows& rows) {
    w->upserts = std::move(rows);  // handing a batch over costs nothing, as in the applier
    sink->begin();
    sink->write(*w);
    sink->commit();
  };
}

// ---- PostgreSQL ---------------------------------------------------------------------------------

struct Pg {
  PGconn* c;
  explicit Pg(const std::string& conninfo) : c(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c));
  }
  ~Pg() { PQfinish(c); }
  static void check(PGresult* r, PGconn* c) {
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_SYNC)
      throw std::runtime_error(PQerrorMessage(c));
  }
  void exec(const char* sql) { check(PQexec(c, sql), c); }
};

// Text array literals: every element double-quoted, backslash and quote escaped, NULL bare.
std::vector<std::string> pg_arrays(const Rows& rows) {
  std::vector<std::string> a(kColumns);
  for (int i = 0; i < kColumns; ++i) {
    a[i] = "{";
    for (size_t r = 0; r < rows.size(); ++r) {
      if (r) a[i] += ',';
      if (!rows[r][i]) {
        a[i] += "NULL";
        continue;
      }
      a[i] += '"';
      for (char ch : *rows[r][i]) {
        if (ch == '"' || ch == '\\') a[i] += '\\';
        a[i] += ch;
      }
      a[i] += '"';
    }
    a[i] += "}";
  }
  return a;
}

std::string pg_unnest_sql(const std::string& table) {
  return "INSERT INTO " + table +
         " (id, f1, f2, f3, f4, f5) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
         " $5::text[], $6::text[]) ON CONFLICT (id) DO UPDATE SET " + kUpdateSet;
}

void postgres_paths(const Options& o) {
  wbtest::PostgresServer pg;
  pg.create_database("bench");
  auto exec = [&](const std::string& sql) { pg.query(sql, "bench"); };
  wb::sink::ConnectionSettings s;
  s.type = "postgresql";
  s.host = pg.host();
  s.port = pg.port();
  s.database = "bench";
  s.user = pg.user();
  std::string conninfo = pg.conninfo("bench");
  Candidates c(o, "postgresql", "postgresql", exec);

  c.add("sink (unnest binary, pipelined)", [&](const std::string& table) {
    return sink_loader(s, table);
  });
  c.add("reference (COPY + INSERT..SELECT)", [&](const std::string& table) {
    std::shared_ptr<wb::bench::ReferenceLoader> r = wb::bench::make_reference_loader(s, table);
    return Loader([r](Rows& rows) { r->load(rows); });
  });
  c.add("unnest text, named prepared, 3 RTs", [&](const std::string& table) {
    auto pg = std::make_shared<Pg>(conninfo);
    Pg::check(PQprepare(pg->c, "up", pg_unnest_sql(table).c_str(), kColumns, nullptr), pg->c);
    return Loader([pg](Rows& rows) {
      auto a = pg_arrays(rows);
      const char* v[kColumns];
      for (int i = 0; i < kColumns; ++i) v[i] = a[i].c_str();
      pg->exec("BEGIN");
      Pg::check(PQexecPrepared(pg->c, "up", kColumns, v, nullptr, nullptr, 0), pg->c);
      pg->exec("COMMIT");
    });
  });
  c.add("unnest text, 3 round trips", [&](const std::string& table) {
    auto pg = std::make_shared<Pg>(conninfo);
    std::string sql = pg_unnest_sql(table);
    return Loader([pg, sql](Rows& rows) {
      auto a = pg_arrays(rows);
      const char* v[kColumns];
      for (int i = 0; i < kColumns; ++i) v[i] = a[i].c_str();
      pg->exec("BEGIN");
      Pg::check(PQexecParams(pg->c, sql.c_str(), kColumns, nullptr, v, nullptr, nullptr, 0), pg->c);
      pg->exec("COMMIT");
    });
  });
  c.add("unnest binary, 3 round trips", [&](const std::string& table) {
    auto pg = std::make_shared<Pg>(conninfo);
    std::string sql = pg_unnest_sql(table);
    return Loader([pg, sql](Rows& rows) {
      std::vector<std::string> a;
      for (int i = 0; i < kColumns; ++i) {
        a.emplace_back();
        wb::sink::append_pg_text_array(a.back(), {&rows}, i);
      }
      const char* v[kColumns];
      int lengths[kColumns], formats[kColumns];
      Oid types[kColumns];
      for (int i = 0; i < kColumns; ++i) {
        v[i] = a[i].data();
        lengths[i] = static_cast<int>(a[i].size());
        formats[i] = 1;
        types[i] = 1009;  // text[]
      }
      pg->exec("BEGIN");
      Pg::check(PQexecParams(pg->c, sql.c_str(), kColumns, types, v, lengths, formats, 0), pg->c);
      pg->exec("COMMIT");
    });
  });
  c.add("unnest binary, pipelined", [&](const std::string& table) {
    auto pg = std::make_shared<Pg>(conninfo);
    std::string sql = pg_unnest_sql(table);
    return Loader([pg, sql](Rows& rows) {
      std::vector<std::string> a;
      for (int i = 0; i < kColumns; ++i) {
        a.emplace_back();
        wb::sink::append_pg_text_array(a.back(), {&rows}, i);
      }
      const char* v[kColumns];
      int lengths[kColumns], formats[kColumns];
      Oid types[kColumns];
      for (int i = 0; i < kColumns; ++i) {
        v[i] = a[i].data();
        lengths[i] = static_cast<int>(a[i].size());
        formats[i] = 1;
        types[i] = wb::sink::kTextArrayOid;
      }
      PGconn* c = pg->c;
      if (!PQenterPipelineMode(c)) throw std::runtime_error("pipeline");
      PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
      PQsendQueryParams(c, sql.c_str(), kColumns, types, v, lengths, formats, 0);
      PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
      PQpipelineSync(c);
      for (;;) {
        PGresult* r = PQgetResult(c);
        if (!r) continue;  // the end of one statement's results
        bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        Pg::check(r, c);
        if (sync) break;
      }
      PQexitPipelineMode(c);
    });
  });
  c.add("multi-row VALUES ($1..$12000)", [&](const std::string& table) {
    auto pg = std::make_shared<Pg>(conninfo);
    return Loader([pg, table](Rows& rows) {
      std::string sql = "INSERT INTO " + table + " (id, f1, f2, f3, f4, f5) VALUES ";
      std::vector<const char*> v;
      for (size_t r = 0; r < rows.size(); ++r) {
        sql += r ? ",(" : "(";
        for (int i = 0; i < kColumns; ++i) {
          v.push_back(rows[r][i]->c_str());
          sql += (i ? ",$" : "$") + std::to_string(v.size());
        }
        sql += ")";
      }
      sql += std::string(" ON CONFLICT (id) DO UPDATE SET ") + kUpdateSet;
      pg->exec("BEGIN");
      Pg::check(PQexecParams(pg->c, sql.c_str(), static_cast<int>(v.size()), nullptr, v.data(), nullptr, nullptr, 0),
                pg->c);
      pg->exec("COMMIT");
    });
  });
  c.run();
}

// ---- MariaDB ------------------------------------------------------------------------------------

struct My {
  MYSQL* m;
  explicit My(const wb::sink::ConnectionSettings& s) : m(mysql_init(nullptr)) {
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, s.host.c_str(), s.user.c_str(), s.password.c_str(), s.database.c_str(),
                            static_cast<unsigned>(s.port), nullptr, 0))
      throw std::runtime_error(mysql_error(m));
  }
  ~My() { mysql_close(m); }
  void exec(const char* sql) {
    if (mysql_query(m, sql)) throw std::runtime_error(mysql_error(m));
  }
};

MYSQL_BIND string_bind(const std::string& s) {
  MYSQL_BIND b{};
  b.buffer_type = MYSQL_TYPE_STRING;
  b.buffer = const_cast<char*>(s.data());
  b.buffer_length = s.size();
  return b;
}

// Multi-row prepared INSERT … ON DUPLICATE KEY UPDATE, `chunk` rows per statement.
Loader mysql_multirow(const wb::sink::ConnectionSettings& s, const std::string& table, size_t chunk) {
  auto my = std::make_shared<My>(s);
  auto stmts = std::make_shared<std::map<size_t, MYSQL_STMT*>>();
  return [my, stmts, table, chunk](Rows& rows) {
    my->exec("START TRANSACTION");
    for (size_t at = 0; at < rows.size(); at += chunk) {
      size_t n = std::min(chunk, rows.size() - at);
      MYSQL_STMT*& st = (*stmts)[n];
      if (!st) {
        std::string sql = "INSERT INTO " + table + " (id, f1, f2, f3, f4, f5) VALUES ";
        for (size_t r = 0; r < n; ++r) sql += r ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
        sql += std::string(" ON DUPLICATE KEY UPDATE ") + kMysqlUpdateSet;
        st = mysql_stmt_init(my->m);
        if (mysql_stmt_prepare(st, sql.c_str(), sql.size())) throw std::runtime_error(mysql_stmt_error(st));
      }
      std::vector<MYSQL_BIND> b;
      for (size_t r = 0; r < n; ++r)
        for (int i = 0; i < kColumns; ++i) b.push_back(string_bind(*rows[at + r][i]));
      if (mysql_stmt_bind_param(st, b.data()) || mysql_stmt_execute(st)) throw std::runtime_error(mysql_stmt_error(st));
    }
    my->exec("COMMIT");
  };
}

// One single-row statement executed over the whole batch with MariaDB's bulk array binding.
Loader mysql_bulk(const wb::sink::ConnectionSettings& s, const std::string& table) {
  auto my = std::make_shared<My>(s);
  MYSQL_STMT* st = mysql_stmt_init(my->m);
  std::string sql = "INSERT INTO " + table + " (id, f1, f2, f3, f4, f5) VALUES (?,?,?,?,?,?) ON DUPLICATE KEY UPDATE " +
                    kMysqlUpdateSet;
  if (mysql_stmt_prepare(st, sql.c_str(), sql.size())) throw std::runtime_error(mysql_stmt_error(st));
  auto holder = std::shared_ptr<MYSQL_STMT>(st, [](MYSQL_STMT* p) { mysql_stmt_close(p); });
  return [my, holder](Rows& rows) {
    MYSQL_STMT* st = holder.get();
    unsigned int n = static_cast<unsigned>(rows.size());
    // Column-wise arrays: a char* and a length per row for each column.
    std::vector<std::vector<char*>> ptrs(kColumns, std::vector<char*>(n));
    std::vector<std::vector<unsigned long>> lens(kColumns, std::vector<unsigned long>(n));
    for (unsigned r = 0; r < n; ++r)
      for (int i = 0; i < kColumns; ++i) {
        ptrs[i][r] = const_cast<char*>(rows[r][i]->data());
        lens[i][r] = rows[r][i]->size();
      }
    MYSQL_BIND b[kColumns] = {};
    for (int i = 0; i < kColumns; ++i) {
      b[i].buffer_type = MYSQL_TYPE_STRING;
      b[i].buffer = ptrs[i].data();
      b[i].length = lens[i].data();
    }
    my->exec("START TRANSACTION");
    mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &n);
    if (mysql_stmt_bind_param(st, b) || mysql_stmt_execute(st)) throw std::runtime_error(mysql_stmt_error(st));
    my->exec("COMMIT");
  };
}

void mariadb_paths(const Options& o) {
  wbtest::MariaDbServer db;
  wb::bench::tune_mariadb_for_loading(db);
  db.query("CREATE DATABASE bench CHARACTER SET utf8mb4");
  auto exec = [&](const std::string& sql) { db.query(sql, "bench"); };
  wb::sink::ConnectionSettings s;
  s.type = "mariadb";
  s.host = db.host();
  s.port = db.port();
  s.database = "bench";
  s.user = db.user();
  s.password = db.password();
  Candidates c(o, "mariadb", "mysql", exec);
  c.add("sink (bulk array binding)", [&](const std::string& table) { return sink_loader(s, table); });
  c.add("reference (text multi-row)", [&](const std::string& table) {
    std::shared_ptr<wb::bench::ReferenceLoader> r = wb::bench::make_reference_loader(s, table);
    return Loader([r](Rows& rows) { r->load(rows); });
  });
  for (size_t chunk : {100, 500, 1000, 2000})
    c.add("multi-row prepared, " + std::to_string(chunk) + " rows/stmt", [&, chunk](const std::string& table) { return mysql_multirow(s, table, chunk); });
  c.add("bulk array binding (ARRAY_SIZE)", [&](const std::string& table) { return mysql_bulk(s, table); });
  c.run();
}

// ---- SQLite -------------------------------------------------------------------------------------

Loader sqlite_multirow(const std::string& path, const std::string& table, size_t chunk) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  auto holder = std::shared_ptr<sqlite3>(db, [](sqlite3* p) { sqlite3_close_v2(p); });
  auto stmts = std::make_shared<std::map<size_t, sqlite3_stmt*>>();
  return [holder, stmts, table, chunk](Rows& rows) {
    sqlite3* db = holder.get();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (size_t at = 0; at < rows.size(); at += chunk) {
      size_t n = std::min(chunk, rows.size() - at);
      sqlite3_stmt*& st = (*stmts)[n];
      if (!st) {
        std::string sql = "INSERT INTO " + table + " (id, f1, f2, f3, f4, f5) VALUES ";
        for (size_t r = 0; r < n; ++r) sql += r ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
        sql += std::string(" ON CONFLICT (id) DO UPDATE SET ") +
               "f1 = excluded.f1, f2 = excluded.f2, f3 = excluded.f3, f4 = excluded.f4, f5 = excluded.f5";
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
          throw std::runtime_error(sqlite3_errmsg(db));
      }
      int p = 1;
      for (size_t r = 0; r < n; ++r)
        for (int i = 0; i < kColumns; ++i)
          sqlite3_bind_text(st, p++, rows[at + r][i]->data(), static_cast<int>(rows[at + r][i]->size()), SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  };
}

void sqlite_paths(const Options& o) {
  wbtest::TempDir dir("wbbench-sqlite");
  std::string path = dir.file("bench.db");
  auto exec = [&](const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("sqlite: " + sql);
  };
  wb::sink::ConnectionSettings s;
  s.type = "sqlite";
  s.database = path;
  Candidates c(o, "sqlite", "sqlite", exec);
  c.add("sink (multi-row, 100 rows/stmt)", [&](const std::string& table) { return sink_loader(s, table); });
  c.add("reference (prepared upsert per row)", [&](const std::string& table) {
    std::shared_ptr<wb::bench::ReferenceLoader> r = wb::bench::make_reference_loader(s, table);
    return Loader([r](Rows& rows) { r->load(rows); });
  });
  for (size_t chunk : {10, 100})
    c.add("multi-row VALUES, " + std::to_string(chunk) + " rows/stmt", [&, chunk](const std::string& table) { return sqlite_multirow(path, table, chunk); });
  c.run();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Candidate bulk paths per dialect: rows/s for inserts and updates, batches of 2,000"};
  app.add_option("--rows", o.rows, "rows per phase")->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch, "rows per transaction")->check(CLI::PositiveNumber);
  app.add_option("--rounds", o.rounds, "rounds; the best of each candidate is printed")->check(CLI::PositiveNumber);
  app.add_flag("--verbose", o.verbose, "print every run, not only the best");
  app.add_option("--only", o.only, "run only the candidates whose name contains this text");
  app.add_option("--targets", o.targets, "postgresql, mariadb, sqlite")->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  std::printf("%ld rows per phase, %ld rows per transaction, %d rounds\n", o.rows, o.batch, o.rounds);
  std::printf("%-11s %-34s %10s %10s %10s %10s\n", "target", "candidate (rows/s)", "ins best", "ins median",
              "upd best", "upd median");
  try {
    for (const auto& t : o.targets) {
      if (t == "postgresql") postgres_paths(o);
      else if (t == "mariadb") mariadb_paths(o);
      else if (t == "sqlite") sqlite_paths(o);
    }
  } catch (const std::exception& e) {
    std::cerr << "sink_paths: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

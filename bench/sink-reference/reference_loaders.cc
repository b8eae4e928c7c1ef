// The reference loaders; see reference_loaders.h. Plain client-library code on purpose: each is
// what a competent engineer would write by hand to load these rows as fast as the target allows.
#include "reference_loaders.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>

namespace wb::bench {

namespace {

using wb::sink::Row;

const char* const kColumns = "id, f1, f2, f3, f4, f5";

// ---- PostgreSQL: COPY into staging, INSERT … SELECT … ON CONFLICT -------------------------------

class PostgresReference : public ReferenceLoader {
 public:
  PostgresReference(const wb::sink::ConnectionSettings& s, const std::string& table) : table_(table) {
    std::string conninfo = "host=" + s.host + " port=" + std::to_string(s.port) + " dbname=" + s.database +
                           " user=" + s.user;
    if (!s.password.empty()) conninfo += " password=" + s.password;
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
    // The staging table empties itself at each commit.
    exec("CREATE TEMP TABLE staging (LIKE " + table_ + ") ON COMMIT DELETE ROWS");
    upsert_ = "INSERT INTO " + table_ + " (" + kColumns + ") SELECT " + kColumns +
              " FROM staging ON CONFLICT (id) DO UPDATE SET f1 = EXCLUDED.f1, f2 = EXCLUDED.f2,"
              " f3 = EXCLUDED.f3, f4 = EXCLUDED.f4, f5 = EXCLUDED.f5";
  }
  ~PostgresReference() override { PQfinish(conn_); }

  void load(const std::vector<Row>& rows) override {
    exec("BEGIN");
    PGresult* r = PQexec(conn_, (std::string("COPY staging (") + kColumns + ") FROM STDIN").c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) throw std::runtime_error(PQerrorMessage(conn_));
    PQclear(r);
    buffer_.clear();
    for (const Row& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) buffer_ += '\t';
        append_copy_text(row[i]);
      }
      buffer_ += '\n';
    }
    if (PQputCopyData(conn_, buffer_.data(), static_cast<int>(buffer_.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1)
      throw std::runtime_error(PQerrorMessage(conn_));
    r = PQgetResult(conn_);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) throw std::runtime_error(PQerrorMessage(conn_));
    PQclear(r);
    while ((r = PQgetResult(conn_))) PQclear(r);
    exec(upsert_);
    exec("COMMIT");
  }

 private:
  void append_copy_text(const wb::sink::Value& v) {
    if (!v) {
      buffer_ += "\\N";
      return;
    }
    for (char c : *v) {
      switch (c) {
        case '\\': buffer_ += "\\\\"; break;
        case '\n': buffer_ += "\\n"; break;
        case '\r': buffer_ += "\\r"; break;
        case '\t': buffer_ += "\\t"; break;
        default: buffer_ += c;
      }
    }
  }

  void exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error(err + " in: " + sql);
  }

  std::string table_;
  std::string upsert_;
  std::string buffer_;
  PGconn* conn_ = nullptr;
};

// ---- MariaDB: multi-row INSERT … ON DUPLICATE KEY UPDATE ----------------------------------------

class MariadbReference : public ReferenceLoader {
 public:
  MariadbReference(const wb::sink::ConnectionSettings& s, const std::string& table) : table_(table) {
    mysql_ = mysql_init(nullptr);
    mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(mysql_, s.host.c_str(), s.user.c_str(), s.password.c_str(), s.database.c_str(),
                            static_cast<unsigned>(s.port), nullptr, 0))
      throw std::runtime_error(mysql_error(mysql_));
  }
  ~MariadbReference() override { mysql_close(mysql_); }

  void load(const std::vector<Row>& rows) override {
    exec("START TRANSACTION");
    sql_ = "INSERT INTO " + table_ + " (" + kColumns + ") VALUES ";
    for (size_t r = 0; r < rows.size(); ++r) {
      sql_ += r ? ",(" : "(";
      for (size_t i = 0; i < rows[r].size(); ++i) {
        if (i) sql_ += ',';
        append_literal(rows[r][i]);
      }
      sql_ += ')';
    }
    sql_ += " ON DUPLICATE KEY UPDATE f1 = VALUES(f1), f2 = VALUES(f2), f3 = VALUES(f3), f4 = VALUES(f4),"
            " f5 = VALUES(f5)";
    exec(sql_);
    exec("COMMIT");
  }

 private:
  void append_literal(const wb::sink::Value& v) {
    if (!v) {
      sql_ += "NULL";
      return;
    }
    sql_ += '\'';
    size_t at = sql_.size();
    sql_.resize(at + v->size() * 2 + 1);
    sql_.resize(at + mysql_real_escape_string(mysql_, sql_.data() + at, v->data(), v->size()));
    sql_ += '\'';
  }

  void exec(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size())) throw std::runtime_error(mysql_error(mysql_));
  }

  std::string table_;
  std::string sql_;
  MYSQL* mysql_ = nullptr;
};

// ---- SQLite: prepared upsert per row ------------------------------------------------------------

class SqliteReference : public ReferenceLoader {
 public:
  SqliteReference(const wb::sink::ConnectionSettings& s, const std::string& table) {
    if (sqlite3_open(s.database.c_str(), &db_) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    exec("PRAGMA journal_mode=WAL");
    std::string sql = "INSERT INTO " + table + " (" + kColumns +
                      ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET f1 = excluded.f1,"
                      " f2 = excluded.f2, f3 = excluded.f3, f4 = excluded.f4, f5 = excluded.f5";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &upsert_, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db_));
  }
  ~SqliteReference() override {
    sqlite3_finalize(upsert_);
    sqlite3_close(db_);
  }

  void load(const std::vector<Row>& rows) override {
    exec("BEGIN");
    for (const Row& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (row[i]) sqlite3_bind_text(upsert_, static_cast<int>(i + 1), row[i]->data(),
                                      static_cast<int>(row[i]->size()), SQLITE_STATIC);
        else sqlite3_bind_null(upsert_, static_cast<int>(i + 1));
      }
      if (sqlite3_step(upsert_) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
      sqlite3_reset(upsert_);
    }
    exec("COMMIT");
  }

 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
};

}  // namespace

std::string benchmark_table_ddl(const std::string& dialect, const std::string& name) {
  if (dialect == "postgresql")
    return "CREATE TABLE " + name + " (id text PRIMARY KEY, f1 text, f2 text, f3 text, f4 text, f5 text)";
  if (dialect == "mysql")
    return "CREATE TABLE " + name +
           " (id VARCHAR(32) PRIMARY KEY, f1 VARCHAR(64), f2 VARCHAR(64), f3 VARCHAR(64), f4 VARCHAR(64),"
           " f5 VARCHAR(64)) CHARACTER SET utf8mb4";
  return "CREATE TABLE " + name + " (id TEXT PRIMARY KEY, f1 TEXT, f2 TEXT, f3 TEXT, f4 TEXT, f5 TEXT)";
}

std::vector<Row> benchmark_rows(long first, long count, int version) {
  std::vector<Row> rows;
  rows.reserve(count);
  char buf[64];
  for (long n = first; n < first + count; ++n) {
    Row r;
    r.reserve(1 + kValueColumns);
    std::snprintf(buf, sizeof buf, "key:%09ld", n);
    r.emplace_back(buf);
    for (int f = 1; f <= kValueColumns; ++f) {
      std::snprintf(buf, sizeof buf, "v%d-field%d-%ld-%ld", version, f, n, (n * 7919 + f) % 100003);
      r.emplace_back(buf);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::unique_ptr<ReferenceLoader> make_reference_loader(const wb::sink::ConnectionSettings& settings,
                                                       const std::string& table) {
  if (settings.type == "postgresql" || settings.type == "postgres")
    return std::make_unique<PostgresReference>(settings, table);
  if (settings.type == "mysql" || settings.type == "mariadb") return std::make_unique<MariadbReference>(settings, table);
  if (settings.type == "sqlite") return std::make_unique<SqliteReference>(settings, table);
  throw std::invalid_argument("no reference loader for " + settings.type);
}

}  // namespace wb::bench

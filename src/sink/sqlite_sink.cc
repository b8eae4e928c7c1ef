// The SQLite dialect, through libsqlite3: the embedded default target.
//
// One connection in WAL mode with a busy timeout; a batch is one BEGIN IMMEDIATE … COMMIT. Inserts
// and upserts are cached prepared multi-row statements (INSERT … VALUES (…),(…) … ON CONFLICT(keys)
// DO UPDATE), kRowsPerStatement rows per step: measured about 1.5 times as fast as one step per row
// (bench/sink-reference/README.md). A batch's remainder is written in chunks of powers of two, so
// that a handful of statement shapes serve every batch size. Deletes and TYPE2 closes step once per
// key.
//
// `schema` names an attached database when one of that name is attached; otherwise it is ignored
// (a pipeline written for PostgreSQL says `public`) and the table is looked up unqualified.
//
// The progress table lives in `main`; its upsert is a cached prepared statement.
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "sink/dialects.h"
#include "sink/error_kinds.h"
#include "sink/identifiers.h"
#include "sink/sink_base.h"
#include "sink/table_info.h"
#include "sink/write_plan.h"

namespace wb::sink {

namespace {

// SQLite names have no length limit of their own; this only bounds garbage.
constexpr size_t kMaxSqliteIdentifierBytes = 1024;
// Prepared statements kept per connection before the cache is cleared.
constexpr size_t kMaxCachedStatements = 256;
// Rows per multi-row INSERT (fewer when the row is so wide that the parameters would pass SQLite's
// limit on variables).
constexpr size_t kRowsPerStatement = 100;

std::string quote(std::string_view name) { return quote_double(name, kMaxSqliteIdentifierBytes); }

// The progress table; updated_at is UTC text with milliseconds, as strftime writes it.
std::string progress_table() { return "main." + quote(kProgressTable); }

std::string progress_table_ddl() {
  return "CREATE TABLE IF NOT EXISTS " + progress_table() +
         " (job TEXT NOT NULL, consumer TEXT NOT NULL, batch_first_id TEXT NOT NULL, committed_id TEXT NOT NULL,"
         " rejected TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (job, consumer))";
}

std::string write_progress_sql() {
  return "INSERT INTO " + progress_table() +
         " (job, consumer, batch_first_id, committed_id, rejected, updated_at)"
         " VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%d %H:%M:%f', 'now'))"
         " ON CONFLICT (job, consumer) DO UPDATE SET batch_first_id = excluded.batch_first_id,"
         " committed_id = excluded.committed_id, rejected = excluded.rejected, updated_at = excluded.updated_at";
}

class SqliteSink final : public SinkBase {
 public:
  explicit SqliteSink(const ConnectionSettings& s) : settings_(s) {}
  ~SqliteSink() override { close(); }

  const char* dialect() const override { return "sqlite"; }

 protected:
  bool is_open() const override { return db_ != nullptr; }

  void open() override {
    const std::string& path = settings_.database;
    if (path.empty()) throw SinkError(ErrorKind::Schema, "sqlite: no database path");
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw SinkError(classify_sqlite(rc), "sqlite: cannot open " + path + ": " + msg, std::to_string(rc));
    }
    sqlite3_extended_result_codes(db_, 1);
    max_variables_ = static_cast<size_t>(sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, -1));
    sqlite3_busy_timeout(db_, static_cast<int>(settings_.busy_timeout.count() * 1000));
    try {
      exec("PRAGMA journal_mode=WAL");  // an in-memory database stays in "memory" mode
    } catch (...) {
      close();
      throw;
    }
  }

  void close() noexcept override {
    forget_tables();
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  void run_begin() override { exec("BEGIN IMMEDIATE"); }
  void run_commit() override { exec("COMMIT"); }
  void run_rollback() override {
    if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
  }
  void run_ping() override { exec("SELECT 1"); }

  void forget_table(const TableRef& t) noexcept override { tables_.erase(cache_key(t)); }
  void forget_tables() noexcept override { tables_.clear(); }

  std::vector<Column> read_columns(const TableRef& t) override { return table(t).columns; }

  void run_write(const TableWrite& w) override {
    // Trim the cache here, never while this write holds statements from it.
    if (statements_.size() >= kMaxCachedStatements) {
      for (auto& [text, stmt] : statements_) sqlite3_finalize(stmt);
      statements_.clear();
    }
    const TableInfo& info = table_for(w);
    const size_t nkeys = w.key_columns.size();
    const WritePlan p = plan_write(w, info);
    if (p.has_deletes()) {
      sqlite3_stmt* del = statement(delete_sql(info, w.key_columns));
      for (const auto* list : p.to_delete)
        for (const Row& r : *list) step(del, r, 0, nkeys);
    }
    insert_rows(info, p.columns, p.to_insert, "", {});
    if (p.upsert_in_place) insert_rows(info, p.columns, {&w.upserts}, upsert_clause(w), {});
    if (!w.type2_closes.empty() || !w.type2_inserts.empty()) write_type2(info, w, p.columns);
  }

  void run_ensure_progress_table() override {
    {
      // Checked first, so that an existing table needs no write lock.
      OneShot q{prepare_uncached("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1")};
      const std::string name = kProgressTable;
      bind(q.s, 1, name);
      int rc = sqlite3_step(q.s);
      if (rc == SQLITE_ROW) return;
      if (rc != SQLITE_DONE) fail();
    }
    exec(progress_table_ddl().c_str());
  }

  std::optional<Progress> run_read_progress(const std::string& job, const std::string& consumer) override {
    OneShot q{prepare_uncached("SELECT batch_first_id, committed_id, rejected FROM " + progress_table() +
                               " WHERE job = ?1 AND consumer = ?2")};
    bind(q.s, 1, job);
    bind(q.s, 2, consumer);
    int rc = sqlite3_step(q.s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail();
    return Progress{job, consumer, text(q.s, 0), text(q.s, 1), text(q.s, 2)};
  }

  std::vector<Progress> run_read_job_progress(const std::string& job) override {
    OneShot q{prepare_uncached("SELECT consumer, batch_first_id, committed_id, rejected FROM " + progress_table() +
                               " WHERE job = ?1 ORDER BY consumer")};
    bind(q.s, 1, job);
    std::vector<Progress> rows;
    int rc;
    while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
      rows.push_back(Progress{job, text(q.s, 0), text(q.s, 1), text(q.s, 2), text(q.s, 3)});
    }
    if (rc != SQLITE_DONE) fail();
    return rows;
  }

  void run_write_progress(const Progress& p) override {
    static const std::string sql = write_progress_sql();
    sqlite3_stmt* s = statement(sql);
    bind(s, 1, p.job);
    bind(s, 2, p.consumer);
    bind(s, 3, p.batch_first_id);
    bind(s, 4, p.committed_id);
    bind(s, 5, p.rejected);
    run(s);
  }

 private:
  void write_type2(const TableInfo& info, const TableWrite& w, const std::vector<std::string>& all) {
    const Type2Spec& spec = *w.type2;
    const size_t nkeys = w.key_columns.size();
    // UPDATE t SET ind = ?, c = ?|expr … WHERE k1 = ? AND … AND ind = ?
    std::string sql = "UPDATE " + info.quoted_name + " SET " + quote(spec.indicator_column) + " = ?";
    std::vector<Value> fixed{spec.inactive_value};
    for (const auto& cc : spec.close_columns) {
      sql += ", " + quote(cc.column) + " = ";
      if (cc.is_sql_expression) {
        sql += cc.value.value_or("NULL");
      } else {
        sql += "?";
        fixed.push_back(cc.value);
      }
    }
    sql += " WHERE ";
    for (size_t i = 0; i < nkeys; ++i) sql += quote(w.key_columns[i]) + " = ? AND ";
    sql += quote(spec.indicator_column) + " = ?";
    sqlite3_stmt* close_stmt = statement(sql);
    auto close_row = [&](const Row& r) {
      int p = 1;
      for (const Value& v : fixed) bind(close_stmt, p++, v);
      for (size_t i = 0; i < nkeys; ++i) bind(close_stmt, p++, r[i]);
      bind(close_stmt, p++, spec.active_value);
      run(close_stmt);
    };
    for (const Row& r : w.type2_closes) close_row(r);
    for (const Row& r : w.type2_inserts) close_row(r);
    if (w.type2_inserts.empty()) return;

    bool has_indicator = false;
    for (const auto& c : all) has_indicator |= (c == spec.indicator_column);
    std::vector<std::pair<std::string, const std::string*>> extra;
    if (!has_indicator) extra.emplace_back(spec.indicator_column, &spec.active_value);
    insert_rows(info, all, {&w.type2_inserts}, "", extra);
  }

  // Multi-row INSERTs of the rows of lists; `extra` columns get one constant each (TYPE2's
  // indicator); `suffix` is the ON CONFLICT clause of upserts.
  void insert_rows(const TableInfo& info, const std::vector<std::string>& cols,
                   const std::vector<const std::vector<Row>*>& lists, const std::string& suffix,
                   const std::vector<std::pair<std::string, const std::string*>>& extra) {
    std::vector<const Row*> rows;
    for (const auto* l : lists)
      for (const Row& r : *l) rows.push_back(&r);
    if (rows.empty()) return;
    std::vector<std::string> names = cols;
    for (const auto& [c, v] : extra) names.push_back(c);
    const size_t width = names.size();
    const size_t full = std::max<size_t>(1, std::min(kRowsPerStatement, max_variables_ / width));
    for (size_t at = 0; at < rows.size();) {
      size_t left = rows.size() - at;
      size_t n = left >= full ? full : std::bit_floor(left);
      sqlite3_stmt* s = statement("INSERT INTO " + info.quoted_name + " (" + column_list(names) + ") VALUES " +
                                  tuples(n, width) + suffix);
      int p = 1;
      for (size_t i = 0; i < n; ++i) {
        for (const Value& v : *rows[at + i]) bind(s, p++, v);
        for (const auto& [c, v] : extra) bind(s, p++, *v);
      }
      run(s);
      at += n;
    }
  }

  // The table's description, read again once if w names a column the cached one lacks (a column
  // added, or the table recreated, while we ran).
  const TableInfo& table_for(const TableWrite& w) {
    const TableInfo* info = &table(w.table);
    if (info->missing_column(w)) {
      forget_table(w.table);
      info = &table(w.table);
      info->require_columns(w, info->quoted_name);
    }
    return *info;
  }

  // An uncached statement, finalized on every exit path.
  struct OneShot {
    sqlite3_stmt* s;
    ~OneShot() { sqlite3_finalize(s); }
  };

  static std::string cache_key(const TableRef& t) { return t.schema + '\x1f' + t.table; }

  const TableInfo& table(const TableRef& t) {
    std::string key = cache_key(t);
    auto it = tables_.find(key);
    if (it != tables_.end()) return it->second;

    // The schema counts only when it names an attached database.
    std::string schema;
    if (!t.schema.empty()) {
      OneShot q{prepare_uncached("SELECT 1 FROM pragma_database_list WHERE name = ?1")};
      bind(q.s, 1, t.schema);
      if (sqlite3_step(q.s) == SQLITE_ROW) schema = t.schema;
    }
    const Value schema_arg = schema.empty() ? Value() : Value(schema);
    TableInfo info;
    info.quoted_name = (schema.empty() ? "" : quote(schema) + ".") + quote(t.table);

    std::vector<std::pair<int, std::string>> pk;
    {
      OneShot q{prepare_uncached("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1, ?2) ORDER BY cid")};
      bind(q.s, 1, t.table);
      bind(q.s, 2, schema_arg);
      int rc;
      while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
        Column c;
        c.name = text(q.s, 0);
        c.type = text(q.s, 1);
        c.nullable = sqlite3_column_int(q.s, 2) == 0;
        int pk_pos = sqlite3_column_int(q.s, 3);
        c.primary_key = pk_pos > 0;
        if (pk_pos > 0) pk.emplace_back(pk_pos, c.name);
        info.columns.push_back(std::move(c));
      }
      if (rc != SQLITE_DONE) fail();
    }
    if (info.columns.empty()) throw SinkError(ErrorKind::Schema, "sqlite: no such table: " + info.quoted_name);
    if (!pk.empty()) {  // an INTEGER PRIMARY KEY has no entry in index_list
      std::sort(pk.begin(), pk.end());
      std::vector<std::string> cols;
      for (auto& [pos, name] : pk) cols.push_back(name);
      info.unique_keys.push_back(cols);
    }

    std::vector<std::string> unique_indexes;
    {
      OneShot q{prepare_uncached("SELECT name FROM pragma_index_list(?1, ?2) WHERE \"unique\" = 1 AND partial = 0")};
      bind(q.s, 1, t.table);
      bind(q.s, 2, schema_arg);
      while (sqlite3_step(q.s) == SQLITE_ROW) unique_indexes.push_back(text(q.s, 0));
    }
    for (const auto& index : unique_indexes) {
      OneShot q{prepare_uncached("SELECT name FROM pragma_index_info(?1, ?2) ORDER BY seqno")};
      bind(q.s, 1, index);
      bind(q.s, 2, schema_arg);
      std::vector<std::string> cols;
      bool expression = false;
      while (sqlite3_step(q.s) == SQLITE_ROW) {
        if (sqlite3_column_type(q.s, 0) == SQLITE_NULL) expression = true;
        else cols.push_back(text(q.s, 0));
      }
      if (!expression) info.unique_keys.push_back(cols);
    }
    return tables_.emplace(key, std::move(info)).first->second;
  }

  static std::string text(sqlite3_stmt* s, int col) {
    const unsigned char* p = sqlite3_column_text(s, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s, col)) : std::string();
  }

  static std::string column_list(const std::vector<std::string>& cols) {
    std::string out;
    for (size_t i = 0; i < cols.size(); ++i) out += (i ? ", " : "") + quote(cols[i]);
    return out;
  }

  static std::string placeholders(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
  }

  // "(?, ?), (?, ?)": rows tuples of width placeholders.
  static std::string tuples(size_t rows, size_t width) {
    std::string one = "(" + placeholders(width) + ")";
    std::string out;
    out.reserve(rows * (one.size() + 2));
    for (size_t r = 0; r < rows; ++r) out += (r ? ", " : "") + one;
    return out;
  }

  static std::string upsert_clause(const TableWrite& w) {
    std::string sql = " ON CONFLICT (" + column_list(w.key_columns) + ") DO ";
    if (w.value_columns.empty()) return sql + "NOTHING";
    sql += "UPDATE SET ";
    for (size_t i = 0; i < w.value_columns.size(); ++i) {
      const std::string c = quote(w.value_columns[i]);
      sql += (i ? ", " : "") + c + " = excluded." + c;
    }
    return sql;
  }

  static std::string delete_sql(const TableInfo& info, const std::vector<std::string>& keys) {
    std::string sql = "DELETE FROM " + info.quoted_name + " WHERE ";
    for (size_t i = 0; i < keys.size(); ++i) sql += (i ? " AND " : "") + quote(keys[i]) + " = ?";
    return sql;
  }

  // Binds values [from, from+n) of r to parameters 1..n and runs the statement.
  void step(sqlite3_stmt* s, const Row& r, size_t from, size_t n) {
    for (size_t i = 0; i < n; ++i) bind(s, static_cast<int>(i + 1), r[from + i]);
    run(s);
  }

  // Binds without copying (SQLITE_STATIC): the text must outlive the step, so never pass temporaries.
  void bind(sqlite3_stmt* s, int index, const std::string& v) {
    if (sqlite3_bind_text64(s, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8) != SQLITE_OK) fail();
  }
  void bind(sqlite3_stmt* s, int index, const Value& v) {
    int rc = v ? sqlite3_bind_text64(s, index, v->data(), v->size(), SQLITE_STATIC, SQLITE_UTF8)
               : sqlite3_bind_null(s, index);
    if (rc != SQLITE_OK) fail();
  }

  void run(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
      sqlite3_reset(s);
      return;
    }
    SinkError error = last_error();
    sqlite3_reset(s);
    throw error;
  }

  sqlite3_stmt* statement(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* s = prepare_uncached(sql);
    statements_.emplace(sql, s);
    return s;
  }

  sqlite3_stmt* prepare_uncached(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
      fail();
    return s;
  }

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail();
  }

  SinkError last_error() const {
    int code = sqlite3_extended_errcode(db_);
    return SinkError(classify_sqlite(code), std::string("sqlite: ") + sqlite3_errmsg(db_), std::to_string(code));
  }
  [[noreturn]] void fail() { throw last_error(); }

  ConnectionSettings settings_;
  sqlite3* db_ = nullptr;
  size_t max_variables_ = 999;  // SQLITE_LIMIT_VARIABLE_NUMBER, read at open
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::map<std::string, TableInfo> tables_;
};

}  // namespace

std::unique_ptr<Sink> make_sqlite_sink(const ConnectionSettings& settings) {
  return std::make_unique<SqliteSink>(settings);
}

}  // namespace wb::sink

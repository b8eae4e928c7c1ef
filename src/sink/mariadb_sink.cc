// The MySQL and MariaDB dialect, through MariaDB Connector/C (one code path for both servers).
//
// All values are bound as strings to prepared statements, cached per shape:
//   INSERT INTO t (…) VALUES (?,…) [ON DUPLICATE KEY UPDATE v = VALUES(v), …]
//       MariaDB servers: one execution with bulk array binding (STMT_ATTR_ARRAY_SIZE) per chunk;
//       MySQL servers (no bulk operations) and `connect_args: {bulk_operations: "false"}` (proxies
//       such as ProxySQL lack them too): multi-row VALUES (?,…),(?,…),… statements.
//   DELETE FROM t WHERE (k1, k2) IN ((?,?),(?,?),…)               (a range scan on the key)
//   UPDATE t SET indicator = ?, … WHERE (k1, k2) IN (…) AND indicator = ?      (TYPE2 close)
// Chunks hold at most kMaxRowsPerStatement rows (kMaxRowsPerBulk with bulk binding),
// kMaxParameters placeholders and half the server's max_allowed_packet of values. Bulk binding
// measured about 1.2 times as fast as multi-row statements (bench/sink-reference/README.md).
//
// The session runs in strict mode (STRICT_ALL_TABLES added to the server's sql_mode), so a value the
// column cannot hold is an error the applier can dead-letter, never a silent truncation.
//
// The progress row (Sink::write_progress) is one execution of a cached prepared
// INSERT … ON DUPLICATE KEY UPDATE in the batch's transaction.
#include <mysql.h>

#include <list>
#include <map>
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

// Placeholders per prepared statement: the protocol's limit is 65535.
constexpr size_t kMaxParameters = 65535;
// Rows per multi-row statement. Chosen by measurement (bench/sink-reference/README.md): 500 to 2,000
// perform alike; larger chunks only cost memory on both sides.
constexpr size_t kMaxRowsPerStatement = 1000;
// Rows per bulk execution.
constexpr size_t kMaxRowsPerBulk = 10000;
// Bytes of values per execution, at most (and at most half of the server's max_allowed_packet).
constexpr size_t kMaxBytesPerStatement = 8 * 1024 * 1024;
// Per value and per row, what the protocol adds to the values' own bytes (length prefixes, types).
constexpr size_t kProtocolBytesPerValue = 9;
// Room left in a packet for the statement id, flags and type list around a row's values.
constexpr size_t kPacketHeadroomBytes = 1024;
// Prepared statements kept per connection (the server caps them at max_prepared_stmt_count overall).
constexpr size_t kMaxCachedStatements = 64;
constexpr unsigned kDefaultPort = 3306;
// A server that stops answering mid-statement is reported after this long.
constexpr unsigned kReadWriteTimeoutSeconds = 120;

std::string quote(std::string_view name) { return quote_backtick(name, kMaxMysqlIdentifierBytes); }

// Characters of the progress table's stream id columns: a Redis stream id has at most 41.
constexpr size_t kMaxProgressIdChars = 64;

// The progress table, in the connection's database. Job and consumer are VARCHAR(191) utf8mb4 (764
// bytes: within InnoDB's 767-byte index column limit of old row formats); utf8mb4_bin makes names
// differing in case distinct. DATETIME in UTC, not TIMESTAMP (which ends in 2038 on MariaDB 10.11).
std::string progress_table_ddl() {
  return "CREATE TABLE IF NOT EXISTS " + quote(kProgressTable) +
         " (job VARCHAR(" + std::to_string(kMaxProgressNameCharsMysql) + ") NOT NULL,"
         " consumer VARCHAR(" + std::to_string(kMaxProgressNameCharsMysql) + ") NOT NULL,"
         " batch_first_id VARCHAR(" + std::to_string(kMaxProgressIdChars) + ") NOT NULL,"
         " committed_id VARCHAR(" + std::to_string(kMaxProgressIdChars) + ") NOT NULL, rejected LONGTEXT NOT NULL,"
         " updated_at DATETIME(6) NOT NULL, PRIMARY KEY (job, consumer))"
         " ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
}

std::string write_progress_sql() {
  return "INSERT INTO " + quote(kProgressTable) +
         " (job, consumer, batch_first_id, committed_id, rejected, updated_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))"
         " ON DUPLICATE KEY UPDATE batch_first_id = VALUES(batch_first_id), committed_id = VALUES(committed_id),"
         " rejected = VALUES(rejected), updated_at = VALUES(updated_at)";
}

std::string read_progress_sql() {
  return "SELECT batch_first_id, committed_id, rejected FROM " + quote(kProgressTable) +
         " WHERE job = ? AND consumer = ?";
}

std::string read_job_progress_sql() {
  return "SELECT consumer, batch_first_id, committed_id, rejected FROM " + quote(kProgressTable) +
         " WHERE job = ? ORDER BY consumer";
}

size_t utf8_characters(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count every byte but continuation bytes
  return n;
}

// A value the columns cannot hold would fail every batch alike, and no record is at fault: a
// Schema error, never the server's Data one (which would make the applier split the batch).
void check_progress_length(const std::string& value, size_t max_chars, const char* what) {
  if (utf8_characters(value) > max_chars)
    throw SinkError(ErrorKind::Schema, std::string("mysql: progress ") + what + " longer than " +
                                           std::to_string(max_chars) + " characters: " + value);
}

std::string column_list(const std::vector<std::string>& cols) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) out += (i ? ", " : "") + quote(cols[i]);
  return out;
}

// "(?, ?, ?)" repeated rows times, comma-separated.
std::string tuples(size_t rows, size_t width) {
  std::string one = "(";
  for (size_t i = 0; i < width; ++i) one += i ? ", ?" : "?";
  one += ")";
  std::string out;
  out.reserve(rows * (one.size() + 2));
  for (size_t r = 0; r < rows; ++r) out += (r ? ", " : "") + one;
  return out;
}

// The bound values of one statement execution: views into rows, plus constants.
class Binder {
 public:
  void add(const Value& v) {
    MYSQL_BIND b{};
    if (v) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = const_cast<char*>(v->data());
      b.buffer_length = v->size();
    } else {
      b.buffer_type = MYSQL_TYPE_NULL;
    }
    binds_.push_back(b);
  }
  void add(const std::string& s) {
    MYSQL_BIND b{};
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = const_cast<char*>(s.data());
    b.buffer_length = s.size();
    binds_.push_back(b);
  }
  // Values [from, from+n) of r.
  void add_row(const Row& r, size_t from, size_t n) {
    for (size_t i = 0; i < n; ++i) add(r[from + i]);
  }
  MYSQL_BIND* data() { return binds_.data(); }
  size_t size() const { return binds_.size(); }
  void clear() { binds_.clear(); }

 private:
  std::vector<MYSQL_BIND> binds_;
};

// Rows of several lists seen as one sequence, cut into chunks.
struct RowRange {
  std::vector<const Row*> rows;
  explicit RowRange(const std::vector<const std::vector<Row>*>& lists) {
    for (const auto* l : lists)
      for (const Row& r : *l) rows.push_back(&r);
  }
  static size_t bytes(const Row& row, size_t width) {
    size_t n = 0;
    for (size_t i = 0; i < width; ++i) n += kProtocolBytesPerValue + (row[i] ? row[i]->size() : 0);
    return n;
  }
  // How many rows from `at` fit a chunk of at most max_rows rows and about max_bytes of their first
  // `width` values (always at least one row).
  size_t chunk(size_t at, size_t width, size_t max_rows, size_t max_bytes) const {
    size_t n = 0, total = 0;
    while (at + n < rows.size() && n < max_rows) {
      size_t row_bytes = bytes(*rows[at + n], width);
      if (n > 0 && total + row_bytes > max_bytes) break;
      total += row_bytes;
      ++n;
    }
    return n;
  }
};

class MariadbSink final : public SinkBase {
 public:
  explicit MariadbSink(const ConnectionSettings& s) : settings_(s) {}
  ~MariadbSink() override { close(); }

  const char* dialect() const override { return "mysql"; }

 protected:
  bool is_open() const override { return mysql_ != nullptr; }

  void open() override {
    mysql_ = mysql_init(nullptr);
    if (!mysql_) throw SinkError(ErrorKind::Transient, "mysql: out of memory");
    unsigned timeout = static_cast<unsigned>(settings_.connect_timeout.count());
    unsigned rw_timeout = kReadWriteTimeoutSeconds;
    mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
    mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    try {
      apply_connect_args();
    } catch (...) {
      close();
      throw;
    }
    unsigned port = settings_.port ? static_cast<unsigned>(settings_.port) : kDefaultPort;
    const char* host = settings_.host.empty() ? "localhost" : settings_.host.c_str();
    const char* db = settings_.database.empty() ? nullptr : settings_.database.c_str();
    if (!mysql_real_connect(mysql_, host, settings_.user.c_str(), settings_.password.c_str(), db, port, nullptr, 0)) {
      SinkError e = error();
      close();
      // Refused, unreachable, bad credentials, unknown database: all retried like an outage.
      throw SinkError(e.kind() == ErrorKind::Data ? ErrorKind::Transient : e.kind(),
                      std::string("mysql: cannot connect: ") + e.what(), e.code());
    }
    try {
      query("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')");
      auto packet = select("SELECT @@max_allowed_packet");
      size_t max_packet = packet.empty() ? 0 : std::stoull(packet[0][0]);
      max_packet_ = max_packet;
      max_bytes_ = std::min(kMaxBytesPerStatement, max_packet / 2);
    } catch (...) {
      close();
      throw;
    }
    unsigned long caps = 0, extended = 0;
    mariadb_get_infov(mysql_, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps);
    mariadb_get_infov(mysql_, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &extended);
    bulk_ = bulk_allowed_ && !(caps & CLIENT_MYSQL) && (extended & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
  }

  void close() noexcept override {
    forget_tables();
    for (auto& [sql, entry] : statements_) mysql_stmt_close(entry.stmt);
    statements_.clear();
    lru_.clear();
    if (mysql_) mysql_close(mysql_);
    mysql_ = nullptr;
  }

  void run_begin() override { query("START TRANSACTION"); }
  void run_commit() override { query("COMMIT"); }
  void run_rollback() override { query("ROLLBACK"); }
  void run_ping() override { query("SELECT 1"); }

  void forget_table(const TableRef& t) noexcept override { tables_.erase(cache_key(t)); }
  void forget_tables() noexcept override { tables_.clear(); }

  std::vector<Column> read_columns(const TableRef& t) override { return table(t).columns; }

  void run_write(const TableWrite& w) override {
    const TableInfo& info = table_for(w);
    const WritePlan p = plan_write(w, info);
    delete_keys(info, w.key_columns, RowRange(p.to_delete));
    insert_rows(info, p.columns, RowRange(p.to_insert), "", {});
    if (p.upsert_in_place) insert_rows(info, p.columns, RowRange({&w.upserts}), on_duplicate(w), {});
    if (!w.type2_closes.empty() || !w.type2_inserts.empty()) write_type2(info, w, p.columns);
  }

  void run_ensure_progress_table() override {
    // Checked first: CREATE TABLE IF NOT EXISTS needs the CREATE privilege even when the table
    // exists, and a user with only DML rights must work once an administrator created it.
    if (!select("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = " +
                literal(kProgressTable))
             .empty())
      return;
    query(progress_table_ddl());  // without a database: 1046 "No database selected" (Schema)
  }

  std::optional<Progress> run_read_progress(const std::string& job, const std::string& consumer) override {
    check_progress_length(job, kMaxProgressNameCharsMysql, "job name");
    check_progress_length(consumer, kMaxProgressNameCharsMysql, "consumer name");
    binder_.clear();
    binder_.add(job);
    binder_.add(consumer);
    static const std::string sql = read_progress_sql();
    std::vector<std::vector<std::string>> rows = fetch_text_rows(execute(sql), 3);
    if (rows.empty()) return std::nullopt;
    return Progress{job, consumer, std::move(rows[0][0]), std::move(rows[0][1]), std::move(rows[0][2])};
  }

  std::vector<Progress> run_read_job_progress(const std::string& job) override {
    check_progress_length(job, kMaxProgressNameCharsMysql, "job name");
    binder_.clear();
    binder_.add(job);
    static const std::string sql = read_job_progress_sql();
    std::vector<Progress> out;
    for (auto& r : fetch_text_rows(execute(sql), 4)) {
      out.push_back(Progress{job, std::move(r[0]), std::move(r[1]), std::move(r[2]), std::move(r[3])});
    }
    return out;
  }

  void run_write_progress(const Progress& p) override {
    check_progress_length(p.job, kMaxProgressNameCharsMysql, "job name");
    check_progress_length(p.consumer, kMaxProgressNameCharsMysql, "consumer name");
    check_progress_length(p.batch_first_id, kMaxProgressIdChars, "batch_first_id");
    check_progress_length(p.committed_id, kMaxProgressIdChars, "committed_id");
    // A row the server could never receive would drop the connection (which looks transient). No
    // record is at fault, so not Data (splitting the batch would not shrink `rejected`): Schema,
    // to be fixed by raising max_allowed_packet.
    size_t bytes = 0;
    for (const std::string* v : {&p.job, &p.consumer, &p.batch_first_id, &p.committed_id, &p.rejected})
      bytes += kProtocolBytesPerValue + v->size();
    if (bytes + kPacketHeadroomBytes > max_packet_)
      throw SinkError(ErrorKind::Schema, "mysql: a progress row of " + std::to_string(bytes) +
                                             " bytes exceeds the server's max_allowed_packet (" +
                                             std::to_string(max_packet_) + ")", "1153");
    binder_.clear();
    binder_.add(p.job);
    binder_.add(p.consumer);
    binder_.add(p.batch_first_id);
    binder_.add(p.committed_id);
    binder_.add(p.rejected);
    static const std::string sql = write_progress_sql();
    execute(sql);
  }

 private:
  static std::string on_duplicate(const TableWrite& w) {
    std::string sql = " ON DUPLICATE KEY UPDATE ";
    if (w.value_columns.empty()) {  // keys only: a no-op update keeps the existing row
      std::string k = quote(w.key_columns[0]);
      return sql + k + " = " + k;
    }
    for (size_t i = 0; i < w.value_columns.size(); ++i) {
      std::string c = quote(w.value_columns[i]);
      sql += (i ? ", " : "") + c + " = VALUES(" + c + ")";
    }
    return sql;
  }

  static size_t chunk_rows(size_t width, size_t fixed_params) {
    size_t by_params = (kMaxParameters - fixed_params) / std::max<size_t>(width, 1);
    return std::max<size_t>(1, std::min(kMaxRowsPerStatement, by_params));
  }

  // "(k1, k2) IN ((?,?),…)" or "k1 IN (?,…)" for rows keys.
  static std::string key_in(const std::vector<std::string>& keys, size_t rows) {
    if (keys.size() == 1) {
      std::string sql = quote(keys[0]) + " IN (";
      for (size_t r = 0; r < rows; ++r) sql += r ? ", ?" : "?";
      return sql + ")";
    }
    return "(" + column_list(keys) + ") IN (" + tuples(rows, keys.size()) + ")";
  }

  void delete_keys(const TableInfo& info, const std::vector<std::string>& keys, const RowRange& range) {
    const size_t n = chunk_rows(keys.size(), 0);
    for (size_t at = 0, rows = 0; at < range.rows.size(); at += rows) {
      rows = range.chunk(at, keys.size(), n, max_bytes_);
      binder_.clear();
      for (size_t i = 0; i < rows; ++i) binder_.add_row(*range.rows[at + i], 0, keys.size());
      execute("DELETE FROM " + info.quoted_name + " WHERE " + key_in(keys, rows));
    }
  }

  // INSERTs of the rows of range; `extra` columns get a constant each (TYPE2's indicator); `suffix`
  // is the ON DUPLICATE KEY clause of upserts.
  void insert_rows(const TableInfo& info, const std::vector<std::string>& cols, const RowRange& range,
                   const std::string& suffix, const std::vector<std::pair<std::string, std::string>>& extra) {
    if (range.rows.empty()) return;
    std::vector<std::string> names = cols;
    for (const auto& [c, v] : extra) names.push_back(c);
    const std::string head = "INSERT INTO " + info.quoted_name + " (" + column_list(names) + ") VALUES ";
    // A row the server could never receive is that record's fault, not an outage: the server would
    // drop the connection, which looks transient and would be retried forever.
    for (const Row* r : range.rows)
      if (range.bytes(*r, cols.size()) + kPacketHeadroomBytes > max_packet_)
        throw SinkError(ErrorKind::Data, "mysql: a row of " + std::to_string(range.bytes(*r, cols.size())) +
                                             " bytes exceeds the server's max_allowed_packet (" +
                                             std::to_string(max_packet_) + ")", "1153");
    if (bulk_) {
      for (size_t at = 0, rows = 0; at < range.rows.size(); at += rows) {
        rows = range.chunk(at, cols.size(), kMaxRowsPerBulk, max_bytes_);
        execute_bulk(head + tuples(1, names.size()) + suffix, range, at, rows, cols.size(), extra);
      }
      return;
    }
    const size_t n = chunk_rows(names.size(), 0);
    for (size_t at = 0, rows = 0; at < range.rows.size(); at += rows) {
      rows = range.chunk(at, cols.size(), n, max_bytes_);
      binder_.clear();
      for (size_t i = 0; i < rows; ++i) {
        binder_.add_row(*range.rows[at + i], 0, cols.size());
        for (const auto& [c, v] : extra) binder_.add(v);
      }
      execute(head + tuples(rows, names.size()) + suffix);
    }
  }

  // One execution of a single-row statement over rows [at, at+n) of range, with column-wise bulk
  // array binding: per parameter an array of value pointers, lengths and NULL indicators.
  void execute_bulk(const std::string& sql, const RowRange& range, size_t at, size_t n, size_t width,
                    const std::vector<std::pair<std::string, std::string>>& extra) {
    const size_t params = width + extra.size();
    bulk_pointers_.assign(params * n, nullptr);
    bulk_lengths_.assign(params * n, 0);
    bulk_indicators_.assign(params * n, STMT_INDICATOR_NONE);
    for (size_t r = 0; r < n; ++r) {
      const Row& row = *range.rows[at + r];
      for (size_t c = 0; c < params; ++c) {
        size_t slot = c * n + r;
        const std::string* v = c < width ? (row[c] ? &*row[c] : nullptr) : &extra[c - width].second;
        if (!v) {
          bulk_indicators_[slot] = STMT_INDICATOR_NULL;
          continue;
        }
        bulk_pointers_[slot] = const_cast<char*>(v->data());
        bulk_lengths_[slot] = v->size();
      }
    }
    std::vector<MYSQL_BIND> binds(params);
    for (size_t c = 0; c < params; ++c) {
      MYSQL_BIND& b = binds[c];
      b = MYSQL_BIND{};
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = &bulk_pointers_[c * n];
      b.length = &bulk_lengths_[c * n];
      b.u.indicator = &bulk_indicators_[c * n];
    }
    MYSQL_STMT* stmt = statement(sql);
    unsigned int rows = static_cast<unsigned int>(n);
    if (mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &rows) || mysql_stmt_bind_param(stmt, binds.data()) ||
        mysql_stmt_execute(stmt))
      fail(stmt);
  }

  void write_type2(const TableInfo& info, const TableWrite& w, const std::vector<std::string>& all) {
    const Type2Spec& spec = *w.type2;
    const size_t nkeys = w.key_columns.size();
    std::string set = quote(spec.indicator_column) + " = ?";
    std::vector<const Value*> set_values;
    for (const auto& cc : spec.close_columns) {
      set += ", " + quote(cc.column) + " = ";
      if (cc.is_sql_expression) {
        set += "(" + cc.value.value_or("NULL") + ")";
      } else {
        set += "?";
        set_values.push_back(&cc.value);
      }
    }
    RowRange keys({&w.type2_closes, &w.type2_inserts});
    const size_t n = chunk_rows(nkeys, set_values.size() + 2);
    for (size_t at = 0, rows = 0; at < keys.rows.size(); at += rows) {
      rows = keys.chunk(at, nkeys, n, max_bytes_);
      binder_.clear();
      binder_.add(spec.inactive_value);
      for (const Value* v : set_values) binder_.add(*v);
      for (size_t i = 0; i < rows; ++i) binder_.add_row(*keys.rows[at + i], 0, nkeys);
      binder_.add(spec.active_value);
      execute("UPDATE " + info.quoted_name + " SET " + set + " WHERE " + key_in(w.key_columns, rows) + " AND " +
              quote(spec.indicator_column) + " = ?");
    }
    std::vector<std::pair<std::string, std::string>> extra;
    bool has_indicator = false;
    for (const auto& c : all) has_indicator |= (c == spec.indicator_column);
    if (!has_indicator) extra.emplace_back(spec.indicator_column, spec.active_value);
    insert_rows(info, all, RowRange({&w.type2_inserts}), "", extra);
  }

  // Every row of an executed statement's result set, each of its `columns` values as text (NULL and
  // empty alike: ""). Values of any length: each is fetched with an empty buffer first to learn its
  // length, then whole.
  std::vector<std::vector<std::string>> fetch_text_rows(MYSQL_STMT* stmt, unsigned columns) {
    if (mysql_stmt_store_result(stmt)) fail(stmt);
    std::vector<MYSQL_BIND> binds(columns);
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns);
    for (unsigned i = 0; i < columns; ++i) {
      binds[i] = MYSQL_BIND{};
      binds[i].buffer_type = MYSQL_TYPE_STRING;
      binds[i].length = &lengths[i];
      binds[i].is_null = &nulls[i];
    }
    std::vector<std::vector<std::string>> rows;
    bool failed = mysql_stmt_bind_result(stmt, binds.data()) != 0;
    while (!failed) {
      int rc = mysql_stmt_fetch(stmt);
      if (rc == MYSQL_NO_DATA) break;
      if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
        failed = true;
        break;
      }
      std::vector<std::string> row(columns);
      for (unsigned i = 0; i < columns && !failed; ++i) {
        if (nulls[i] || lengths[i] == 0) continue;
        row[i].resize(lengths[i]);
        MYSQL_BIND b{};
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = row[i].data();
        b.buffer_length = lengths[i];
        failed = mysql_stmt_fetch_column(stmt, &b, i, 0) != 0;
      }
      rows.push_back(std::move(row));
    }
    if (failed) {
      SinkError e = error(stmt);
      mysql_stmt_free_result(stmt);
      throw e;
    }
    mysql_stmt_free_result(stmt);
    return rows;
  }

  // Runs sql (prepared once, then cached) with binder_'s values; returns the statement, whose result
  // set (if any) the caller reads.
  MYSQL_STMT* execute(const std::string& sql) {
    MYSQL_STMT* stmt = statement(sql);
    unsigned int single = 0;  // a statement may have run in bulk before
    if (mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &single) || mysql_stmt_bind_param(stmt, binder_.data()) ||
        mysql_stmt_execute(stmt))
      fail(stmt);
    return stmt;
  }

  MYSQL_STMT* statement(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.stmt;
    }
    if (statements_.size() >= kMaxCachedStatements) {  // evict the least recently used
      auto victim = statements_.find(lru_.back());
      mysql_stmt_close(victim->second.stmt);
      statements_.erase(victim);
      lru_.pop_back();
    }
    MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
    if (!stmt) fail();
    if (mysql_stmt_prepare(stmt, sql.c_str(), sql.size())) {
      SinkError e = error(stmt);
      mysql_stmt_close(stmt);
      throw e;
    }
    lru_.push_front(sql);
    statements_.emplace(sql, Cached{stmt, lru_.begin()});
    return stmt;
  }

  static std::string cache_key(const TableRef& t) { return t.schema + '\x1f' + t.table; }

  const TableInfo& table_for(const TableWrite& w) {
    const TableInfo* info = &table(w.table);
    if (info->missing_column(w)) {  // a column added, or the table recreated, while we ran
      forget_table(w.table);
      info = &table(w.table);
      info->require_columns(w, info->quoted_name);
    }
    return *info;
  }

  std::string literal(const std::string& s) {
    std::string out(s.size() * 2 + 1, '\0');
    out.resize(mysql_real_escape_string(mysql_, out.data(), s.data(), s.size()));
    return "'" + out + "'";
  }

  const TableInfo& table(const TableRef& t) {
    std::string key = cache_key(t);
    auto it = tables_.find(key);
    if (it != tables_.end()) return it->second;

    TableInfo info;
    info.quoted_name = (t.schema.empty() ? "" : quote(t.schema) + ".") + quote(t.table);
    // Catalog names are pipeline configuration, escaped as literals; record values never come here.
    std::string where = " WHERE TABLE_SCHEMA = " + (t.schema.empty() ? std::string("DATABASE()") : literal(t.schema)) +
                        " AND TABLE_NAME = " + literal(t.table);
    for (auto& row : select("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS" +
                            where + " ORDER BY ORDINAL_POSITION")) {
      Column c;
      c.name = row[0];
      c.type = row[1];
      c.nullable = row[2] == "YES";
      c.primary_key = row[3] == "PRI";
      info.columns.push_back(std::move(c));
    }
    if (info.columns.empty())
      throw SinkError(ErrorKind::Schema, "mysql: no such table: " + info.quoted_name, "1146");
    // Unique indexes on whole columns (a prefix index is not a key on the column's value).
    std::string current;
    bool prefix = false;
    auto close_index = [&] {
      if (prefix && !info.unique_keys.empty()) info.unique_keys.pop_back();
      prefix = false;
    };
    for (auto& row : select("SELECT INDEX_NAME, COLUMN_NAME, SUB_PART IS NOT NULL FROM information_schema.STATISTICS" +
                            where + " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX")) {
      if (row[0] != current) {
        close_index();
        info.unique_keys.emplace_back();
        current = row[0];
      }
      info.unique_keys.back().push_back(row[1]);
      prefix |= row[2] == "1";
    }
    close_index();
    return tables_.emplace(key, std::move(info)).first->second;
  }

  void apply_connect_args() {
    bulk_allowed_ = true;
    static const std::map<std::string, mysql_option> kFileOptions = {
        {"ssl_ca", MYSQL_OPT_SSL_CA},           {"ssl_cert", MYSQL_OPT_SSL_CERT},
        {"ssl_key", MYSQL_OPT_SSL_KEY},         {"ssl_capath", MYSQL_OPT_SSL_CAPATH},
        {"ssl_cipher", MYSQL_OPT_SSL_CIPHER},   {"ssl_crl", MYSQL_OPT_SSL_CRL},
        {"tls_version", MARIADB_OPT_TLS_VERSION},
    };
    bool tls = false;
    for (const auto& [k, v] : settings_.connect_args) {
      auto it = kFileOptions.find(k);
      if (it != kFileOptions.end()) {
        mysql_optionsv(mysql_, it->second, v.c_str());
        tls = true;
      } else if (k == "bulk_operations") {
        bulk_allowed_ = !(v == "false" || v == "0" || v == "no");
      } else if (k == "ssl_verify_cert" || k == "ssl_verify_server_cert") {
        my_bool on = (v == "true" || v == "1" || v == "yes");
        mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
      } else {
        throw SinkError(ErrorKind::Schema, "mysql: unsupported connect_args key '" + k +
                                               "' (ssl_ca, ssl_cert, ssl_key, ssl_capath, ssl_cipher, ssl_crl,"
                                               " tls_version, ssl_verify_cert, bulk_operations)");
      }
    }
    if (tls) {  // asked for TLS: never fall back to plain text
      my_bool on = 1;
      mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &on);
    }
  }

  void query(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.c_str(), sql.size())) fail();
    if (MYSQL_RES* r = mysql_store_result(mysql_)) mysql_free_result(r);
  }

  std::vector<std::vector<std::string>> select(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.c_str(), sql.size())) fail();
    MYSQL_RES* r = mysql_store_result(mysql_);
    if (!r) fail();
    std::vector<std::vector<std::string>> out;
    unsigned n = mysql_num_fields(r);
    while (MYSQL_ROW row = mysql_fetch_row(r)) {
      unsigned long* len = mysql_fetch_lengths(r);
      std::vector<std::string> v;
      for (unsigned i = 0; i < n; ++i) v.emplace_back(row[i] ? std::string(row[i], len[i]) : std::string());
      out.push_back(std::move(v));
    }
    mysql_free_result(r);
    return out;
  }

  SinkError error(MYSQL_STMT* stmt = nullptr) const {
    unsigned n = stmt ? mysql_stmt_errno(stmt) : mysql_errno(mysql_);
    std::string state = stmt ? mysql_stmt_sqlstate(stmt) : mysql_sqlstate(mysql_);
    std::string msg = stmt ? mysql_stmt_error(stmt) : mysql_error(mysql_);
    return SinkError(classify_mariadb(n, state), "mysql: " + msg + " (" + std::to_string(n) + ")",
                     std::to_string(n));
  }
  [[noreturn]] void fail(MYSQL_STMT* stmt = nullptr) { throw error(stmt); }

  struct Cached {
    MYSQL_STMT* stmt;
    std::list<std::string>::iterator lru;
  };

  ConnectionSettings settings_;
  MYSQL* mysql_ = nullptr;
  std::unordered_map<std::string, Cached> statements_;
  std::list<std::string> lru_;  // statement texts, most recently used first
  std::map<std::string, TableInfo> tables_;
  Binder binder_;
  bool bulk_allowed_ = true;   // connect_args bulk_operations
  bool bulk_ = false;          // this connection writes with bulk array binding
  size_t max_bytes_ = kMaxBytesPerStatement;
  size_t max_packet_ = 0;  // the server's max_allowed_packet
  std::vector<char*> bulk_pointers_;  // bulk binding arrays, parameter-major, reused between batches
  std::vector<unsigned long> bulk_lengths_;
  std::vector<char> bulk_indicators_;
};

}  // namespace

std::unique_ptr<Sink> make_mariadb_sink(const ConnectionSettings& settings) {
  return std::make_unique<MariadbSink>(settings);
}

}  // namespace wb::sink

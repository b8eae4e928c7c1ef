// The PostgreSQL dialect, through libpq.
//
// A TableWrite becomes at most five statements, whatever its size: each column of a row list
// travels as one text[] parameter (binary format, pg_array.h) and unnest() turns the arrays back into
// rows on the server:
//   DELETE FROM t USING unnest($1::text[], …) AS u(…) WHERE t.k = u.c0::<type> …
//   INSERT INTO t (…) SELECT u.c0::<type>, … FROM unnest($1::text[], …) AS u(…)
//       [ON CONFLICT (keys) DO UPDATE SET v = EXCLUDED.v, …]
//   UPDATE t SET indicator = …, … FROM unnest(…) AS u(…) WHERE t.k = u.c0::<type> … (TYPE2 close)
// The casts name each column's base type, read once from the catalog (no typmod: casting to
// varchar(5) would silently truncate, while the assignment into the column checks the length).
//
// A batch costs one round trip: begin() sends nothing, write() queues its statements in libpq's
// pipeline mode behind a BEGIN, and commit() queues COMMIT, syncs and reads every result. So an
// error of a write() surfaces at commit() (or at the next write() that must read the catalog).
// bench/sink-reference/README.md has the measurements behind these choices (over COPY into a
// staging table, multi-row VALUES, named prepared statements, and one round trip per statement).
//
// The progress row (Sink::write_progress) rides in the same pipeline: one more unnamed upsert whose
// five parameters go as binary text (no escaping, no strlen over a large `rejected`). Not a named
// prepared statement: parsing it costs nothing next to the batch, it needs no extra round trip on a
// new connection, and no session state that a transaction-pooling proxy (PgBouncer) would lose.
#include <libpq-fe.h>

#include <map>
#include <optional>
#include <string>

#include "sink/dialects.h"
#include "sink/error_kinds.h"
#include "sink/identifiers.h"
#include "sink/pg_array.h"
#include "sink/sink_base.h"
#include "sink/table_info.h"
#include "sink/write_plan.h"

namespace wb::sink {

namespace {

// A statement parameter: text (typed by a cast in the statement) or a binary text[].
struct Param {
  Value value;
  bool binary_text_array = false;
};

// Table aliases in generated statements; they only need to differ from each other.
constexpr const char* kTargetAlias = "wb_t";
constexpr const char* kRowsAlias = "wb_u";

std::string quote(std::string_view name) { return quote_double(name, kMaxPostgresIdentifierBytes); }

// The OID of text: parameters sent in binary format with this type are taken byte for byte.
constexpr Oid kTextOid = 25;
constexpr int kWriteProgressParams = 5;

// The progress table, unqualified: it lands in (and is found through) the search_path. Timestamps
// are timestamptz; a btree key entry holds job and consumer names of up to about 2,700 bytes.
std::string progress_table_ddl() {
  return "CREATE TABLE IF NOT EXISTS " + quote(kProgressTable) +
         " (job text NOT NULL, consumer text NOT NULL, batch_first_id text NOT NULL,"
         " committed_id text NOT NULL, rejected text NOT NULL, updated_at timestamptz NOT NULL,"
         " PRIMARY KEY (job, consumer))";
}

std::string write_progress_sql() {
  return "INSERT INTO " + quote(kProgressTable) +
         " (job, consumer, batch_first_id, committed_id, rejected, updated_at) VALUES ($1, $2, $3, $4, $5, now())"
         " ON CONFLICT (job, consumer) DO UPDATE SET batch_first_id = EXCLUDED.batch_first_id,"
         " committed_id = EXCLUDED.committed_id, rejected = EXCLUDED.rejected, updated_at = EXCLUDED.updated_at";
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresSink final : public SinkBase {
 public:
  explicit PostgresSink(const ConnectionSettings& s) : settings_(s) {}
  ~PostgresSink() override { close(); }

  const char* dialect() const override { return "postgresql"; }

 protected:
  bool is_open() const override { return conn_ != nullptr; }

  void open() override {
    std::map<std::string, std::string> kw;
    if (!settings_.host.empty()) kw["host"] = settings_.host;
    if (settings_.port) kw["port"] = std::to_string(settings_.port);
    if (!settings_.database.empty()) kw["dbname"] = settings_.database;
    if (!settings_.user.empty()) kw["user"] = settings_.user;
    if (!settings_.password.empty()) kw["password"] = settings_.password;
    kw["connect_timeout"] = std::to_string(settings_.connect_timeout.count());
    kw["application_name"] = "writebehind";
    for (const auto& [k, v] : settings_.query_args) kw[k] = v;
    kw["client_encoding"] = "UTF8";  // values are UTF-8 whatever the pipeline says
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : kw) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      conn_ = nullptr;
      // libpq gives no SQLSTATE for a failed connection: refused, unreachable, starting up, and also
      // bad credentials or a missing database. All are retried like an outage.
      throw SinkError(ErrorKind::Transient, "postgresql: cannot connect: " + trim(msg));
    }
  }

  void close() noexcept override {
    forget_tables();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    begin_pending_ = false;
    in_pipeline_ = false;
  }

  void run_begin() override {
    sync_pipeline();  // nothing should be queued; if something is, settle it before a new transaction
    begin_pending_ = true;
  }
  void run_commit() override {
    if (begin_pending_) {  // nothing was written: there is no transaction to commit
      begin_pending_ = false;
      return;
    }
    send("COMMIT", {});
    std::string status = sync_pipeline();
    // COMMIT of a transaction that failed reports ROLLBACK, not an error.
    if (status != "COMMIT") throw SinkError(ErrorKind::Transient, "postgresql: the transaction was rolled back at commit");
  }
  void run_rollback() override {
    begin_pending_ = false;
    try {
      sync_pipeline();
    } catch (const SinkError& e) {
      if (e.kind() == ErrorKind::Transient) throw;  // the connection is gone; SinkBase closes it
    }
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) exec("ROLLBACK");
  }
  void run_ping() override { exec("SELECT 1"); }

  void forget_table(const TableRef& t) noexcept override { tables_.erase(cache_key(t)); }
  void forget_tables() noexcept override { tables_.clear(); }

  std::vector<Column> read_columns(const TableRef& t) override { return table(t).columns; }

  void run_write(const TableWrite& w) override {
    const TableInfo& info = table_for(w);
    const WritePlan p = plan_write(w, info);
    if (p.has_deletes()) delete_keys(info, w.key_columns, p.to_delete);
    if (p.has_inserts()) insert_rows(info, p.columns, p.to_insert, nullptr, {});
    if (p.upsert_in_place) insert_rows(info, p.columns, {&w.upserts}, &w, {});
    if (!w.type2_closes.empty() || !w.type2_inserts.empty()) write_type2(info, w, p.columns);
  }

  void run_ensure_progress_table() override {
    // Checked first, because CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the
    // table exists: a user with only DML rights works once an administrator created the table.
    if (progress_table_exists()) return;
    try {
      exec(progress_table_ddl());
    } catch (const SinkError& e) {
      // Appliers creating it at once: IF NOT EXISTS does not stop the losers from failing (on the
      // catalog's unique indexes with 23505, "type … already exists" 42710, 42P07). Whatever the
      // error, a table that is there now is success.
      bool exists = false;
      try {
        exists = e.kind() != ErrorKind::Transient && progress_table_exists();
      } catch (const SinkError&) {
      }
      if (!exists) throw;
    }
  }

  std::optional<Progress> run_read_progress(const std::string& job, const std::string& consumer) override {
    Result r = exec_text("SELECT batch_first_id, committed_id, rejected FROM " + quote(kProgressTable) +
                             " WHERE job = $1 AND consumer = $2",
                         {&job, &consumer});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    auto field = [&](int column) { return std::string(PQgetvalue(r.get(), 0, column), PQgetlength(r.get(), 0, column)); };
    return Progress{job, consumer, field(0), field(1), field(2)};
  }

  std::vector<Progress> run_read_job_progress(const std::string& job) override {
    Result r = exec_text("SELECT consumer, batch_first_id, committed_id, rejected FROM " + quote(kProgressTable) +
                             " WHERE job = $1 ORDER BY consumer",
                         {&job});
    std::vector<Progress> rows;
    rows.reserve(static_cast<size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      auto field = [&](int column) { return std::string(PQgetvalue(r.get(), i, column), PQgetlength(r.get(), i, column)); };
      rows.push_back(Progress{job, field(0), field(1), field(2), field(3)});
    }
    return rows;
  }

  void run_write_progress(const Progress& p) override {
    static const std::string sql = write_progress_sql();
    const Oid types[kWriteProgressParams] = {kTextOid, kTextOid, kTextOid, kTextOid, kTextOid};
    const std::string* texts[kWriteProgressParams] = {&p.job, &p.consumer, &p.batch_first_id, &p.committed_id,
                                                      &p.rejected};
    const char* values[kWriteProgressParams];
    int lengths[kWriteProgressParams];
    int formats[kWriteProgressParams];
    for (int i = 0; i < kWriteProgressParams; ++i) {
      values[i] = texts[i]->data();
      lengths[i] = static_cast<int>(texts[i]->size());
      formats[i] = 1;
    }
    enter_transaction_pipeline();
    if (!PQsendQueryParams(conn_, sql.c_str(), kWriteProgressParams, types, values, lengths, formats, 0)) fail(nullptr);
  }

 private:
  bool progress_table_exists() {
    const std::string name = quote(kProgressTable);
    Result r = exec_text("SELECT to_regclass($1) IS NOT NULL", {&name});
    return PQntuples(r.get()) == 1 && PQgetvalue(r.get(), 0, 0)[0] == 't';
  }

  // "wb_u.c3::pg_catalog.int4": the text of row column `position` cast to the type of `column`.
  static std::string cast(const TableInfo& info, size_t position, const std::string& column) {
    return std::string(kRowsAlias) + ".c" + std::to_string(position) + "::" + info.cast_types[info.find(column)];
  }

  // "unnest($1::text[], $2::text[]) AS wb_u(c0, c1)" over parameters first..first+n-1.
  static std::string unnest(size_t first, size_t n) {
    std::string args, names;
    for (size_t i = 0; i < n; ++i) {
      args += (i ? ", $" : "$") + std::to_string(first + i) + "::text[]";
      names += (i ? ", c" : "c") + std::to_string(i);
    }
    return "unnest(" + args + ") AS " + kRowsAlias + "(" + names + ")";
  }

  // One binary text[] per column position in [0, n) over the row lists.
  static void add_arrays(std::vector<Param>& params, const std::vector<const std::vector<Row>*>& lists, size_t n) {
    for (size_t c = 0; c < n; ++c) {
      std::string a;
      append_pg_text_array(a, lists, c);
      params.push_back(Param{std::move(a), true});
    }
  }

  // WHERE/AND conditions matching the target's key columns to the unnested rows.
  static std::string key_match(const TableInfo& info, const std::vector<std::string>& keys) {
    std::string sql;
    for (size_t i = 0; i < keys.size(); ++i)
      sql += (i ? " AND " : "") + std::string(kTargetAlias) + "." + quote(keys[i]) + " = " + cast(info, i, keys[i]);
    return sql;
  }

  void delete_keys(const TableInfo& info, const std::vector<std::string>& keys,
                   const std::vector<const std::vector<Row>*>& lists) {
    std::vector<Param> params;
    add_arrays(params, lists, keys.size());
    send("DELETE FROM " + info.quoted_name + " AS " + kTargetAlias + " USING " + unnest(1, keys.size()) +
             " WHERE " + key_match(info, keys),
         params);
  }

  // INSERT … SELECT from the unnested rows; `extra` columns get one constant each (TYPE2's
  // indicator). With upsert set, adds ON CONFLICT on its keys.
  void insert_rows(const TableInfo& info, const std::vector<std::string>& cols,
                   const std::vector<const std::vector<Row>*>& lists, const TableWrite* upsert,
                   const std::vector<std::pair<std::string, std::string>>& extra) {
    std::vector<Param> params;
    add_arrays(params, lists, cols.size());
    std::string names, select;
    for (size_t i = 0; i < cols.size(); ++i) {
      names += (i ? ", " : "") + quote(cols[i]);
      select += (i ? ", " : "") + cast(info, i, cols[i]);
    }
    for (const auto& [column, value] : extra) {
      params.push_back(Param{value});
      names += ", " + quote(column);
      select += ", $" + std::to_string(params.size()) + "::" + info.cast_types[info.find(column)];
    }
    std::string sql = "INSERT INTO " + info.quoted_name + " (" + names + ") SELECT " + select + " FROM " +
                      unnest(1, cols.size());
    if (upsert) {
      sql += " ON CONFLICT (";
      for (size_t i = 0; i < upsert->key_columns.size(); ++i) sql += (i ? ", " : "") + quote(upsert->key_columns[i]);
      sql += ") DO ";
      if (upsert->value_columns.empty()) {
        sql += "NOTHING";
      } else {
        sql += "UPDATE SET ";
        for (size_t i = 0; i < upsert->value_columns.size(); ++i) {
          std::string c = quote(upsert->value_columns[i]);
          sql += (i ? ", " : "") + c + " = EXCLUDED." + c;
        }
      }
    }
    send(sql, params);
  }

  void write_type2(const TableInfo& info, const TableWrite& w, const std::vector<std::string>& all) {
    const Type2Spec& spec = *w.type2;
    const size_t nkeys = w.key_columns.size();
    std::vector<Param> params;
    add_arrays(params, {&w.type2_closes, &w.type2_inserts}, nkeys);
    auto param = [&](const Value& v, const std::string& column) {
      params.push_back(Param{v});
      return "$" + std::to_string(params.size()) + "::" + info.cast_types[info.find(column)];
    };
    std::string sql = "UPDATE " + info.quoted_name + " AS " + kTargetAlias + " SET " +
                      quote(spec.indicator_column) + " = " + param(spec.inactive_value, spec.indicator_column);
    for (const auto& cc : spec.close_columns)
      sql += ", " + quote(cc.column) + " = " +
             (cc.is_sql_expression ? "(" + cc.value.value_or("NULL") + ")" : param(cc.value, cc.column));
    sql += " FROM " + unnest(1, nkeys) + " WHERE " + key_match(info, w.key_columns) + " AND " + kTargetAlias +
           "." + quote(spec.indicator_column) + " = " + param(spec.active_value, spec.indicator_column);
    send(sql, params);

    if (w.type2_inserts.empty()) return;
    std::vector<std::pair<std::string, std::string>> extra;
    bool has_indicator = false;
    for (const auto& c : all) has_indicator |= (c == spec.indicator_column);
    if (!has_indicator) extra.emplace_back(spec.indicator_column, spec.active_value);
    insert_rows(info, all, {&w.type2_inserts}, nullptr, extra);
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

  const TableInfo& table(const TableRef& t) {
    std::string key = cache_key(t);
    auto it = tables_.find(key);
    if (it != tables_.end()) return it->second;

    TableInfo info;
    info.quoted_name = (t.schema.empty() ? "" : quote(t.schema) + ".") + quote(t.table);
    // A missing table fails the ::regclass cast with 42P01 (Schema).
    Result cols = exec(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,"
        " COALESCE(a.attnum = ANY(pk.indkey), false),"
        " quote_ident(tn.nspname) || '.' || quote_ident(ty.typname)"
        " FROM pg_attribute a"
        " JOIN pg_type ty ON ty.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = ty.typnamespace"
        " LEFT JOIN pg_index pk ON pk.indrelid = a.attrelid AND pk.indisprimary"
        " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {info.quoted_name});
    for (int i = 0; i < PQntuples(cols.get()); ++i) {
      Column c;
      c.name = PQgetvalue(cols.get(), i, 0);
      c.type = PQgetvalue(cols.get(), i, 1);
      c.nullable = PQgetvalue(cols.get(), i, 2)[0] == 't';
      c.primary_key = PQgetvalue(cols.get(), i, 3)[0] == 't';
      info.columns.push_back(std::move(c));
      info.cast_types.push_back(PQgetvalue(cols.get(), i, 4));
    }
    // Unique indexes ON CONFLICT can use: immediate, not partial, on plain columns (key columns only,
    // not INCLUDE ones).
    Result uniq = exec(
        "SELECT i.indexrelid, a.attname FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indimmediate AND i.indpred IS NULL"
        " AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts ORDER BY i.indexrelid, k.ord",
        {info.quoted_name});
    std::string current;
    for (int i = 0; i < PQntuples(uniq.get()); ++i) {
      std::string index = PQgetvalue(uniq.get(), i, 0);
      if (index != current) info.unique_keys.emplace_back();
      current = index;
      info.unique_keys.back().push_back(PQgetvalue(uniq.get(), i, 1));
    }
    return tables_.emplace(key, std::move(info)).first->second;
  }

  // Enters pipeline mode if needed and queues BEGIN if due: what precedes every queued statement of
  // a transaction.
  void enter_transaction_pipeline() {
    if (!in_pipeline_) {
      if (!PQenterPipelineMode(conn_)) fail(nullptr);
      in_pipeline_ = true;
    }
    if (begin_pending_) {
      if (!PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0)) fail(nullptr);
      begin_pending_ = false;
    }
  }

  // Queues a statement of the open transaction in pipeline mode (sending BEGIN first if due).
  void send(const std::string& sql, const std::vector<Param>& params) {
    enter_transaction_pipeline();
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    std::vector<Oid> types;
    for (const Param& p : params) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.binary_text_array ? 1 : 0);
      types.push_back(p.binary_text_array ? kTextArrayOid : 0);
    }
    if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), types.data(), values.data(),
                           lengths.data(), formats.data(), 0))
      fail(nullptr);
  }

  // Sends a sync, reads every queued result and leaves pipeline mode. Throws the first error; returns
  // the command status of the last statement ("" when nothing was queued).
  std::string sync_pipeline() {
    if (!in_pipeline_) return "";
    if (!PQpipelineSync(conn_)) fail(nullptr);
    std::optional<SinkError> first_error;
    std::string status;
    for (;;) {
      Result r(PQgetResult(conn_));
      if (!r) {
        if (PQstatus(conn_) == CONNECTION_BAD) fail(nullptr);
        continue;  // the end of one statement's results
      }
      ExecStatusType st = PQresultStatus(r.get());
      if (st == PGRES_PIPELINE_SYNC) break;
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        status = PQcmdStatus(r.get());
      } else if (st != PGRES_PIPELINE_ABORTED && !first_error) {
        first_error = error(r.get());
      }
    }
    PQexitPipelineMode(conn_);
    in_pipeline_ = false;
    if (first_error) throw *first_error;
    return status;
  }

  Result exec(const std::string& sql, const std::vector<Value>& params = {}) {
    sync_pipeline();  // a synchronous statement (catalog, ping) waits for the queued ones
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Value& v : params) values.push_back(v ? v->c_str() : nullptr);
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    fail(r.get());
  }

  // Like exec, with every parameter sent as binary text (byte for byte, any length).
  Result exec_text(const std::string& sql, const std::vector<const std::string*>& params) {
    sync_pipeline();
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats(params.size(), 1);
    std::vector<Oid> types(params.size(), kTextOid);
    for (const std::string* p : params) {
      values.push_back(p->data());
      lengths.push_back(static_cast<int>(p->size()));
    }
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                          lengths.data(), formats.data(), 0));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    fail(r.get());
  }

  SinkError error(const PGresult* r) const {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = r ? PQresultErrorMessage(r) : "";
    if (msg.empty()) msg = PQerrorMessage(conn_);
    ErrorKind kind = PQstatus(conn_) == CONNECTION_BAD ? ErrorKind::Transient : classify_postgres(state ? state : "");
    return SinkError(kind, "postgresql: " + trim(msg), state ? state : "");
  }
  [[noreturn]] void fail(const PGresult* r) { throw error(r); }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  ConnectionSettings settings_;
  PGconn* conn_ = nullptr;
  bool begin_pending_ = false;  // begin() was called; BEGIN goes out with the first statement
  bool in_pipeline_ = false;    // statements are queued whose results are not read yet
  std::map<std::string, TableInfo> tables_;
};

}  // namespace

std::unique_ptr<Sink> make_postgres_sink(const ConnectionSettings& settings) {
  return std::make_unique<PostgresSink>(settings);
}

}  // namespace wb::sink

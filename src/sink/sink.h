// The target-writing layer: one Sink per target connection, written to once per batch.
//
// The applier coalesces a batch, fills one TableWrite per (output, table) and calls
//   sink.begin(); sink.write(w1); sink.write(w2); ...; sink.commit();
// Every dialect (PostgreSQL, MySQL/MariaDB, SQLite) turns a TableWrite into a few bulk statements,
// binding every value as text and letting the database cast it to the column's type. Failures are
// SinkError (sink_error.h) with a kind that tells the applier whether to retry, or to split the
// batch and dead-letter the offending records.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sink/sink_error.h"

namespace wb::sink {

// A table in a target. `schema` is the PostgreSQL schema, the MySQL/MariaDB database, or the name
// of an attached SQLite database; empty means the connection's default (search_path, the
// connection's database, SQLite's `main`).
struct TableRef {
  std::string schema;
  std::string table;
};

// One value, as text. std::nullopt is SQL NULL; an empty string is written as an empty string.
using Value = std::optional<std::string>;
using Row = std::vector<Value>;

// How TYPE2 (history-keeping) rows are told apart and closed. The active row of a key is the one
// whose `indicator_column` equals `active_value`. Closing it sets the column to `inactive_value`
// plus every `close_columns` entry; inserting a new version writes `active_value` into the
// indicator column (unless the row's own columns already include it).
struct Type2Spec {
  struct CloseColumn {
    std::string column;
    Value value;                 // bound as a parameter, like any value
    bool is_sql_expression = false;  // true: `value` is SQL text from the pipeline author,
                                     // spliced verbatim (e.g. CURRENT_TIMESTAMP); never record data
  };
  std::string indicator_column;
  std::string active_value;
  std::string inactive_value;
  std::vector<CloseColumn> close_columns;
};

// The writes of one batch to one table. Row layouts:
//   full rows (upserts, appends, replaces, type2_inserts): the values of key_columns, then the
//     values of value_columns, in that order;
//   key rows (deletes, type2_closes): the values of key_columns only.
// key_columns and value_columns are disjoint. Each key appears at most once over all the lists
// of one TableWrite (the applier coalesces first); a dialect may fail or pick any of the
// duplicates otherwise.
//
// Applied in this order, so a key that is both deleted and written ends written:
//   deletes, replaces (delete by keys, then insert), upserts, appends,
//   type2_closes + type2_inserts (close the active rows of both lists, then insert the new rows).
struct TableWrite {
  TableWrite() = default;
  TableWrite(TableRef table_ref, std::vector<std::string> keys, std::vector<std::string> values)
      : table(std::move(table_ref)), key_columns(std::move(keys)), value_columns(std::move(values)) {}

  TableRef table;
  std::vector<std::string> key_columns;
  std::vector<std::string> value_columns;

  std::vector<Row> upserts;    // insert, or update the non-key columns of the row with these keys
  std::vector<Row> deletes;    // delete the rows with these keys
  std::vector<Row> appends;    // plain insert (typically key_columns is empty)
  std::vector<Row> replaces;   // delete the rows with these keys, then insert
  std::optional<Type2Spec> type2;   // required when type2_closes or type2_inserts is not empty
  std::vector<Row> type2_closes;    // close the active row of each key (a `d` under TYPE2)
  std::vector<Row> type2_inserts;   // close the active row, then insert this one as the active row

  bool empty() const {
    return upserts.empty() && deletes.empty() && appends.empty() && replaces.empty() &&
           type2_closes.empty() && type2_inserts.empty();
  }
  size_t row_count() const {
    return upserts.size() + deletes.size() + appends.size() + replaces.size() + type2_closes.size() +
           type2_inserts.size();
  }
};

// A column of a target table, as the database describes it.
struct Column {
  std::string name;
  std::string type;        // the database's spelling, e.g. "integer", "varchar(20)", "TEXT"
  bool nullable = true;
  bool primary_key = false;
};

// Where and how to connect. Secrets are already resolved.
struct ConnectionSettings {
  std::string type;        // "postgresql" (or "postgres"), "mysql", "mariadb", "sqlite"
  std::string host;        // postgresql, mysql, mariadb
  int port = 0;            // 0: the dialect's default port
  std::string database;    // the database; for sqlite the file path (":memory:" works too)
  std::string user;
  std::string password;
  std::map<std::string, std::string> query_args;    // postgresql: extra libpq keywords (sslmode, ...)
  std::map<std::string, std::string> connect_args;  // mysql/mariadb: ssl_ca, ssl_cert, ssl_key, ...
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds busy_timeout{5};  // sqlite: how long to wait for a lock before SQLITE_BUSY
};

// The exactly-once bookkeeping of the applier (docs/architecture.md): an APPEND or TYPE2 output is
// not idempotent, so a batch re-read after a crash between the target commit and the stream XACK
// must not be written again. In the same transaction as a batch's rows, the applier upserts the row
// of its (job, consumer) in this table; after a restart it reads the row and skips what was
// committed. The table lives in the connection's default schema (PostgreSQL search_path,
// MySQL/MariaDB the connection's database, SQLite `main`).
inline constexpr const char* kProgressTable = "writebehind_progress";
// MySQL/MariaDB hold job and consumer in VARCHAR(191) utf8mb4 (764 bytes, within every InnoDB
// index-length limit); longer names are refused there (SinkError Schema).
inline constexpr size_t kMaxProgressNameCharsMysql = 191;

// One row per (job, consumer): how far the consumer's batch in flight has been committed to this
// target. Written inside the batch's transaction; read after a restart. See docs/architecture.md.
struct Progress {
  std::string job;
  std::string consumer;        // the applier instance id (stream consumer name)
  std::string batch_first_id;  // stream id of the first entry of the batch in flight
  std::string committed_id;    // stream id of the last entry this transaction commits
  std::string rejected;        // opaque text (the applier stores JSON), may be large (MBs); "" allowed
};

// A connection to one target. Not thread-safe: one Sink per worker.
//
// The connection is opened lazily (begin, columns, ping) and dropped after a Transient error, so
// the next begin() reconnects. After any SinkError inside a transaction the transaction is unusable:
// call rollback() (which never throws), then begin() again. Errors from write() may also surface at
// commit(), since a dialect may defer work to it.
class Sink {
 public:
  virtual ~Sink() = default;

  virtual void begin() = 0;
  virtual void write(const TableWrite& w) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // The table's columns in table order. Throws SinkError (Schema if the table does not exist).
  // Also forgets what the sink cached about that table, so call it again after a Schema error.
  virtual std::vector<Column> columns(const TableRef& table) = 0;

  // Connects if needed and runs a trivial query. Never throws.
  virtual bool ping() noexcept = 0;

  // Drops the connection (and everything cached about tables); the next call reconnects.
  virtual void disconnect() noexcept = 0;

  // The progress table (kProgressTable). Database failures are SinkErrors classified like every
  // other call: a Transient one drops the connection; permission denied, a missing table or no
  // schema/database to create it in is Schema. Misuse is std::invalid_argument (a std::logic_error,
  // like write()'s): an empty job or consumer, ensure/read inside a transaction, write outside one.
  //
  // Creates the progress table if it does not exist (connects if needed; outside a transaction).
  // An existing table is used as it is, so a user without CREATE permission works once an
  // administrator has created it (src/sink/README.md has the DDL of each dialect).
  virtual void ensure_progress_table() = 0;
  // The row of (job, consumer), or nullopt. Outside a transaction. A missing table is Schema.
  virtual std::optional<Progress> read_progress(const std::string& job, const std::string& consumer) = 0;
  // Every row of the job, whatever its consumer (ordered by consumer as the database sorts names);
  // empty when there is none. Outside a transaction; errors and misuse as read_progress. After a
  // crash the applier needs the rows of consumers that may no longer exist in the stream's group.
  virtual std::vector<Progress> read_job_progress(const std::string& job) = 0;
  // Upserts the row, inside the current transaction (between begin() and commit(); may be its only
  // statement); updated_at becomes the database's current UTC time. Like write(): an error may
  // surface only at commit(), a failure leaves the transaction to be rolled back, and calling it
  // after a failure is refused.
  virtual void write_progress(const Progress& p) = 0;

  // "postgresql", "mysql" (for mysql and mariadb) or "sqlite".
  virtual const char* dialect() const = 0;
};

// The sink for settings.type. Does not connect. Throws SinkError(Schema) for an unknown type.
std::unique_ptr<Sink> make_sink(const ConnectionSettings& settings);

}  // namespace wb::sink

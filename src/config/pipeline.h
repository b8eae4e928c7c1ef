// The pipeline model: what config.yaml and jobs/*.yaml say, validated and with defaults applied.
// Built by the loader (loader.h); read by the CLI, the applier and the transforms. Every scalar is
// kept exactly as written — secrets (${env:…}, ${file:…}) stay unresolved until a connection is
// opened (secrets.h) — and the parts a later stage may report errors about carry their SourcePos.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/source_pos.h"

namespace wb::config {

// ---------------------------------------------------------------------------------------------
// config.yaml: connections

enum class ConnectionType { kPostgresql, kMysql, kMariadb, kSqlite, kRedis, kSqlserver, kOracle, kCassandra };

std::string_view to_string(ConnectionType type);                      // "postgresql", ...
std::optional<ConnectionType> connection_type_from(std::string_view name);
bool is_relational(ConnectionType type);  // relational.write may use it (everything but redis, cassandra)
int default_port(ConnectionType type);    // 5432, 3306, 3306, 0 (sqlite), 6379, 1433, 1521, 9042

struct TlsSettings {  // redis connections
  std::string ca;
  std::string cert;
  std::string key;
  bool enabled() const { return !ca.empty() || !cert.empty() || !key.empty(); }
};

using KeyValueList = std::vector<std::pair<std::string, std::string>>;  // in file order

struct Connection {
  std::string name;
  ConnectionType type = ConnectionType::kPostgresql;
  SourcePos pos;  // of the connection's name in config.yaml

  std::string host;                // network targets (not cassandra, not sqlite)
  int port = 0;                    // default_port(type) when not given
  std::vector<std::string> hosts;  // cassandra
  std::string database;            // sqlite: the file path as written, relative to the pipeline directory
                                   // cassandra: the keyspace
  std::string user;                // sqlserver may use DOMAIN\user
  std::string password;            // unresolved; never print it (render.h masks it)
  KeyValueList query_args;         // postgresql: libpq parameters (sslmode, sslrootcert, ...)
  KeyValueList connect_args;       // mysql/mariadb: ssl_ca, ssl_cert, ssl_key, ...
  TlsSettings tls;                 // redis

  // sqlserver "DOMAIN\user": the domain ("" when none) and the bare user name.
  std::string user_domain() const;
  std::string user_name() const;
};

// ---------------------------------------------------------------------------------------------
// config.yaml: applier settings

enum class ErrorHandling { kDlq, kIgnore };
std::string_view to_string(ErrorHandling e);

struct ApplierSettings {
  static constexpr int kDefaultReadBatchSize = 2000;
  static constexpr int kDefaultWriteBatchSize = 200;
  static constexpr int kDefaultDurationMs = 100;
  static constexpr int kDefaultRetryIntervalS = 5;
  static constexpr int kDefaultDlqMaxMessages = 1000;

  int read_batch_size = kDefaultReadBatchSize;           // stream entries read at once
  int write_batch_size = kDefaultWriteBatchSize;         // records per target transaction (<= read_batch_size)
  int duration_ms = kDefaultDurationMs;                  // a partial batch is flushed after this long
  int on_failed_retry_interval_s = kDefaultRetryIntervalS;  // between retries after a transient failure
  ErrorHandling error_handling = ErrorHandling::kDlq;
  int dlq_max_messages = kDefaultDlqMaxMessages;         // cap of each job's dead-letter stream
};

// ---------------------------------------------------------------------------------------------
// Expressions (filter, add_field, map, redis.write key, foreach): kept as text, compiled later.

enum class Language { kJmespath, kSql };
std::string_view to_string(Language l);

enum class ExpressionRole {
  kFilter,    // filter: true keeps the record
  kAddField,  // add_field: the value of a new field
  kMap,       // map given as one JMESPath expression returning an object
  kMapField,  // map given as an object: the value of one field of the new record
  kRedisKey,  // redis.write key
  kForeach,   // relational.write foreach: the array to explode
};

struct Expression {
  std::string text;
  Language language = Language::kJmespath;
  ExpressionRole role = ExpressionRole::kFilter;
  std::string path;  // field path for messages, e.g. transform[0].with.expression
  SourcePos pos;     // where the first character of text is in the file
  bool multiline = false;  // written as a block scalar (| or >): text lines are file lines

  // file:line:col of the character at offset in text (exact for one-line and literal block
  // scalars; for folded scalars the line is approximate).
  SourcePos position_of(size_t offset) const;
};

// ---------------------------------------------------------------------------------------------
// Jobs: source

enum class SourceKind {
  kKeys,    // captured key changes: source.redis (or RDI's older source.keyspace)
  kStream,  // our extension: a stream the application writes itself
};
enum class RowFormat { kDataOnly, kFull };
std::string_view to_string(RowFormat f);

struct Source {
  SourceKind kind = SourceKind::kKeys;
  SourcePos pos;
  // kKeys
  std::string key_pattern;                    // a Redis glob, e.g. emp:*
  std::vector<std::string> exclude_commands;  // lower-cased, e.g. json.del
  bool legacy_keyspace_spelling = false;      // written as source.keyspace.{pattern, exclude-commands}
  // kStream
  std::string stream_name;
  std::string start_id = "0-0";  // where a new consumer group starts: an id, or $ for new entries only
  RowFormat row_format = RowFormat::kDataOnly;
};

// ---------------------------------------------------------------------------------------------
// Jobs: transform blocks

enum class TransformKind { kFilter, kAddField, kRemoveField, kRenameField, kMap };
std::string_view to_string(TransformKind k);  // "filter", "add_field", ...

struct FieldExpression {  // add_field item, or one field of map's object form
  std::string field;      // dotted names create nested objects
  Expression expression;
};

struct FieldRename {
  std::string from_field;
  std::string to_field;
  SourcePos pos;
};

struct TransformBlock {
  TransformKind kind = TransformKind::kFilter;
  SourcePos pos;  // of the block's `uses`
  std::optional<Expression> expression;  // filter; map as one expression
  std::vector<FieldExpression> fields;   // add_field (the single form is one element); map as an object
  std::vector<std::string> remove_fields;  // remove_field (single or list form)
  std::vector<FieldRename> renames;        // rename_field (single or list form)
};

// ---------------------------------------------------------------------------------------------
// Jobs: outputs (writers)

// One entry of keys/mapping. relational.write and cassandra.write: `column` (source = column) or
// `{column: source_path}`. redis.write mapping: `field` or `{field: target_name}` (RDI's order),
// stored here as column = target name, source = field.
struct ColumnMapping {
  std::string column;
  std::string source;
  SourcePos pos;
};

enum class LoadStrategy { kAppend, kReplace, kUpsert, kType2 };
std::string_view to_string(LoadStrategy s);

struct Foreach {  // "alias: <jmespath>"
  std::string alias;
  Expression expression;
};

struct InactiveRecordColumn {  // TYPE2: column set when the active row is closed
  std::string target;          // column
  std::string source;          // an SQL expression, e.g. CURRENT_DATE or 'N'
  SourcePos pos;
};

struct RelationalWrite {
  std::string connection;
  std::string schema;  // PostgreSQL schema, MySQL/MariaDB database; empty: the connection's default
  std::string table;
  std::vector<ColumnMapping> keys;
  std::vector<ColumnMapping> mapping;  // empty: every top-level field whose column exists
  std::optional<Foreach> foreach;
  std::string opcode_field;  // empty: the op comes from the change itself
  std::optional<LoadStrategy> load_strategy;  // as written
  std::string active_record_indicator;        // TYPE2
  std::vector<InactiveRecordColumn> inactive_record_mapping;  // TYPE2

  // As written, else UPSERT with keys and APPEND without.
  LoadStrategy effective_load_strategy() const;
};

enum class RedisDataType { kHash, kJson, kSet, kSortedSet, kStream, kString };
std::string_view to_string(RedisDataType t);
enum class OnUpdate { kReplace, kMerge };
std::string_view to_string(OnUpdate u);

struct RedisWrite {
  static constexpr std::string_view kDefaultConnection = "target";
  std::string connection{kDefaultConnection};
  RedisDataType data_type = RedisDataType::kHash;
  std::optional<Expression> key;  // absent only with nest
  std::string member;             // args.member: set, sorted_set
  std::string score;              // args.score: sorted_set
  std::string value;              // args.value: string
  std::vector<ColumnMapping> mapping;  // hash, json, stream
  OnUpdate on_update = OnUpdate::kReplace;
  int expire_s = 0;  // 0: never
  bool nest = false;  // RDI's nest block: accepted, not supported yet
};

struct CassandraWrite {
  std::string connection;
  std::string keyspace;
  std::string table;
  std::vector<ColumnMapping> keys;
  std::vector<ColumnMapping> mapping;
  std::string opcode_field;
};

enum class WriterKind { kRelational, kRedis, kCassandra };
std::string_view to_string(WriterKind k);  // "relational.write", ...

struct Output {
  SourcePos pos;  // of the block's `uses`
  std::variant<RelationalWrite, RedisWrite, CassandraWrite> writer;
  SourcePos connection_pos;  // of with.connection (the block when defaulted)

  WriterKind kind() const { return static_cast<WriterKind>(writer.index()); }
  const std::string& connection() const;
  const RelationalWrite* relational() const { return std::get_if<RelationalWrite>(&writer); }
  const RedisWrite* redis() const { return std::get_if<RedisWrite>(&writer); }
  const CassandraWrite* cassandra() const { return std::get_if<CassandraWrite>(&writer); }
};

// ---------------------------------------------------------------------------------------------

struct Job {
  std::string name;  // the file name without extension
  std::string file;  // relative path, e.g. jobs/emp.yaml
  Source source;
  std::vector<TransformBlock> transforms;
  std::vector<Output> outputs;
};

struct Pipeline {
  // The directory it was loaded from (absolute), against which a relative sqlite database path
  // is resolved; empty when loaded from the copy deployed in Redis.
  std::string directory;
  std::map<std::string, Connection> connections;  // by name
  ApplierSettings applier;
  std::vector<Job> jobs;  // sorted by name

  const Job* find_job(std::string_view name) const;
  const Connection* find_connection(std::string_view name) const;
};

}  // namespace wb::config

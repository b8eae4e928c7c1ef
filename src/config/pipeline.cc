// Names of the model's enumerations and small helpers (see pipeline.h).
#include "config/pipeline.h"

#include <algorithm>
#include <array>

namespace wb::config {
namespace {

struct ConnectionTypeInfo {
  ConnectionType type;
  std::string_view name;
  int default_port;
  bool relational;
};

constexpr std::array<ConnectionTypeInfo, 8> kConnectionTypes = {{
    {ConnectionType::kPostgresql, "postgresql", 5432, true},
    {ConnectionType::kMysql, "mysql", 3306, true},
    {ConnectionType::kMariadb, "mariadb", 3306, true},
    {ConnectionType::kSqlite, "sqlite", 0, true},
    {ConnectionType::kRedis, "redis", 6379, false},
    {ConnectionType::kSqlserver, "sqlserver", 1433, true},
    {ConnectionType::kOracle, "oracle", 1521, true},
    {ConnectionType::kCassandra, "cassandra", 9042, false},
}};

const ConnectionTypeInfo& info(ConnectionType type) {
  return kConnectionTypes[static_cast<size_t>(type)];
}

constexpr char kDomainSeparator = '\\';

}  // namespace

std::string_view to_string(ConnectionType type) { return info(type).name; }

std::optional<ConnectionType> connection_type_from(std::string_view name) {
  for (const auto& t : kConnectionTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

bool is_relational(ConnectionType type) { return info(type).relational; }
int default_port(ConnectionType type) { return info(type).default_port; }

std::string Connection::user_domain() const {
  size_t sep = user.find(kDomainSeparator);
  return sep == std::string::npos ? std::string() : user.substr(0, sep);
}

std::string Connection::user_name() const {
  size_t sep = user.find(kDomainSeparator);
  return sep == std::string::npos ? user : user.substr(sep + 1);
}

std::string_view to_string(ErrorHandling e) { return e == ErrorHandling::kDlq ? "dlq" : "ignore"; }
std::string_view to_string(Language l) { return l == Language::kJmespath ? "jmespath" : "sql"; }
std::string_view to_string(RowFormat f) { return f == RowFormat::kDataOnly ? "data_only" : "full"; }

std::string_view to_string(TransformKind k) {
  switch (k) {
    case TransformKind::kFilter: return "filter";
    case TransformKind::kAddField: return "add_field";
    case TransformKind::kRemoveField: return "remove_field";
    case TransformKind::kRenameField: return "rename_field";
    case TransformKind::kMap: return "map";
  }
  return "?";
}

std::string_view to_string(LoadStrategy s) {
  switch (s) {
    case LoadStrategy::kAppend: return "APPEND";
    case LoadStrategy::kReplace: return "REPLACE";
    case LoadStrategy::kUpsert: return "UPSERT";
    case LoadStrategy::kType2: return "TYPE2";
  }
  return "?";
}

std::string_view to_string(RedisDataType t) {
  switch (t) {
    case RedisDataType::kHash: return "hash";
    case RedisDataType::kJson: return "json";
    case RedisDataType::kSet: return "set";
    case RedisDataType::kSortedSet: return "sorted_set";
    case RedisDataType::kStream: return "stream";
    case RedisDataType::kString: return "string";
  }
  return "?";
}

std::string_view to_string(OnUpdate u) { return u == OnUpdate::kReplace ? "replace" : "merge"; }

std::string_view to_string(WriterKind k) {
  switch (k) {
    case WriterKind::kRelational: return "relational.write";
    case WriterKind::kRedis: return "redis.write";
    case WriterKind::kCassandra: return "cassandra.write";
  }
  return "?";
}

SourcePos Expression::position_of(size_t offset) const {
  offset = std::min(offset, text.size());
  SourcePos p = pos;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  if (line_start == 0) {
    p.column = pos.column + static_cast<int>(offset);
  } else {
    // Later lines of a block scalar start at the block's indentation, which is where its first
    // line starts too.
    p.column = pos.column + static_cast<int>(offset - line_start);
  }
  return p;
}

LoadStrategy RelationalWrite::effective_load_strategy() const {
  if (load_strategy) return *load_strategy;
  return keys.empty() ? LoadStrategy::kAppend : LoadStrategy::kUpsert;
}

const std::string& Output::connection() const {
  return std::visit([](const auto& w) -> const std::string& { return w.connection; }, writer);
}

const Job* Pipeline::find_job(std::string_view name) const {
  for (const auto& job : jobs) {
    if (job.name == name) return &job;
  }
  return nullptr;
}

const Connection* Pipeline::find_connection(std::string_view name) const {
  auto it = connections.find(std::string(name));
  return it == connections.end() ? nullptr : &it->second;
}

}  // namespace wb::config

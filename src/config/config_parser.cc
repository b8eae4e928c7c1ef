// Parser of config.yaml: connections and applier settings (see parsers.h).
#include <algorithm>

#include "config/parsers.h"
#include "config/secrets.h"
#include "config/yaml_fields.h"

namespace wb::config::detail {
namespace {

constexpr int kMinPort = 1;
constexpr int kMaxPort = 65535;
constexpr long long kMaxBatchSize = 1'000'000;
constexpr long long kMaxDurationMs = 3'600'000;
constexpr long long kMaxRetryIntervalS = 86'400;
constexpr long long kMaxDlqMessages = 1'000'000'000;

const std::vector<std::string> kConfigFields = {"connections", "applier"};

const std::vector<std::string> kConnectionTypes = {"postgresql", "mysql",     "mariadb", "sqlite",
                                                   "redis",      "sqlserver", "oracle",  "cassandra"};

const std::vector<std::string> kNetworkRelationalFields = {"type", "host",     "port",         "database",
                                                           "user", "password", "connect_args", "query_args"};
const std::vector<std::string> kSqliteFields = {"type", "database"};
const std::vector<std::string> kRedisFields = {"type", "host", "port", "user", "password", "tls"};
const std::vector<std::string> kCassandraFields = {"type", "hosts", "port", "database", "user", "password"};
const std::vector<std::string> kTlsFields = {"ca", "cert", "key"};

const std::vector<std::string> kApplierFields = {
    "read_batch_size", "batch", "write_batch_size", "duration", "on_failed_retry_interval", "error_handling",
    "dlq_max_messages",
    // RDI documents these for ingest pipelines; accepted, with a warning.
    "target_data_type", "wait_enabled", "wait_timeout", "retry_on_replica_failure", "json_update_strategy",
    "initial_sync_processes", "dedup", "dedup_max_size", "debezium_lob_encoded_placeholder"};
constexpr size_t kFirstIngestOnlyField = 7;  // index in kApplierFields

const std::vector<std::string>& fields_of(ConnectionType type) {
  switch (type) {
    case ConnectionType::kSqlite: return kSqliteFields;
    case ConnectionType::kRedis: return kRedisFields;
    case ConnectionType::kCassandra: return kCassandraFields;
    default: return kNetworkRelationalFields;
  }
}

bool needs_database(ConnectionType type) {
  return type == ConnectionType::kPostgresql || type == ConnectionType::kSqlserver ||
         type == ConnectionType::kOracle || type == ConnectionType::kSqlite;
}

// Secret references may appear in any scalar of config.yaml; ill-formed ones are errors now
// rather than when the applier opens the connection.
void check_secret_syntax(YamlFile& file, const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    for (const auto& problem : scan_secrets(node.Scalar()).problems) file.error(file.pos(node), path, problem);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      check_secret_syntax(file, it->second, child_path(path, key));
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) check_secret_syntax(file, node[i], index_path(path, i));
  }
}

KeyValueList read_key_values(MapView& m, std::string_view key) {
  KeyValueList out;
  const Entry* e = m.get(key, Need::kOptional);
  if (e == nullptr) return out;
  std::string path = m.path_of(key);
  if (!expect_map(m.file(), e->value, m.key_pos(*e), path, "a mapping of parameter names to values")) return out;
  MapView args(m.file(), e->value, path);
  for (const auto& arg : args.entries()) {
    if (!arg.key_node.IsScalar() || arg.key.empty()) {
      m.file().error(args.key_pos(arg), path, "expected a parameter name, found " + describe(arg.key_node));
      continue;
    }
    if (arg.value.IsNull()) {
      out.emplace_back(arg.key, "");
      continue;
    }
    auto value = scalar_text(m.file(), arg.value, args.key_pos(arg), args.path_of(arg.key), "a string");
    if (value) out.emplace_back(arg.key, *value);
  }
  return out;
}

void read_sqlserver_user(MapView& m, Connection& c) {
  size_t sep = c.user.find('\\');
  if (sep == std::string::npos) return;
  if (sep == 0 || sep + 1 == c.user.size() || c.user.find('\\', sep + 1) != std::string::npos) {
    const Entry* e = m.find("user");
    m.error_at(*e, "expected a user name or DOMAIN\\user, found \"" + c.user + "\"");
  }
}

void parse_connection(YamlFile& file, const Entry& entry, const std::string& path, Pipeline& pipeline) {
  if (!expect_map(file, entry.value, file.pos(entry.key_node), path,
                  "a connection (a mapping with type, host, port, ...)")) {
    return;
  }
  MapView m(file, entry.value, path);
  if (m.find("type") == nullptr) {
    // Without a type the allowed fields are unknown; still catch misspellings (of `type` too).
    std::vector<std::string> any = kNetworkRelationalFields;
    for (const auto* list : {&kRedisFields, &kCassandraFields}) {
      for (const auto& f : *list) {
        if (std::find(any.begin(), any.end(), f) == any.end()) any.push_back(f);
      }
    }
    m.check_known(any);
  }
  auto type_name = read_enum(m, "type", kConnectionTypes, Need::kRequired);
  if (!type_name) return;
  Connection c;
  c.name = entry.key;
  c.type = *connection_type_from(*type_name);
  c.pos = file.pos(entry.key_node);
  c.port = default_port(c.type);
  m.check_known(fields_of(c.type));

  const bool network = c.type != ConnectionType::kSqlite && c.type != ConnectionType::kCassandra;
  if (network) c.host = read_name(m, "host", Need::kRequired).value_or("");
  if (c.type == ConnectionType::kCassandra) {
    auto hosts = read_string_list(m, "hosts", Need::kRequired);
    if (hosts && hosts->empty()) {
      m.error_at(*m.find("hosts"), "expected a list of at least one host, found an empty list");
    }
    if (hosts) c.hosts = *hosts;
  }
  if (c.type != ConnectionType::kSqlite) {
    if (auto port = read_int(m, "port", kMinPort, kMaxPort, Need::kOptional)) c.port = static_cast<int>(*port);
    c.user = read_string(m, "user", Need::kOptional).value_or("");
    c.password = read_string(m, "password", Need::kOptional).value_or("");
  }
  if (c.type != ConnectionType::kRedis) {
    c.database = read_name(m, "database", needs_database(c.type) ? Need::kRequired : Need::kOptional).value_or("");
  }
  if (c.type == ConnectionType::kSqlserver) read_sqlserver_user(m, c);
  if (network && c.type != ConnectionType::kRedis) {
    c.query_args = read_key_values(m, "query_args");
    c.connect_args = read_key_values(m, "connect_args");
  }
  if (c.type == ConnectionType::kRedis) {
    if (const Entry* tls = m.get("tls", Need::kOptional)) {
      std::string tls_path = m.path_of("tls");
      if (expect_map(file, tls->value, m.key_pos(*tls), tls_path, "a mapping with ca, cert and key")) {
        MapView t(file, tls->value, tls_path);
        t.check_known(kTlsFields);
        c.tls.ca = read_name(t, "ca", Need::kOptional).value_or("");
        c.tls.cert = read_name(t, "cert", Need::kOptional).value_or("");
        c.tls.key = read_name(t, "key", Need::kOptional).value_or("");
      }
    }
  }
  pipeline.connections[c.name] = std::move(c);
}

void parse_connections(YamlFile& file, MapView& top, Pipeline& pipeline, ConfigFileFacts& facts) {
  const Entry* e = top.get("connections", Need::kRequired);
  if (e == nullptr) return;
  if (!expect_map(file, e->value, top.key_pos(*e), "connections", "a mapping of connection names to connections")) {
    return;
  }
  facts.connections_readable = true;
  MapView connections(file, e->value, "connections");
  for (const auto& entry : connections.entries()) {
    if (!entry.key_node.IsScalar() || entry.key.empty()) {
      file.error(connections.key_pos(entry), "connections", "expected a connection name, found " + describe(entry.key_node));
      continue;
    }
    facts.declared_connections.insert(entry.key);
    parse_connection(file, entry, connections.path_of(entry.key), pipeline);
  }
}

void parse_applier(YamlFile& file, MapView& top, ApplierSettings& a) {
  const Entry* e = top.get("applier", Need::kOptional);
  if (e == nullptr) return;  // RDI allows `applier:` with nothing: every default
  if (!expect_map(file, e->value, top.key_pos(*e), "applier", "a mapping of applier settings")) return;
  MapView m(file, e->value, "applier");
  m.check_known(kApplierFields);
  for (size_t i = kFirstIngestOnlyField; i < kApplierFields.size(); ++i) {
    if (const Entry* f = m.find(kApplierFields[i])) {
      file.warning(m.key_pos(*f), m.path_of(f->key), "has no effect in write-behind (accepted for RDI compatibility)");
    }
  }
  const Entry* batch = m.find("batch");
  if (batch != nullptr && m.find("read_batch_size") != nullptr) {
    file.error(m.key_pos(*batch), m.path_of("batch"), "give read_batch_size or its older name batch, not both");
  } else if (auto v = read_int(m, "batch", 1, kMaxBatchSize, Need::kOptional)) {
    a.read_batch_size = static_cast<int>(*v);
  }
  if (auto v = read_int(m, "read_batch_size", 1, kMaxBatchSize, Need::kOptional)) a.read_batch_size = static_cast<int>(*v);
  if (auto v = read_int(m, "write_batch_size", 1, kMaxBatchSize, Need::kOptional)) {
    a.write_batch_size = static_cast<int>(*v);
    if (a.write_batch_size > a.read_batch_size) {
      m.error_at(*m.find("write_batch_size"), "expected at most read_batch_size (" + std::to_string(a.read_batch_size) +
                                                  "), found " + std::to_string(a.write_batch_size));
    }
  } else if (m.find("write_batch_size") == nullptr) {
    a.write_batch_size = std::min(a.write_batch_size, a.read_batch_size);  // the default never exceeds the read batch
  }
  if (auto v = read_int(m, "duration", 1, kMaxDurationMs, Need::kOptional)) a.duration_ms = static_cast<int>(*v);
  if (auto v = read_int(m, "on_failed_retry_interval", 1, kMaxRetryIntervalS, Need::kOptional)) {
    a.on_failed_retry_interval_s = static_cast<int>(*v);
  }
  if (auto v = read_enum(m, "error_handling", {"dlq", "ignore"}, Need::kOptional)) {
    a.error_handling = *v == "dlq" ? ErrorHandling::kDlq : ErrorHandling::kIgnore;
  }
  if (auto v = read_int(m, "dlq_max_messages", 1, kMaxDlqMessages, Need::kOptional)) {
    a.dlq_max_messages = static_cast<int>(*v);
  }
}

}  // namespace

void parse_config_file(YamlFile& file, Pipeline& pipeline, ConfigFileFacts& facts) {
  const YAML::Node& root = file.root();
  if (!expect_map(file, root, file.file_start(), "", "a mapping with connections and applier")) return;
  check_secret_syntax(file, root, "");
  MapView top(file, root, "");
  top.check_known(kConfigFields);
  parse_connections(file, top, pipeline, facts);
  parse_applier(file, top, pipeline.applier);
}

}  // namespace wb::config::detail

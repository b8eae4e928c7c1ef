// Scaffold templates (see scaffold_templates.h). Defaults come from the model's constants so the
// comments never disagree with the loader.
#include "cli/scaffold_templates.h"

namespace wb::cli {
namespace {

using config::ApplierSettings;
using config::ConnectionType;

constexpr const char* kConnectionName = "target";  // also redis.write's default connection
constexpr const char* kJobName = "users";

std::string connection_block(ConnectionType type) {
  std::string port = std::to_string(config::default_port(type));
  std::string secret = "    password: ${env:WB_TARGET_PASSWORD}   # or ${file:/path}, ${file:/path:property}\n";
  switch (type) {
    case ConnectionType::kPostgresql:
      return "    type: postgresql\n"
             "    host: 127.0.0.1\n"
             "    port: " + port + "\n"
             "    database: postgres\n"
             "    user: postgres\n" + secret +
             "    # query_args:                 # libpq connection parameters, e.g. for TLS:\n"
             "    #   sslmode: verify-full\n"
             "    #   sslrootcert: /etc/ssl/ca.crt\n"
             "    #   sslcert: /etc/ssl/client.crt\n"
             "    #   sslkey: /etc/ssl/client.key\n";
    case ConnectionType::kMysql:
    case ConnectionType::kMariadb:
      return std::string("    type: ") + (type == ConnectionType::kMysql ? "mysql" : "mariadb") + "\n"
             "    host: 127.0.0.1\n"
             "    port: " + port + "\n"
             "    database: app                 # the default database (relational.write schema overrides it)\n"
             "    user: app\n" + secret +
             "    # connect_args:               # client options, e.g. for TLS:\n"
             "    #   ssl_ca: /etc/ssl/ca.crt\n"
             "    #   ssl_cert: /etc/ssl/client.crt\n"
             "    #   ssl_key: /etc/ssl/client.key\n";
    case ConnectionType::kSqlite:
      return "    type: sqlite\n"
             "    database: ./target.db         # a file path, relative to the pipeline directory\n";
    case ConnectionType::kRedis:
      return "    type: redis\n"
             "    host: 127.0.0.1\n"
             "    port: " + port + "\n"
             "    # user: default\n"
             "    # password: ${env:WB_TARGET_PASSWORD}\n"
             "    # tls:\n"
             "    #   ca: /etc/ssl/ca.crt\n"
             "    #   cert: /etc/ssl/client.crt\n"
             "    #   key: /etc/ssl/client.key\n";
    case ConnectionType::kSqlserver:
      return "    type: sqlserver\n"
             "    host: 127.0.0.1\n"
             "    port: " + port + "\n"
             "    database: app\n"
             "    user: app                     # or DOMAIN\\user for Windows authentication\n" + secret;
    case ConnectionType::kOracle:
      return "    type: oracle\n"
             "    host: 127.0.0.1\n"
             "    port: " + port + "\n"
             "    database: ORCLPDB1            # the service name\n"
             "    user: app\n" + secret;
    case ConnectionType::kCassandra:
      return "    type: cassandra\n"
             "    hosts: [127.0.0.1]\n"
             "    port: " + port + "\n"
             "    database: app                 # the keyspace\n"
             "    user: cassandra\n" + secret;
  }
  return "";
}

std::string applier_block() {
  using A = ApplierSettings;
  return "applier:\n"
         "  # Stream entries read from a job's stream at once (>= 1). RDI's older name: batch.\n"
         "  read_batch_size: " + std::to_string(A::kDefaultReadBatchSize) + "\n"
         "  # Records written to the target per transaction (>= 1, <= read_batch_size).\n"
         "  write_batch_size: " + std::to_string(A::kDefaultWriteBatchSize) + "\n"
         "  # Milliseconds after which a partial batch is written anyway (>= 1).\n"
         "  duration: " + std::to_string(A::kDefaultDurationMs) + "\n"
         "  # Seconds between retries after a transient target failure (>= 1).\n"
         "  on_failed_retry_interval: " + std::to_string(A::kDefaultRetryIntervalS) + "\n"
         "  # What happens to a record the target rejects: dlq (keep it in the job's dead-letter stream)\n"
         "  # or ignore (count it and drop it).\n"
         "  error_handling: dlq\n"
         "  # Cap of each job's dead-letter stream; the oldest entries are dropped (>= 1).\n"
         "  dlq_max_messages: " + std::to_string(A::kDefaultDlqMaxMessages) + "\n";
}

std::string config_file(ConnectionType type) {
  return "# writebehind pipeline configuration (RDI write-behind format).\n"
         "# Check it with: writebehind validate --dir <this directory>\n"
         "# Secrets: ${env:NAME}, ${file:/path} or ${file:/path:property} anywhere in a value; they are\n"
         "# resolved only when the applier opens the connection.\n"
         "connections:\n"
         "  " + std::string(kConnectionName) + ":\n" + connection_block(type) + applier_block();
}

const char* kSourceBlock =
    "# Job \"users\" (named after this file): every change to a key user:* (a hash with the fields\n"
    "# user_id, name, email) is written to the target.\n"
    "source:\n"
    "  redis:\n"
    "    key_pattern: user:*\n"
    "    trigger: write-behind\n"
    "    # exclude_commands: [\"hdel\"]     # changes made by these commands are not captured\n"
    "  # row_format: data_only           # or full: {key, before, after, opcode}\n"
    "# transform:                        # optional: filter, add_field, remove_field, rename_field, map\n"
    "#   - uses: add_field\n"
    "#     with:\n"
    "#       field: name_upper\n"
    "#       language: sql\n"
    "#       expression: UPPER(name)\n";

std::string relational_output(ConnectionType type) {
  std::string schema;
  if (type == ConnectionType::kPostgresql) schema = "      schema: public\n";
  if (type == ConnectionType::kSqlserver) schema = "      schema: dbo\n";
  return "output:\n"
         "  - uses: relational.write\n"
         "    with:\n"
         "      connection: " + std::string(kConnectionName) + "\n" + schema +
         "      table: users\n"
         "      keys:                        # a column, or {column: source_field}\n"
         "        - user_id\n"
         "      mapping:\n"
         "        - user_id\n"
         "        - name\n"
         "        - email_address: email\n"
         "      # load_strategy: UPSERT       # APPEND | REPLACE | UPSERT (the default with keys) | TYPE2\n";
}

std::string job_file(ConnectionType type) {
  std::string out = kSourceBlock;
  if (type == ConnectionType::kRedis) {
    return out +
           "output:\n"
           "  - uses: redis.write\n"
           "    with:\n"
           "      connection: " + std::string(kConnectionName) + "\n"
           "      data_type: hash               # hash | json | set | sorted_set | stream | string\n"
           "      key:\n"
           "        expression: concat(['user:copy:', user_id])\n"
           "        language: jmespath\n"
           "      mapping:                      # a field, or {field: target_name}\n"
           "        - name\n"
           "        - email\n"
           "      # on_update: replace          # or merge\n"
           "      # expire: 0                   # seconds; 0: never\n";
  }
  if (type == ConnectionType::kCassandra) {
    return out +
           "output:\n"
           "  - uses: cassandra.write\n"
           "    with:\n"
           "      connection: " + std::string(kConnectionName) + "\n"
           "      keyspace: app\n"
           "      table: users\n"
           "      keys:\n"
           "        - user_id\n"
           "      mapping:\n"
           "        - user_id\n"
           "        - name\n"
           "        - email\n";
  }
  return out + relational_output(type);
}

}  // namespace

std::vector<ScaffoldFile> scaffold_files(ConnectionType type) {
  return {{"config.yaml", config_file(type)}, {"jobs/" + std::string(kJobName) + ".yaml", job_file(type)}};
}

}  // namespace wb::cli

// Checks across files: each output's connection exists in config.yaml and fits its writer
// (see parsers.h).
#include <vector>

#include "config/parsers.h"
#include "config/suggest.h"
#include "config/supported_targets.h"

namespace wb::config::detail {
namespace {

bool fits(WriterKind writer, ConnectionType type) {
  switch (writer) {
    case WriterKind::kRelational: return is_relational(type);
    case WriterKind::kRedis: return type == ConnectionType::kRedis;
    case WriterKind::kCassandra: return type == ConnectionType::kCassandra;
  }
  return false;
}

std::string expected_types(WriterKind writer) {
  switch (writer) {
    case WriterKind::kRelational: return "a relational one (postgresql, mysql, mariadb, sqlite, sqlserver or oracle)";
    case WriterKind::kRedis: return "a redis one";
    case WriterKind::kCassandra: return "a cassandra one";
  }
  return "";
}

}  // namespace

void cross_check(const Pipeline& pipeline, const ConfigFileFacts& facts, Diagnostics& diags) {
  std::vector<std::string> declared(facts.declared_connections.begin(), facts.declared_connections.end());
  for (const auto& job : pipeline.jobs) {
    for (size_t i = 0; i < job.outputs.size(); ++i) {
      const Output& out = job.outputs[i];
      const std::string& name = out.connection();
      const std::string path = "output[" + std::to_string(i) + "].with.connection";
      if (name.empty()) continue;  // missing, reported by the job's parser
      if (facts.declared_connections.count(name) == 0) {
        if (!facts.connections_readable) continue;
        const bool defaulted = out.kind() == WriterKind::kRedis && out.connection_pos.line == out.pos.line &&
                               out.connection_pos.column == out.pos.column;
        std::string message = defaulted ? "no connection given and config.yaml has no connection named \"" + name + "\""
                                        : "connection \"" + name + "\" is not defined in config.yaml";
        diags.error(out.connection_pos, path, message + did_you_mean(name, declared));
        continue;
      }
      const Connection* c = pipeline.find_connection(name);
      if (c == nullptr) continue;  // declared with errors, reported in config.yaml
      std::string type(to_string(c->type));
      if (!fits(out.kind(), c->type)) {
        diags.error(out.connection_pos, path,
                    "connection \"" + name + "\" is a " + type + " connection, expected " + expected_types(out.kind()) +
                        " for " + std::string(to_string(out.kind())));
        continue;
      }
      if (!can_write_to(c->type)) {
        diags.warning(out.connection_pos, path,
                      "this build cannot write to " + type + " yet (connection \"" + name +
                          "\"): deploy will refuse job \"" + job.name + "\"");
      }
    }
  }
}

}  // namespace wb::config::detail

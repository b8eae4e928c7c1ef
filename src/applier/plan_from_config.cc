// Pipeline model -> ApplierPlan (see plan_from_config.h).
#include "applier/plan_from_config.h"

#include <cctype>
#include <set>

#include "config/secrets.h"

namespace wb::applier {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// 'text' (with '' for a quote) -> text; a number -> itself; anything else -> nullopt (an SQL expression).
std::optional<std::string> sql_literal(std::string_view raw) {
  std::string s = trim(raw);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') {
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      if (s[i] == '\'' && i + 2 < s.size() && s[i + 1] == '\'') ++i;
      out += s[i];
    }
    return out;
  }
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'; })) {
    return s;
  }
  return std::nullopt;
}

std::string unquote_identifier(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '`' && s.back() == '`'))) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

std::string default_inactive(const std::string& active) {
  if (active == "1") return "0";
  if (active == "true") return "false";
  if (active == "TRUE") return "FALSE";
  if (active == "y") return "n";
  return "N";
}

sink::ConnectionSettings sink_settings(const config::Connection& raw, const PlanOptions& options) {
  config::Connection c;
  try {
    c = config::resolve_connection_secrets(raw);
  } catch (const config::SecretError& e) {
    throw PlanError(e.what());
  }
  sink::ConnectionSettings s;
  switch (c.type) {
    case config::ConnectionType::kPostgresql: s.type = "postgresql"; break;
    case config::ConnectionType::kMysql: s.type = "mysql"; break;
    case config::ConnectionType::kMariadb: s.type = "mariadb"; break;
    case config::ConnectionType::kSqlite: s.type = "sqlite"; break;
    default:
      throw PlanError("connection '" + c.name + "': type " + std::string(config::to_string(c.type)) +
                      " is not a target this applier writes (postgresql, mysql, mariadb, sqlite)");
  }
  s.host = c.host;
  s.port = c.port;
  s.database = c.database;
  if (c.type == config::ConnectionType::kSqlite && !s.database.empty() && s.database != ":memory:") {
    std::filesystem::path p(s.database);
    if (p.is_relative() && !options.pipeline_dir.empty()) s.database = (options.pipeline_dir / p).lexically_normal().string();
  }
  s.user = c.user;
  s.password = c.password;
  for (const auto& [k, v] : c.query_args) s.query_args[k] = v;
  for (const auto& [k, v] : c.connect_args) s.connect_args[k] = v;
  return s;
}

LoadStrategy strategy_of(config::LoadStrategy s) {
  switch (s) {
    case config::LoadStrategy::kAppend: return LoadStrategy::Append;
    case config::LoadStrategy::kReplace: return LoadStrategy::Replace;
    case config::LoadStrategy::kUpsert: return LoadStrategy::Upsert;
    case config::LoadStrategy::kType2: return LoadStrategy::Type2;
  }
  return LoadStrategy::Upsert;
}

std::vector<ColumnSource> columns_of(const std::vector<config::ColumnMapping>& list) {
  std::vector<ColumnSource> out;
  for (const auto& m : list) out.push_back({m.column, m.source.empty() ? m.column : m.source});
  return out;
}

}  // namespace

sink::Type2Spec type2_spec_from(const config::RelationalWrite& w) {
  sink::Type2Spec spec;
  std::string cond = trim(w.active_record_indicator);
  if (cond.empty()) throw PlanError("table " + w.table + ": TYPE2 needs active_record_indicator");
  std::string column;
  std::optional<std::string> active;
  if (auto eq = cond.find('='); eq != std::string::npos) {
    column = unquote_identifier(cond.substr(0, eq));
    active = sql_literal(std::string_view(cond).substr(eq + 1));
    if (!active) {
      throw PlanError("table " + w.table + ": active_record_indicator '" + cond +
                      "' must compare a column with a literal, e.g. is_active = 'Y'");
    }
  } else {
    column = unquote_identifier(cond);
  }
  if (column.empty() || column.find_first_of(" ()<>!") != std::string::npos) {
    throw PlanError("table " + w.table + ": active_record_indicator '" + cond + "' must name a column");
  }
  spec.indicator_column = column;
  spec.active_value = active.value_or("Y");
  spec.inactive_value = default_inactive(spec.active_value);
  for (const auto& m : w.inactive_record_mapping) {
    auto literal = sql_literal(m.source);
    if (m.target == column) {
      if (!literal) {
        throw PlanError("table " + w.table + ": inactive_record_mapping for the indicator column '" + column +
                        "' must be a literal, e.g. 'N'");
      }
      spec.inactive_value = *literal;
      continue;
    }
    sink::Type2Spec::CloseColumn cc;
    cc.column = m.target;
    if (literal) {
      cc.value = *literal;
    } else {
      cc.value = m.source;  // SQL from the pipeline author (CURRENT_TIMESTAMP ...), never record data
      cc.is_sql_expression = true;
    }
    spec.close_columns.push_back(std::move(cc));
  }
  return spec;
}

ApplierPlan plan_from_config(const config::Pipeline& pipeline, const PlanOptions& options) {
  ApplierPlan plan;
  ApplierSettings& s = plan.settings;
  s.redis = options.redis;
  s.prefix = options.prefix;
  s.instance_id = options.instance_id.empty() ? default_instance_id() : options.instance_id;
  const config::ApplierSettings& a = pipeline.applier;
  s.read_batch_size = static_cast<size_t>(std::max(1, a.read_batch_size));
  s.write_batch_size = static_cast<size_t>(std::max(1, a.write_batch_size));
  s.duration = std::chrono::milliseconds(std::max(1, a.duration_ms));
  s.retry_interval = std::chrono::seconds(std::max(1, a.on_failed_retry_interval_s));
  s.error_handling = a.error_handling == config::ErrorHandling::kIgnore ? ErrorHandling::Ignore : ErrorHandling::DeadLetter;
  s.dlq_max_messages = static_cast<size_t>(std::max(0, a.dlq_max_messages));

  std::set<std::string> used_connections;
  for (const config::Job& job : pipeline.jobs) {
    JobPlan jp;
    jp.name = job.name;
    jp.row_format = job.source.row_format == config::RowFormat::kFull ? RowFormat::Full : RowFormat::DataOnly;
    if (job.source.kind == config::SourceKind::kStream) {
      jp.source_kind = SourceKind::Stream;
      jp.stream = job.source.stream_name;
      jp.start_id = job.source.start_id.empty() ? "0-0" : job.source.start_id;
    } else {
      jp.source_kind = SourceKind::Captured;
    }
    if (!job.transforms.empty()) {
      if (!options.transforms) {
        throw PlanError("job " + job.name + ": has transform blocks, but this build has no transform engine");
      }
      jp.transforms = options.transforms(job);
    }
    std::set<std::string> names;
    for (size_t i = 0; i < job.outputs.size(); ++i) {
      const config::Output& out = job.outputs[i];
      const config::RelationalWrite* w = out.relational();
      if (w == nullptr) {
        throw PlanError("job " + job.name + ": output " + std::to_string(i + 1) + " (" +
                        std::string(config::to_string(out.kind())) + ") is not supported by the applier");
      }
      OutputPlan op;
      op.connection = w->connection;
      op.table = {w->schema, w->table};
      op.keys = columns_of(w->keys);
      op.mapping = columns_of(w->mapping);
      op.strategy = strategy_of(w->effective_load_strategy());
      op.opcode_field = w->opcode_field;
      if (op.strategy == LoadStrategy::Type2) op.type2 = type2_spec_from(*w);
      if (w->foreach) {
        std::string where = "job " + job.name + ": output " + std::to_string(i + 1) + ": foreach";
        if (!options.foreach) throw PlanError(where + " needs the transform engine, which this build lacks");
        if (op.strategy == LoadStrategy::Type2) throw PlanError(where + " with load_strategy TYPE2 is not supported");
        op.foreach = options.foreach(*w);
      }
      std::string base = w->connection + "." + (w->schema.empty() ? "" : w->schema + ".") + w->table;
      op.name = base;
      for (int n = 2; names.contains(op.name); ++n) op.name = base + "#" + std::to_string(n);
      names.insert(op.name);
      used_connections.insert(w->connection);
      jp.outputs.push_back(std::move(op));
    }
    plan.jobs.push_back(std::move(jp));
  }
  for (const std::string& name : used_connections) {
    const config::Connection* c = pipeline.find_connection(name);
    if (c == nullptr) throw PlanError("unknown connection '" + name + "'");
    plan.connections[name] = sink_settings(*c, options);
  }
  return plan;
}

}  // namespace wb::applier

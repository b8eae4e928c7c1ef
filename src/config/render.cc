// JSON rendering of the pipeline model (see render.h).
#include "config/render.h"

namespace wb::config {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kIndent = 2;

Json expression_json(const Expression& x) {
  return Json{{"language", to_string(x.language)}, {"expression", x.text}};
}

Json columns_json(const std::vector<ColumnMapping>& columns) {
  Json out = Json::array();
  for (const auto& c : columns) out.push_back(Json{{"column", c.column}, {"source", c.source}});
  return out;
}

Json redis_fields_json(const std::vector<ColumnMapping>& columns) {
  Json out = Json::array();
  for (const auto& c : columns) out.push_back(Json{{"field", c.source}, {"target", c.column}});
  return out;
}

Json key_values_json(const KeyValueList& kv) {
  Json out = Json::object();
  for (const auto& [k, v] : kv) out[k] = v;
  return out;
}

Json source_json(const Source& s) {
  Json out;
  if (s.kind == SourceKind::kKeys) {
    out["redis"] = Json{{"key_pattern", s.key_pattern}, {"exclude_commands", s.exclude_commands}};
    if (s.legacy_keyspace_spelling) out["redis"]["written_as"] = "keyspace";
  } else {
    out["stream"] = Json{{"name", s.stream_name}, {"start_id", s.start_id}};
  }
  out["row_format"] = to_string(s.row_format);
  return out;
}

Json transform_json(const TransformBlock& b) {
  Json out;
  out["uses"] = to_string(b.kind);
  switch (b.kind) {
    case TransformKind::kFilter:
      if (b.expression) out["with"] = expression_json(*b.expression);
      break;
    case TransformKind::kAddField: {
      Json fields = Json::array();
      for (const auto& f : b.fields) {
        Json item{{"field", f.field}};
        item.update(expression_json(f.expression));
        fields.push_back(item);
      }
      out["with"] = Json{{"fields", fields}};
      break;
    }
    case TransformKind::kRemoveField:
      out["with"] = Json{{"fields", b.remove_fields}};
      break;
    case TransformKind::kRenameField: {
      Json fields = Json::array();
      for (const auto& r : b.renames) fields.push_back(Json{{"from_field", r.from_field}, {"to_field", r.to_field}});
      out["with"] = Json{{"fields", fields}};
      break;
    }
    case TransformKind::kMap:
      if (b.expression) {
        out["with"] = expression_json(*b.expression);
      } else {
        Json fields = Json::object();
        std::string_view language = "jmespath";
        for (const auto& f : b.fields) {
          fields[f.field] = f.expression.text;
          language = to_string(f.expression.language);
        }
        out["with"] = Json{{"language", language}, {"expression", fields}};
      }
      break;
  }
  return out;
}

Json relational_json(const RelationalWrite& w) {
  Json out{{"connection", w.connection}, {"schema", w.schema}, {"table", w.table}};
  out["keys"] = columns_json(w.keys);
  out["mapping"] = columns_json(w.mapping);
  if (w.foreach) {
    out["foreach"] = Json{{"alias", w.foreach->alias}, {"expression", w.foreach->expression.text}};
  }
  if (!w.opcode_field.empty()) out["opcode_field"] = w.opcode_field;
  out["load_strategy"] = to_string(w.effective_load_strategy());
  if (!w.active_record_indicator.empty()) out["active_record_indicator"] = w.active_record_indicator;
  if (!w.inactive_record_mapping.empty()) {
    Json items = Json::array();
    for (const auto& c : w.inactive_record_mapping) items.push_back(Json{{"source", c.source}, {"target", c.target}});
    out["inactive_record_mapping"] = items;
  }
  return out;
}

Json redis_json(const RedisWrite& w) {
  Json out{{"connection", w.connection}, {"data_type", to_string(w.data_type)}};
  if (w.key) out["key"] = expression_json(*w.key);
  Json args = Json::object();
  if (!w.member.empty()) args["member"] = w.member;
  if (!w.score.empty()) args["score"] = w.score;
  if (!w.value.empty()) args["value"] = w.value;
  if (!args.empty()) out["args"] = args;
  if (!w.mapping.empty()) out["mapping"] = redis_fields_json(w.mapping);
  out["on_update"] = to_string(w.on_update);
  out["expire"] = w.expire_s;
  if (w.nest) out["nest"] = true;
  return out;
}

Json cassandra_json(const CassandraWrite& w) {
  Json out{{"connection", w.connection}, {"keyspace", w.keyspace}, {"table", w.table}};
  out["keys"] = columns_json(w.keys);
  out["mapping"] = columns_json(w.mapping);
  if (!w.opcode_field.empty()) out["opcode_field"] = w.opcode_field;
  return out;
}

Json output_json(const Output& o) {
  Json with;
  if (const auto* r = o.relational()) with = relational_json(*r);
  if (const auto* r = o.redis()) with = redis_json(*r);
  if (const auto* c = o.cassandra()) with = cassandra_json(*c);
  return Json{{"uses", to_string(o.kind())}, {"with", with}};
}

}  // namespace

Json connection_to_json(const Connection& c) {
  Json out{{"type", to_string(c.type)}};
  if (!c.host.empty()) out["host"] = c.host;
  if (!c.hosts.empty()) out["hosts"] = c.hosts;
  if (c.port != 0) out["port"] = c.port;
  if (!c.database.empty()) out["database"] = c.database;
  if (!c.user.empty()) out["user"] = c.user;
  if (!c.password.empty()) out["password"] = kMaskedPassword;
  if (!c.query_args.empty()) out["query_args"] = key_values_json(c.query_args);
  if (!c.connect_args.empty()) out["connect_args"] = key_values_json(c.connect_args);
  if (c.tls.enabled()) out["tls"] = Json{{"ca", c.tls.ca}, {"cert", c.tls.cert}, {"key", c.tls.key}};
  return out;
}

Json applier_to_json(const ApplierSettings& a) {
  return Json{{"read_batch_size", a.read_batch_size},
              {"write_batch_size", a.write_batch_size},
              {"duration", a.duration_ms},
              {"on_failed_retry_interval", a.on_failed_retry_interval_s},
              {"error_handling", to_string(a.error_handling)},
              {"dlq_max_messages", a.dlq_max_messages}};
}

Json job_to_json(const Job& job) {
  Json transforms = Json::array();
  for (const auto& b : job.transforms) transforms.push_back(transform_json(b));
  Json outputs = Json::array();
  for (const auto& o : job.outputs) outputs.push_back(output_json(o));
  return Json{{"file", job.file}, {"source", source_json(job.source)}, {"transform", transforms}, {"output", outputs}};
}

Json pipeline_to_json(const Pipeline& pipeline) {
  Json connections = Json::object();
  for (const auto& [name, c] : pipeline.connections) connections[name] = connection_to_json(c);
  Json jobs = Json::object();
  for (const auto& job : pipeline.jobs) jobs[job.name] = job_to_json(job);
  return Json{{"connections", connections}, {"applier", applier_to_json(pipeline.applier)}, {"jobs", jobs}};
}

std::string render_pipeline(const Pipeline& pipeline) {
  return pipeline_to_json(pipeline).dump(kIndent, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace wb::config

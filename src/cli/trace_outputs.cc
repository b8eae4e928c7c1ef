// Previews of what a job's outputs would write (see trace_outputs.h).
#include "cli/trace_outputs.h"

#include <set>

#include "applier/key_tracker.h"
#include "applier/output_mapper.h"
#include "applier/plan_from_config.h"
#include "source/record_path.h"
#include "transform/block.h"
#include "transform/foreach_expander.h"
#include "transform/record_expression.h"

namespace wb::cli {
namespace {

using nlohmann::json;

std::string sql_literal(const sink::Value& v) {
  if (!v) return "NULL";
  std::string out = "'";
  for (char c : *v) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string table_name(const sink::TableRef& t) { return t.schema.empty() ? t.table : t.schema + "." + t.table; }

std::string values_of(const sink::Row& row) {
  std::vector<std::string> v;
  for (const auto& x : row) v.push_back(sql_literal(x));
  return join(v, ", ");
}

std::string where_keys(const std::vector<std::string>& keys, const sink::Row& row) {
  std::vector<std::string> terms;
  for (size_t i = 0; i < keys.size() && i < row.size(); ++i) {
    terms.push_back(keys[i] + (row[i] ? " = " + sql_literal(row[i]) : std::string(" IS NULL")));
  }
  return join(terms, " AND ");
}

applier::LoadStrategy strategy_of(config::LoadStrategy s) {
  switch (s) {
    case config::LoadStrategy::kAppend: return applier::LoadStrategy::Append;
    case config::LoadStrategy::kReplace: return applier::LoadStrategy::Replace;
    case config::LoadStrategy::kUpsert: return applier::LoadStrategy::Upsert;
    case config::LoadStrategy::kType2: return applier::LoadStrategy::Type2;
  }
  return applier::LoadStrategy::Upsert;
}

// The members of a record that are candidate columns when a relational.write has no mapping.
const json* fields_of(const ChangeRecord& rec) {
  const json& record = rec.record();
  if (rec.format == RowFormat::Full) {
    auto it = record.find("after");
    return it != record.end() && it->is_object() ? &*it : nullptr;
  }
  return record.is_object() ? &record : nullptr;
}

std::string text_of(const json& v) {
  auto t = json_to_text(v);
  return t ? *t : "(nil)";
}

}  // namespace

std::vector<std::string> render_table_write(const sink::TableWrite& w) {
  std::vector<std::string> out;
  const std::string t = table_name(w.table);
  std::vector<std::string> all = w.key_columns;
  all.insert(all.end(), w.value_columns.begin(), w.value_columns.end());
  const std::string cols = "(" + join(all, ", ") + ")";
  for (const auto& r : w.deletes) out.push_back("DELETE FROM " + t + " WHERE " + where_keys(w.key_columns, r));
  for (const auto& r : w.replaces) {
    out.push_back("DELETE FROM " + t + " WHERE " + where_keys(w.key_columns, r));
    out.push_back("INSERT INTO " + t + " " + cols + " VALUES (" + values_of(r) + ")");
  }
  for (const auto& r : w.upserts) {
    out.push_back("UPSERT INTO " + t + " " + cols + " VALUES (" + values_of(r) + ") KEY (" + join(w.key_columns, ", ") + ")");
  }
  for (const auto& r : w.appends) out.push_back("INSERT INTO " + t + " " + cols + " VALUES (" + values_of(r) + ")");
  if (w.type2) {
    const sink::Type2Spec& s = *w.type2;
    std::string set = s.indicator_column + " = " + sql_literal(s.inactive_value);
    for (const auto& c : s.close_columns) set += ", " + c.column + " = " + (c.is_sql_expression && c.value ? *c.value : sql_literal(c.value));
    auto close = [&](const sink::Row& r) {
      return "UPDATE " + t + " SET " + set + " WHERE " + where_keys(w.key_columns, r) + " AND " + s.indicator_column + " = " +
             sql_literal(s.active_value);
    };
    for (const auto& r : w.type2_closes) out.push_back(close(r));
    for (const auto& r : w.type2_inserts) {
      out.push_back(close(r));
      out.push_back("INSERT INTO " + t + " (" + join(all, ", ") + ", " + s.indicator_column + ") VALUES (" + values_of(r) +
                    ", " + sql_literal(s.active_value) + ")");
    }
  }
  return out;
}

struct OutputPreview::Output {
  size_t index = 0;
  std::string title;
  // relational.write
  std::optional<applier::OutputPlan> plan;
  bool auto_columns = false;
  std::string tracking_hash;  // empty: not tracked
  // redis.write
  const config::RedisWrite* redis = nullptr;
  std::optional<transform::RecordExpression> key;
  std::string unsupported;  // set: this build does not write this kind of output
};

OutputPreview::OutputPreview(const config::Job& job, std::string prefix, RedisConnection* redis) : redis_(redis) {
  std::set<std::string> names;
  for (size_t i = 0; i < job.outputs.size(); ++i) {
    const config::Output& out = job.outputs[i];
    auto o = std::make_unique<Output>();
    o->index = i;
    std::string head = "output[" + std::to_string(i) + "] " + std::string(config::to_string(out.kind()));
    if (const config::RelationalWrite* w = out.relational()) {
      applier::OutputPlan p;
      p.connection = w->connection;
      p.table = {w->schema, w->table};
      for (const auto& k : w->keys) p.keys.push_back({k.column, k.source.empty() ? k.column : k.source});
      for (const auto& m : w->mapping) p.mapping.push_back({m.column, m.source.empty() ? m.column : m.source});
      p.strategy = strategy_of(w->effective_load_strategy());
      p.opcode_field = w->opcode_field;
      if (p.strategy == applier::LoadStrategy::Type2) p.type2 = applier::type2_spec_from(*w);
      if (w->foreach) p.foreach = transform::row_expander(*w);
      // The applier's name for the output (its key-tracking hash): plan_from_config's rule.
      std::string base = w->connection + "." + (w->schema.empty() ? "" : w->schema + ".") + w->table;
      p.name = base;
      for (int n = 2; names.contains(p.name); ++n) p.name = base + "#" + std::to_string(n);
      names.insert(p.name);
      if (job.source.kind == config::SourceKind::kKeys && p.keyed() && p.strategy != applier::LoadStrategy::Append) {
        o->tracking_hash = prefix + "keys:" + job.name + ":" + p.name;
      }
      o->auto_columns = p.mapping.empty();
      o->title = head + " " + p.name + " (" + applier::to_string(p.strategy) + (w->foreach ? ", foreach " + w->foreach->alias : "") + ")";
      o->plan = std::move(p);
    } else if (const config::RedisWrite* r = out.redis()) {
      o->redis = r;
      o->title = head + " " + r->connection + " (" + std::string(config::to_string(r->data_type)) + ")";
      if (r->nest) {
        o->unsupported = "nest is not supported";
      } else if (r->key) {
        o->key.emplace(transform::compile_expression(*r->key));
      }
    } else {
      o->title = head + " " + out.connection();
      o->unsupported = "this build does not write cassandra";
    }
    outputs_.push_back(std::move(o));
  }
}

OutputPreview::~OutputPreview() = default;

namespace {

OutputEffect relational_effect(const std::string& title, const applier::OutputPlan& plan, bool auto_columns,
                               const std::string& tracking_hash, RedisConnection* redis, const ChangeRecord& rec) {
  OutputEffect e;
  e.title = title;
  std::unique_ptr<applier::KeyTracker> tracker;
  if (!tracking_hash.empty() && redis != nullptr) {
    tracker = std::make_unique<applier::KeyTracker>(tracking_hash);
    const std::string& key = rec.redis_key.empty() ? rec.entry_id : rec.redis_key;
    tracker->load(*redis, {&key});
  } else if (!tracking_hash.empty()) {
    tracker = std::make_unique<applier::KeyTracker>(tracking_hash);  // nothing known: as if untracked
    tracker->remember(rec.redis_key.empty() ? rec.entry_id : rec.redis_key, std::nullopt);
  }
  applier::OutputMapper mapper(plan, rec.format, tracker.get());
  if (auto why = mapper.check(rec)) {
    e.rejected = *why;
    return e;
  }
  if (!mapper.writes(rec)) {
    e.lines.push_back("nothing: a delete is not written under APPEND (counted as filtered)");
    return e;
  }
  // Without the table at hand, every field of the record (or of its rows) stands for a column.
  std::vector<sink::Column> columns;
  if (auto_columns) {
    std::set<std::string> seen;
    std::vector<ChangeRecord> rows;
    if (plan.foreach && rec.op != Op::Delete) rows = plan.foreach(rec);
    auto add = [&](const ChangeRecord& r) {
      if (const json* f = fields_of(r)) {
        for (auto it = f->begin(); it != f->end(); ++it) {
          if (seen.insert(it.key()).second) columns.push_back({it.key(), "", true, false});
        }
      }
    };
    if (plan.foreach) {
      for (const auto& r : rows) add(r);
    } else {
      add(rec);
    }
  }
  mapper.set_table_columns(columns);
  applier::OutputChunkPlan chunk = mapper.plan_chunk({&rec});
  for (const auto& w : chunk.writes) {
    for (auto& line : render_table_write(w)) e.lines.push_back(std::move(line));
  }
  if (auto_columns) e.lines.push_back("(no mapping: the record's fields, for the columns the table has)");
  if (e.lines.empty()) {
    e.lines.push_back(rec.op == Op::Delete && !tracking_hash.empty()
                          ? "nothing: no row is tracked for this key (it wrote none, or trace cannot read the tracking)"
                          : "nothing to write");
  }
  return e;
}

OutputEffect redis_effect(const std::string& title, const config::RedisWrite& w, const transform::RecordExpression& key_expr,
                          const ChangeRecord& rec) {
  OutputEffect e;
  e.title = title;
  json key_value;
  try {
    key_value = key_expr.evaluate(rec);
  } catch (const std::exception& ex) {
    e.rejected = std::string("key expression: ") + ex.what();
    return e;
  }
  std::string key = text_of(key_value);
  const json* fields = fields_of(rec);
  // (field, target name) pairs: the mapping, else every field.
  std::vector<std::pair<std::string, std::string>> mapped;
  if (!w.mapping.empty()) {
    for (const auto& m : w.mapping) mapped.emplace_back(m.source.empty() ? m.column : m.source, m.column);
  } else if (fields != nullptr) {
    for (auto it = fields->begin(); it != fields->end(); ++it) mapped.emplace_back(it.key(), it.key());
  }
  auto value_at = [&](const std::string& path) -> std::string {
    auto t = resolve_text(rec, path);
    return t ? *t : "(nil)";
  };
  if (rec.op == Op::Delete) {
    switch (w.data_type) {
      case config::RedisDataType::kSet: e.lines.push_back("SREM " + key + " <member>"); break;
      case config::RedisDataType::kSortedSet: e.lines.push_back("ZREM " + key + " <member>"); break;
      case config::RedisDataType::kStream: e.lines.push_back("nothing (a stream keeps its entries)"); break;
      default: e.lines.push_back("DEL " + key);
    }
    return e;
  }
  std::string cmd;
  switch (w.data_type) {
    case config::RedisDataType::kHash: {
      if (w.on_update == config::OnUpdate::kReplace) e.lines.push_back("DEL " + key);
      cmd = "HSET " + key;
      for (const auto& [src, dst] : mapped) cmd += " " + dst + " " + value_at(src);
      break;
    }
    case config::RedisDataType::kJson: {
      json doc = json::object();
      for (const auto& [src, dst] : mapped) {
        if (const json* v = find_path(rec.record(), effective_path(rec, src))) doc[dst] = *v;
      }
      cmd = std::string(w.on_update == config::OnUpdate::kMerge ? "JSON.MERGE " : "JSON.SET ") + key + " $ " + doc.dump();
      break;
    }
    case config::RedisDataType::kSet: cmd = "SADD " + key + " " + value_at(w.member); break;
    case config::RedisDataType::kSortedSet: cmd = "ZADD " + key + " " + value_at(w.score) + " " + value_at(w.member); break;
    case config::RedisDataType::kStream: {
      cmd = "XADD " + key + " *";
      for (const auto& [src, dst] : mapped) cmd += " " + dst + " " + value_at(src);
      break;
    }
    case config::RedisDataType::kString: cmd = "SET " + key + " " + value_at(w.value); break;
  }
  e.lines.push_back(cmd);
  if (w.expire_s > 0) e.lines.push_back("EXPIRE " + key + " " + std::to_string(w.expire_s));
  e.lines.push_back("(this build does not write to Redis targets yet)");
  return e;
}

}  // namespace

std::vector<OutputEffect> OutputPreview::describe(const ChangeRecord& rec) {
  std::vector<OutputEffect> effects;
  for (const auto& o : outputs_) {
    if (!o->unsupported.empty()) {
      effects.push_back({o->title, std::nullopt, {o->unsupported}});
    } else if (o->plan) {
      effects.push_back(relational_effect(o->title, *o->plan, o->auto_columns, o->tracking_hash, redis_, rec));
    } else if (o->redis != nullptr && o->key) {
      effects.push_back(redis_effect(o->title, *o->redis, *o->key, rec));
    }
  }
  return effects;
}

}  // namespace wb::cli

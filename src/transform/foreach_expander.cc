// foreach expansion (see foreach_expander.h).
#include "transform/foreach_expander.h"

#include "transform/block.h"

namespace wb::transform {

using nlohmann::json;

namespace {

// Whether path starts with name as a whole segment ("a" in "a", "a.b"; not in "ab").
bool starts_with_member(std::string_view path, std::string_view name) {
  return path.substr(0, name.size()) == name && (path.size() == name.size() || path[name.size()] == '.');
}

constexpr std::string_view kAfter = "after.";

}  // namespace

ForeachExpander::ForeachExpander(const config::Foreach& spec, std::vector<std::string> source_paths)
    : alias_(spec.alias), expression_(compile_expression(spec.expression)), paths_(std::move(source_paths)) {}

bool ForeachExpander::needed(const std::string& member, RowFormat format) const {
  if (paths_.empty()) return true;
  for (const std::string& p : paths_) {
    if (starts_with_member(p, member)) return true;
    // data_only: "after.x" reaches the record's own x (record_path.h).
    if (format == RowFormat::DataOnly && p.size() > kAfter.size() && std::string_view(p).substr(0, kAfter.size()) == kAfter &&
        starts_with_member(std::string_view(p).substr(kAfter.size()), member)) {
      return true;
    }
  }
  return false;
}

std::vector<ChangeRecord> ForeachExpander::expand(const ChangeRecord& rec) const {
  std::vector<ChangeRecord> rows;
  if (rec.op == Op::Delete) return rows;
  json elements = expression_.evaluate(rec);
  if (!elements.is_array()) return rows;

  // The parent's members every row needs, copied once here and once per row.
  json base = json::object();
  const json& record = rec.record();
  if (record.is_object()) {
    for (auto it = record.begin(); it != record.end(); ++it) {
      if (it.key() != alias_ && needed(it.key(), rec.format)) base[it.key()] = it.value();
    }
  }
  rows.reserve(elements.size());
  for (json& element : elements) {
    ChangeRecord row;
    row.entry_id = rec.entry_id;
    row.redis_key = rec.redis_key;
    row.op = rec.op;
    row.cmd = rec.cmd;
    row.ts_ms = rec.ts_ms;
    row.format = rec.format;
    json members = base;
    members[alias_] = std::move(element);
    row.set_record(std::move(members));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> source_paths_of(const config::RelationalWrite& write) {
  if (write.mapping.empty()) return {};
  std::vector<std::string> paths;
  auto add = [&paths](const config::ColumnMapping& m) { paths.push_back(m.source.empty() ? m.column : m.source); };
  for (const auto& k : write.keys) add(k);
  for (const auto& m : write.mapping) add(m);
  if (!write.opcode_field.empty()) paths.push_back(write.opcode_field);
  return paths;
}

applier::RowExpander row_expander(const config::RelationalWrite& write) {
  if (!write.foreach) throw TransformError("relational.write to " + write.table + " has no foreach");
  auto expander = std::make_shared<const ForeachExpander>(*write.foreach, source_paths_of(write));
  return [expander](const ChangeRecord& rec) { return expander->expand(rec); };
}

}  // namespace wb::transform

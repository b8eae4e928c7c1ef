// Readers shared by the transform and writer parsers: expressions and column lists (see job_parts.h).
#include <map>

#include "config/identifiers.h"
#include "config/job_parts.h"

namespace wb::config::detail {
namespace {

const std::vector<std::string> kLanguages = {"jmespath", "sql"};

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

std::optional<Language> read_language(MapView& m, Need need) {
  auto v = read_enum(m, "language", kLanguages, need);
  if (!v) return std::nullopt;
  return *v == "sql" ? Language::kSql : Language::kJmespath;
}

std::optional<Expression> expression_from(YamlFile& file, const YAML::Node& node, const SourcePos& at,
                                          const std::string& path, Language language, ExpressionRole role) {
  auto text = scalar_text(file, node, at, path, "an expression (a string)");
  if (!text) return std::nullopt;
  if (blank(*text)) {
    file.error(file.pos(node), path, "expected an expression, found an empty string");
    return std::nullopt;
  }
  Expression x;
  x.text = *text;
  x.language = language;
  x.role = role;
  x.path = path;
  x.pos = file.scalar_text_pos(node, &x.multiline);
  return x;
}

std::optional<Expression> read_expression(MapView& m, std::string_view key, Language language, ExpressionRole role,
                                          Need need) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  return expression_from(m.file(), e->value, m.key_pos(*e), m.path_of(key), language, role);
}

void check_identifier(MapView& m, std::string_view key, const std::string& name, std::string_view what) {
  if (auto problem = identifier_problem(name)) {
    const Entry* e = m.find(key);
    m.file().error(m.value_pos(*e), m.path_of(key),
                   std::string(what) + " \"" + name + "\" " + *problem);
  }
}

std::optional<std::vector<ColumnMapping>> read_columns(MapView& m, std::string_view key, Need need, MappingOrder order,
                                                       bool check_identifiers) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  const bool redis_order = order == MappingOrder::kSourceToTarget;
  const std::string expected = redis_order ? "a list of field names or {field: target_name}"
                                           : "a list of column names or {column: source_path}";
  const std::string expected_item = redis_order ? "a field name or {field: target_name}"
                                                : "a column name or {column: source_path}";
  if (!e->value.IsSequence()) {
    m.error_at(*e, "expected " + expected + ", found " + describe(e->value));
    return std::nullopt;
  }
  YamlFile& file = m.file();
  std::vector<ColumnMapping> out;
  std::map<std::string, int> seen;  // column -> line of first use
  bool ok = true;
  for (size_t i = 0; i < e->value.size(); ++i) {
    const YAML::Node item = e->value[i];
    const std::string path = index_path(m.path_of(key), i);
    const SourcePos item_pos = item.IsNull() ? m.value_pos(*e) : file.pos(item);
    ColumnMapping c;
    c.pos = item_pos;
    if (item.IsScalar() && !item.Scalar().empty()) {
      c.column = c.source = item.Scalar();
    } else if (item.IsMap() && item.size() == 1 && item.begin()->first.IsScalar() && item.begin()->second.IsScalar() &&
               !item.begin()->first.Scalar().empty() && !item.begin()->second.Scalar().empty()) {
      std::string k = item.begin()->first.Scalar(), v = item.begin()->second.Scalar();
      c.column = redis_order ? v : k;
      c.source = redis_order ? k : v;
    } else {
      std::string found = describe(item);
      if (item.IsMap() && item.size() != 1) found = "a mapping with " + std::to_string(item.size()) + " fields";
      if (item.IsMap() && item.size() == 1) found = "a mapping whose value is " + describe(item.begin()->second);
      if (item.IsScalar()) found = "an empty string";
      file.error(item_pos, path, "expected " + expected_item + ", found " + found);
      ok = false;
      continue;
    }
    if (check_identifiers) {
      if (auto problem = identifier_problem(c.column)) {
        file.error(item_pos, path, "column name \"" + c.column + "\" " + *problem);
        ok = false;
        continue;
      }
    }
    auto [prev, inserted] = seen.emplace(c.column, item_pos.line);
    if (!inserted) {
      file.error(item_pos, path, "column \"" + c.column + "\" is listed twice (first at line " +
                                     std::to_string(prev->second) + ")");
      ok = false;
      continue;
    }
    out.push_back(std::move(c));
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace wb::config::detail

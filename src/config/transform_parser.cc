// Parser of transform blocks: filter, add_field, remove_field, rename_field, map (see job_parts.h).
// The expressions are kept as text with their language and position; src/expr compiles them.
#include "config/job_parts.h"
#include "config/suggest.h"

namespace wb::config::detail {
namespace {

const std::vector<std::string> kBlockFields = {"uses", "with"};
const std::vector<std::string> kTransformKinds = {"filter", "add_field", "remove_field", "rename_field", "map"};
const std::vector<std::string> kFilterFields = {"expression", "language"};
const std::vector<std::string> kAddFieldFields = {"field", "expression", "language", "fields"};
const std::vector<std::string> kAddFieldItemFields = {"field", "expression", "language"};
const std::vector<std::string> kRemoveFieldFields = {"field", "fields"};
const std::vector<std::string> kRemoveFieldItemFields = {"field"};
const std::vector<std::string> kRenameFieldFields = {"from_field", "to_field", "fields"};
const std::vector<std::string> kRenameFieldItemFields = {"from_field", "to_field"};
const std::vector<std::string> kMapFields = {"expression", "language"};

TransformKind kind_from(const std::string& name) {
  for (size_t i = 0; i < kTransformKinds.size(); ++i) {
    if (kTransformKinds[i] == name) return static_cast<TransformKind>(i);
  }
  return TransformKind::kFilter;
}

// The single form (field: ...) and the list form (fields: [...]) exclude each other. Returns the
// `fields` entry when the list form is used, nullptr for the single form, and reports a mix.
const Entry* choose_form(MapView& m, const std::vector<std::string>& single_keys, bool* ok) {
  const Entry* list = m.find("fields");
  *ok = true;
  if (list == nullptr) return nullptr;
  for (const auto& k : single_keys) {
    if (const Entry* s = m.find(k)) {
      m.file().error(m.key_pos(*s), m.path_of(k), "give either " + join_alternatives(single_keys) +
                                                      " or a fields list, not both");
      *ok = false;
    }
  }
  if (!list->value.IsSequence() || list->value.size() == 0) {
    m.error_at(*list, "expected a non-empty list of fields, found " +
                          (list->value.IsSequence() ? std::string("an empty list") : describe(list->value)));
    *ok = false;
    return nullptr;
  }
  return list;
}

// Calls read_item(MapView&) for each mapping in the list entry, reporting non-mappings.
template <typename ReadItem>
void for_each_item(MapView& m, const Entry& list, std::string_view what, ReadItem read_item) {
  for (size_t i = 0; i < list.value.size(); ++i) {
    const YAML::Node item = list.value[i];
    std::string path = index_path(m.path_of("fields"), i);
    if (!expect_map(m.file(), item, m.value_pos(list), path, what)) continue;
    MapView im(m.file(), item, path);
    read_item(im);
  }
}

std::optional<FieldExpression> read_add_field(MapView& m) {
  auto field = read_name(m, "field", Need::kRequired);
  auto language = read_language(m, Need::kRequired);
  auto expression = read_expression(m, "expression", language.value_or(Language::kJmespath), ExpressionRole::kAddField,
                                    Need::kRequired);
  if (!field || !language || !expression) return std::nullopt;
  return FieldExpression{*field, std::move(*expression)};
}

void parse_filter(MapView& m, TransformBlock& b) {
  m.check_known(kFilterFields);
  auto language = read_language(m, Need::kRequired);
  auto expression =
      read_expression(m, "expression", language.value_or(Language::kJmespath), ExpressionRole::kFilter, Need::kRequired);
  if (language && expression) b.expression = std::move(expression);
}

void parse_add_field(MapView& m, TransformBlock& b) {
  m.check_known(kAddFieldFields);
  bool ok = true;
  const Entry* list = choose_form(m, {"field", "expression", "language"}, &ok);
  if (!ok) return;
  if (list == nullptr) {
    if (auto f = read_add_field(m)) b.fields.push_back(std::move(*f));
    return;
  }
  for_each_item(m, *list, "a mapping with field, expression and language", [&](MapView& im) {
    im.check_known(kAddFieldItemFields);
    if (auto f = read_add_field(im)) b.fields.push_back(std::move(*f));
  });
}

void parse_remove_field(MapView& m, TransformBlock& b) {
  m.check_known(kRemoveFieldFields);
  bool ok = true;
  const Entry* list = choose_form(m, {"field"}, &ok);
  if (!ok) return;
  if (list == nullptr) {
    if (auto f = read_name(m, "field", Need::kRequired)) b.remove_fields.push_back(*f);
    return;
  }
  for_each_item(m, *list, "a mapping with field", [&](MapView& im) {
    im.check_known(kRemoveFieldItemFields);
    if (auto f = read_name(im, "field", Need::kRequired)) b.remove_fields.push_back(*f);
  });
}

std::optional<FieldRename> read_rename(MapView& m) {
  auto from = read_name(m, "from_field", Need::kRequired);
  auto to = read_name(m, "to_field", Need::kRequired);
  if (!from || !to) return std::nullopt;
  return FieldRename{*from, *to, m.key_pos(*m.find("from_field"))};
}

void parse_rename_field(MapView& m, TransformBlock& b) {
  m.check_known(kRenameFieldFields);
  bool ok = true;
  const Entry* list = choose_form(m, {"from_field", "to_field"}, &ok);
  if (!ok) return;
  if (list == nullptr) {
    if (auto r = read_rename(m)) b.renames.push_back(std::move(*r));
    return;
  }
  for_each_item(m, *list, "a mapping with from_field and to_field", [&](MapView& im) {
    im.check_known(kRenameFieldItemFields);
    if (auto r = read_rename(im)) b.renames.push_back(std::move(*r));
  });
}

void parse_map(MapView& m, TransformBlock& b) {
  m.check_known(kMapFields);
  auto language = read_language(m, Need::kRequired);
  const Entry* e = m.get("expression", Need::kRequired);
  if (e == nullptr || !language) return;
  YamlFile& file = m.file();
  if (e->value.IsMap()) {
    // expression: {field: expression, ...} in the block's language.
    MapView fields(file, e->value, m.path_of("expression"));
    if (fields.entries().empty()) {
      m.error_at(*e, "expected at least one field, found an empty mapping");
      return;
    }
    for (const auto& f : fields.entries()) {
      if (!f.key_node.IsScalar() || f.key.empty()) {
        file.error(fields.key_pos(f), fields.path(), "expected a field name, found " + describe(f.key_node));
        continue;
      }
      auto x = expression_from(file, f.value, fields.key_pos(f), fields.path_of(f.key), *language,
                               ExpressionRole::kMapField);
      if (x) b.fields.push_back(FieldExpression{f.key, std::move(*x)});
    }
    return;
  }
  if (*language != Language::kJmespath) {
    m.error_at(*e, "expected a mapping of field names to SQL expressions (a single map expression must be "
                   "JMESPath), found " + describe(e->value));
    return;
  }
  b.expression = expression_from(file, e->value, m.key_pos(*e), m.path_of("expression"), *language, ExpressionRole::kMap);
}

}  // namespace

std::optional<TransformBlock> parse_transform_block(YamlFile& file, const YAML::Node& node, const std::string& path) {
  if (!expect_map(file, node, file.pos(node), path, "a transform block (a mapping with uses and with)")) {
    return std::nullopt;
  }
  MapView block(file, node, path);
  block.check_known(kBlockFields);
  auto uses = read_enum(block, "uses", kTransformKinds, Need::kRequired);
  const Entry* with = block.get("with", Need::kRequired);
  if (!uses || with == nullptr) return std::nullopt;
  std::string with_path = block.path_of("with");
  if (!expect_map(file, with->value, block.key_pos(*with), with_path, "a mapping of the block's settings")) {
    return std::nullopt;
  }
  TransformBlock b;
  b.kind = kind_from(*uses);
  b.pos = block.key_pos(*block.find("uses"));
  MapView m(file, with->value, with_path);
  switch (b.kind) {
    case TransformKind::kFilter: parse_filter(m, b); break;
    case TransformKind::kAddField: parse_add_field(m, b); break;
    case TransformKind::kRemoveField: parse_remove_field(m, b); break;
    case TransformKind::kRenameField: parse_rename_field(m, b); break;
    case TransformKind::kMap: parse_map(m, b); break;
  }
  return b;
}

}  // namespace wb::config::detail

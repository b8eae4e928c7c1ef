// Typed field readers (see yaml_fields.h).
#include "config/yaml_fields.h"

#include <charconv>

#include "config/suggest.h"

namespace wb::config::detail {

MapView::MapView(YamlFile& file, const YAML::Node& node, std::string path)
    : file_(file), path_(std::move(path)), pos_(file.pos(node)) {
  if (!node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A repeated key was reported when the file was parsed; only its first occurrence counts.
    if (it->first.IsScalar() && find(it->first.Scalar()) != nullptr) continue;
    Entry e;
    e.key = it->first.IsScalar() ? it->first.Scalar() : std::string();
    e.key_node = it->first;
    e.value = it->second;
    entries_.push_back(std::move(e));
  }
}

void MapView::check_known(const std::vector<std::string>& known) {
  for (const auto& e : entries_) {
    if (!e.key_node.IsScalar()) {
      file_.error(key_pos(e), path_, "expected a field name, found " + describe(e.key_node) + " as a key");
      continue;
    }
    bool is_known = false;
    for (const auto& k : known) is_known = is_known || k == e.key;
    if (is_known) continue;
    std::string hint = did_you_mean(e.key, known);
    if (auto match = closest_match(e.key, known)) suggested_.push_back(*match);
    if (hint.empty()) {
      file_.error(key_pos(e), path_of(e.key), "unknown field, expected one of " + join_alternatives(known));
    } else {
      file_.error(key_pos(e), path_of(e.key), "unknown field" + hint);
    }
  }
}

const Entry* MapView::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key_node.IsScalar() && e.key == key) return &e;
  }
  return nullptr;
}

const Entry* MapView::get(std::string_view key, Need need) {
  const Entry* e = find(key);
  if (e != nullptr && !e->value.IsNull()) return e;
  if (need == Need::kRequired) {
    if (e == nullptr) {
      for (const auto& s : suggested_) {
        if (s == key) return nullptr;  // "unknown field (did you mean ...)" said it already
      }
      file_.error(pos_, path_, "missing required field \"" + std::string(key) + "\"");
    } else {
      file_.error(key_pos(*e), path_of(key), "expected a value, found nothing");
    }
  }
  return nullptr;
}

SourcePos MapView::value_pos(const Entry& e) const {
  if (!e.value.IsDefined() || e.value.IsNull()) return key_pos(e);
  return file_.pos(e.value);
}

void MapView::error_at(const Entry& e, std::string message) const {
  file_.error(value_pos(e), path_of(e.key), std::move(message));
}

bool expect_map(YamlFile& file, const YAML::Node& node, const SourcePos& at, const std::string& path,
                std::string_view what) {
  if (node.IsMap()) return true;
  SourcePos where = node.IsDefined() && !node.IsNull() ? file.pos(node) : at;
  file.error(where, path, "expected " + std::string(what) + ", found " + describe(node));
  return false;
}

std::optional<std::string> scalar_text(YamlFile& file, const YAML::Node& node, const SourcePos& at,
                                       const std::string& path, std::string_view expected) {
  if (node.IsScalar()) return node.Scalar();
  SourcePos where = node.IsDefined() && !node.IsNull() ? file.pos(node) : at;
  file.error(where, path, "expected " + std::string(expected) + ", found " + describe(node));
  return std::nullopt;
}

std::optional<std::string> read_string(MapView& m, std::string_view key, Need need) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  if (!e->value.IsScalar()) {
    m.error_at(*e, "expected a string, found " + describe(e->value));
    return std::nullopt;
  }
  return e->value.Scalar();
}

std::optional<std::string> read_name(MapView& m, std::string_view key, Need need) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  if (!e->value.IsScalar()) {
    m.error_at(*e, "expected a string, found " + describe(e->value));
    return std::nullopt;
  }
  if (e->value.Scalar().empty()) {
    m.error_at(*e, "expected a non-empty string, found an empty string");
    return std::nullopt;
  }
  return e->value.Scalar();
}

std::optional<long long> read_int(MapView& m, std::string_view key, long long min, long long max, Need need) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!e->value.IsScalar()) {
    m.error_at(*e, "expected " + expected + ", found " + describe(e->value));
    return std::nullopt;
  }
  const std::string& s = e->value.Scalar();
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    m.error_at(*e, "expected " + expected + ", found " + describe_value(e->value));
    return std::nullopt;
  }
  if (v < min || v > max) {
    m.error_at(*e, "expected " + expected + ", found " + s);
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> read_enum(MapView& m, std::string_view key, const std::vector<std::string>& values,
                                     Need need) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  std::string expected = "one of " + join_alternatives(values);
  if (!e->value.IsScalar()) {
    m.error_at(*e, "expected " + expected + ", found " + describe(e->value));
    return std::nullopt;
  }
  for (const auto& v : values) {
    if (v == e->value.Scalar()) return v;
  }
  m.error_at(*e, "expected " + expected + ", found " + describe_value(e->value) +
                     did_you_mean(e->value.Scalar(), values));
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_string_list(MapView& m, std::string_view key, Need need) {
  const Entry* e = m.get(key, need);
  if (e == nullptr) return std::nullopt;
  if (!e->value.IsSequence()) {
    m.error_at(*e, "expected a list of strings, found " + describe(e->value));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < e->value.size(); ++i) {
    const YAML::Node item = e->value[i];
    std::string path = index_path(m.path_of(key), i);
    if (!item.IsScalar() || item.Scalar().empty()) {
      SourcePos where = item.IsNull() ? m.value_pos(*e) : m.file().pos(item);
      m.file().error(where, path, "expected a non-empty string, found " +
                                      (item.IsScalar() ? std::string("an empty string") : describe(item)));
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::string join_alternatives(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
    out += values[i];
  }
  return out;
}

}  // namespace wb::config::detail

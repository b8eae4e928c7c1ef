// Source path resolution (see record_path.h).
#include "source/record_path.h"

#include <charconv>

namespace wb {

using nlohmann::json;

const json* find_path(const json& doc, std::string_view path) {
  const json* cur = &doc;
  while (true) {
    if (cur->is_object()) {
      // A member named by the whole remaining path wins (field names may contain dots).
      if (auto it = cur->find(path); it != cur->end()) return &*it;
    }
    size_t dot = path.find('.');
    if (dot == std::string_view::npos) {
      if (cur->is_array()) {
        size_t index = 0;
        auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), index);
        if (ec == std::errc() && end == path.data() + path.size() && index < cur->size()) return &(*cur)[index];
      }
      return nullptr;
    }
    std::string_view head = path.substr(0, dot);
    path = path.substr(dot + 1);
    if (cur->is_object()) {
      auto it = cur->find(head);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), index);
      if (ec != std::errc() || end != head.data() + head.size() || index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
  }
}

std::string_view effective_path(const json& record, RowFormat format, std::string_view path) {
  if (format == RowFormat::DataOnly && path.substr(0, kAfterPrefix.size()) == kAfterPrefix &&
      path.size() > kAfterPrefix.size() && !(record.is_object() && record.contains("after"))) {
    return path.substr(kAfterPrefix.size());
  }
  return path;
}

bool names_redis_key(const json& record, RowFormat format, std::string_view path) {
  return format == RowFormat::DataOnly && path == kRedisKeyPath && !(record.is_object() && record.contains("key"));
}

std::string_view effective_path(const ChangeRecord& rec, std::string_view path) {
  if (rec.format == RowFormat::DataOnly && path.substr(0, kAfterPrefix.size()) == kAfterPrefix &&
      path.size() > kAfterPrefix.size() && !rec.has_member("after")) {
    return path.substr(kAfterPrefix.size());
  }
  return path;
}

bool names_redis_key(const ChangeRecord& rec, std::string_view path) {
  return rec.format == RowFormat::DataOnly && path == kRedisKeyPath && !rec.has_member("key");
}

std::optional<std::string> json_to_text(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return std::nullopt;
    case json::value_t::string:
      return value.get_ref<const std::string&>();
    default:
      return value.dump();
  }
}

std::optional<std::string> resolve_text(const ChangeRecord& rec, std::string_view path) {
  if (names_redis_key(rec, path)) {
    if (!rec.redis_key.empty()) return rec.redis_key;
    return rec.entry_id;  // stream-source jobs: the entry id stands for the key
  }
  std::string_view effective = effective_path(rec, path);
  if (rec.is_flat()) {
    // An object of strings: only a field named by the whole path has a value (record_path.h).
    const std::string* value = rec.flat_field(effective);
    if (value == nullptr) return std::nullopt;
    return *value;
  }
  const json* v = find_path(rec.record(), effective);
  if (v == nullptr) return std::nullopt;
  return json_to_text(*v);
}

bool has_value(const ChangeRecord& rec, std::string_view path) {
  if (names_redis_key(rec, path)) return true;
  std::string_view effective = effective_path(rec, path);
  if (rec.is_flat()) return rec.flat_field(effective) != nullptr;
  const json* v = find_path(rec.record(), effective);
  return v != nullptr && !v->is_null() && !v->is_discarded();
}

}  // namespace wb

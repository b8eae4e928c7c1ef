// Dotted field names on records (see field_path.h).
#include "transform/field_path.h"

#include <charconv>

#include "source/record_path.h"

namespace wb::transform {
namespace {

using nlohmann::json;

// A numeric path segment as an index into arr; nullopt when not a number or out of range.
std::optional<size_t> array_index(const json& arr, std::string_view segment) {
  size_t index = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
  if (segment.empty() || ec != std::errc() || end != segment.data() + segment.size() || index >= arr.size()) {
    return std::nullopt;
  }
  return index;
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

}  // namespace

const json* find_field(const json& record, RowFormat format, std::string_view path) {
  return find_path(record, effective_path(record, format, path));
}

std::optional<std::string> assign_field(json& record, RowFormat format, std::string_view path, json value) {
  const std::string_view whole = effective_path(record, format, path);
  std::string_view rest = whole;
  json* cur = &record;
  while (true) {
    if (cur->is_null()) *cur = json::object();  // a missing level (or an explicit null) becomes an object
    if (cur->is_object()) {
      if (auto it = cur->find(rest); it != cur->end()) {
        *it = std::move(value);
        return std::nullopt;
      }
      size_t dot = rest.find('.');
      if (dot == std::string_view::npos) {
        (*cur)[std::string(rest)] = std::move(value);
        return std::nullopt;
      }
      std::string head(rest.substr(0, dot));
      cur = &(*cur)[head];  // inserts null when missing: becomes an object on the next turn
      rest = rest.substr(dot + 1);
      continue;
    }
    if (cur->is_array()) {
      size_t dot = rest.find('.');
      std::string_view head = dot == std::string_view::npos ? rest : rest.substr(0, dot);
      if (auto index = array_index(*cur, head)) {
        if (dot == std::string_view::npos) {
          (*cur)[*index] = std::move(value);
          return std::nullopt;
        }
        cur = &(*cur)[*index];
        rest = rest.substr(dot + 1);
        continue;
      }
    }
    size_t done = static_cast<size_t>(rest.data() - whole.data());
    std::string where = done == 0 ? std::string("the record") : "'" + std::string(whole.substr(0, done - 1)) + "'";
    return "cannot set '" + std::string(path) + "': " + where + " is " + describe(*cur) + ", not an object";
  }
}

std::optional<json> take_field(json& record, RowFormat format, std::string_view path) {
  std::string_view rest = effective_path(record, format, path);
  json* cur = &record;
  while (true) {
    if (cur->is_object()) {
      if (auto it = cur->find(rest); it != cur->end()) {
        json v = std::move(*it);
        cur->erase(it);
        return v;
      }
    }
    size_t dot = rest.find('.');
    std::string_view head = dot == std::string_view::npos ? rest : rest.substr(0, dot);
    if (cur->is_array()) {
      auto index = array_index(*cur, head);
      if (!index) return std::nullopt;
      if (dot == std::string_view::npos) {
        json v = std::move((*cur)[*index]);
        cur->erase(*index);
        return v;
      }
      cur = &(*cur)[*index];
    } else if (cur->is_object() && dot != std::string_view::npos) {
      auto it = cur->find(head);
      if (it == cur->end()) return std::nullopt;
      cur = &*it;
    } else {
      return std::nullopt;
    }
    rest = rest.substr(dot + 1);
  }
}

}  // namespace wb::transform

// Source paths: how mappings (and transforms) name a value inside a record.
//
// A path is dotted: "address.city" reaches into nested JSON objects, a numeric segment indexes an
// array ("items.0.sku"). At each level a member whose name is the whole remaining path wins over
// splitting at a dot, so a hash field literally named "a.b" stays reachable as "a.b".
//
// Row-format rules (RDI compatibility):
//  - data_only: a path starting with "after." means the record's own field ("after.country" ->
//    "country") unless the record has a field named "after". RDI's quickstart relies on this.
//  - The Redis key is always reachable as "key.key": in full format it is a real member of the
//    record; in data_only it is a pseudo-field, unless the record has a field named "key" (then
//    that field wins, exactly like "after."). For stream-source jobs key.key is the entry id.
//
// On a flat record (change_record.h: an object of string members) the same rules reduce to one
// lookup of the whole (effective) path among the fields: a string has no members, so a dotted path
// that does not name a field is missing. The ChangeRecord functions below work on both forms and
// never build a flat record's JSON.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "source/change_record.h"

namespace wb {

inline constexpr std::string_view kAfterPrefix = "after.";
inline constexpr std::string_view kRedisKeyPath = "key.key";

// Plain dotted lookup; nullptr when any segment is missing.
const nlohmann::json* find_path(const nlohmann::json& doc, std::string_view path);

// The path a data_only record really means: "after.x" -> "x" unless the record has "after".
// Other paths, and every path in full format, are returned unchanged.
std::string_view effective_path(const nlohmann::json& record, RowFormat format, std::string_view path);

// True when, for this record, path names the Redis key pseudo-field (data_only, no "key" member).
bool names_redis_key(const nlohmann::json& record, RowFormat format, std::string_view path);

// The same two on a change record, flat or not.
std::string_view effective_path(const ChangeRecord& rec, std::string_view path);
bool names_redis_key(const ChangeRecord& rec, std::string_view path);

// A JSON value as the text bound for a column: strings as they are; numbers and booleans as their
// JSON text; objects and arrays as compact JSON; null -> nullopt (SQL NULL).
std::optional<std::string> json_to_text(const nlohmann::json& value);

// The value of path in a record, as column text; nullopt when missing or null. On a flat record it
// is the field's value copied once, straight into the result.
std::optional<std::string> resolve_text(const ChangeRecord& rec, std::string_view path);

// Whether resolve_text(rec, path) has a value, without copying it (checks of key columns).
bool has_value(const ChangeRecord& rec, std::string_view path);

}  // namespace wb

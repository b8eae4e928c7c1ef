// What a keyspace notification means for capture: a possible change of the key's value, a removal
// of the key, an expiry or eviction, or nothing (TTL changes and the like). Pure C++ so that the
// mapping from Redis's event names is unit-tested.
#pragma once
#include <string_view>

namespace wb::capture {

enum class EventKind {
  Ignore,   // no change of the value: expire, persist, hexpire, ...
  Change,   // the key may have a new value, or may be gone (hdel of the last field, lpop, ...)
  Removal,  // the key is certainly gone: del, rename_from, move_from
  Expired,  // removed by expiry: captured only for jobs with EXPIRED yes
  Evicted,  // removed by eviction: captured only for jobs with EVICTED yes
};

// `type` is the notification class bit Redis passes to the callback (REDISMODULE_NOTIFY_*).
EventKind classify_event(int type, std::string_view event);

// The value types a stream entry can carry.
enum class ValueType { Hash, String, Json, None };
std::string_view value_type_name(ValueType t);  // "hash", "string", "json", "none"

// The name of RedisJSON's module data type and its event prefix.
inline constexpr std::string_view kJsonTypeName = "ReJSON-RL";
inline constexpr std::string_view kJsonEventPrefix = "json.";

}  // namespace wb::capture

// Mapping of Redis keyspace events to capture actions (see event_kind.h).
#include "module/event_kind.h"

#include "module/redismodule_api.h"

namespace wb::capture {

EventKind classify_event(int type, std::string_view event) {
  if (type & REDISMODULE_NOTIFY_EXPIRED) return EventKind::Expired;
  if (type & REDISMODULE_NOTIFY_EVICTED) return EventKind::Evicted;
  if (type & REDISMODULE_NOTIFY_GENERIC) {
    // Generic events that change no value (expire, persist, ...) are ignored. An EXPIRE with a
    // time in the past deletes the key and fires "del", which is a Removal.
    if (event == "del" || event == "rename_from" || event == "move_from") return EventKind::Removal;
    if (event == "rename_to" || event == "restore" || event == "copy_to" || event == "move_to") {
      return EventKind::Change;
    }
    return EventKind::Ignore;
  }
  if (type & REDISMODULE_NOTIFY_HASH) {
    // Hash-field TTL changes (Redis 7.4+) do not change the value; hexpired (fields removed by
    // their TTL) does.
    if (event == "hexpire" || event == "hpersist") return EventKind::Ignore;
    return EventKind::Change;
  }
  if (type & (REDISMODULE_NOTIFY_STRING | REDISMODULE_NOTIFY_MODULE | REDISMODULE_NOTIFY_LIST |
              REDISMODULE_NOTIFY_SET | REDISMODULE_NOTIFY_ZSET | REDISMODULE_NOTIFY_STREAM)) {
    return EventKind::Change;
  }
  return EventKind::Ignore;
}

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::Hash:
      return "hash";
    case ValueType::String:
      return "string";
    case ValueType::Json:
      return "json";
    case ValueType::None:
    default:
      return "none";
  }
}

}  // namespace wb::capture

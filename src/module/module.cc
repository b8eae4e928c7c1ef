// writebehind.so entry points: RedisModule_OnLoad (API lookup, module arguments, subscriptions,
// commands) and RedisModule_OnUnload. Every callback Redis can call is wrapped here so that no C++
// exception ever unwinds into Redis.
//
// Module arguments: `prefix <p>` — the reserved key prefix (default "wb:"): registry <p>jobs,
// streams <p>stream:<job>; keys under it are never captured.
#include <exception>
#include <string>
#include <string_view>

#include "module/commands.h"
#include "module/module_state.h"
#include "module/redismodule_api.h"
#include "module/rm_handles.h"
#include "version.h"

namespace wb::capture {

namespace {

ModuleState* g_state = nullptr;

constexpr char kModuleName[] = "writebehind";

// "1.2.3" -> 10203, the integer version Redis shows in MODULE LIST.
constexpr int version_number(std::string_view v) {
  int parts[3] = {0, 0, 0};
  int i = 0;
  for (char c : v) {
    if (c == '.') {
      if (++i == 3) break;
    } else if (c >= '0' && c <= '9') {
      parts[i] = parts[i] * 10 + (c - '0');
    } else {
      break;
    }
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}
constexpr int kModuleVersion = version_number(WRITEBEHIND_VERSION);

// Every keyspace class whose events can change a captured key, plus `new` for the c/u distinction.
// Lists, sets, sorted sets and streams are subscribed so that their events, like any other, settle
// the per-key bookkeeping (a `new` waiting for its event, a removal's trailing del).
constexpr int kSubscribedClasses =
    REDISMODULE_NOTIFY_GENERIC | REDISMODULE_NOTIFY_STRING | REDISMODULE_NOTIFY_LIST |
    REDISMODULE_NOTIFY_SET | REDISMODULE_NOTIFY_HASH | REDISMODULE_NOTIFY_ZSET |
    REDISMODULE_NOTIFY_EXPIRED | REDISMODULE_NOTIFY_EVICTED | REDISMODULE_NOTIFY_STREAM |
    REDISMODULE_NOTIFY_MODULE | REDISMODULE_NOTIFY_NEW;

void log_exception(RedisModuleCtx* ctx, const char* where) {
  try {
    throw;
  } catch (const std::exception& e) {
    RedisModule_Log(ctx, "warning", "writebehind: %s: %s", where, e.what());
  } catch (...) {
    RedisModule_Log(ctx, "warning", "writebehind: %s: unknown error", where);
  }
}

int on_keyspace_event(RedisModuleCtx* ctx, int type, const char* event, RedisModuleString* key) {
  try {
    if (g_state) g_state->capture.on_keyspace_event(ctx, type, event, key);
  } catch (...) {
    log_exception(ctx, "capturing a change");
  }
  return REDISMODULE_OK;
}

// Any event after which the registry hash may differ from the in-memory view.
void on_server_event(RedisModuleCtx* ctx, RedisModuleEvent event, uint64_t subevent, void*) {
  try {
    if (!g_state) return;
    switch (event.id) {
      case REDISMODULE_EVENT_LOADING:
      case REDISMODULE_EVENT_FLUSHDB:
      case REDISMODULE_EVENT_SWAPDB:
        g_state->capture.reset_pending();
        g_state->registry.mark_dirty();
        break;
      case REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED:
        g_state->capture.reset_pending();
        g_state->registry.mark_dirty();
        if (subevent == REDISMODULE_EVENT_REPLROLECHANGED_NOW_MASTER) {
          RedisModule_Log(ctx, "notice", "writebehind: now a master, capture is active");
        }
        break;
      default:
        break;
    }
  } catch (...) {
    log_exception(ctx, "handling a server event");
  }
}

// Parses `prefix <p>`; returns false with *error set on anything else.
bool parse_module_args(RedisModuleString** argv, int argc, std::string* prefix, std::string* error) {
  *prefix = std::string(kDefaultPrefix);
  for (int i = 0; i < argc; ++i) {
    std::string_view name = rm::view(argv[i]);
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "prefix") {
      if (i + 1 >= argc) {
        *error = "module argument 'prefix' needs a value";
        return false;
      }
      std::string_view value = rm::view(argv[++i]);
      if (value.empty() || value.size() > kMaxPrefixBytes) {
        *error = "module argument 'prefix' must be 1 to " + std::to_string(kMaxPrefixBytes) + " bytes";
        return false;
      }
      *prefix = std::string(value);
    } else {
      *error = "unknown module argument '" + std::string(name.substr(0, 64)) + "' (expected: prefix <p>)";
      return false;
    }
  }
  return true;
}

int load(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  const char* missing = nullptr;
  if (!rm::init(ctx, kModuleName, kModuleVersion, &missing)) {
    if (RedisModule_Log) {
      RedisModule_Log(ctx, "warning", "writebehind: cannot load: %s",
                      missing ? missing : "module API unavailable");
    }
    return REDISMODULE_ERR;
  }
  std::string prefix, error;
  if (!parse_module_args(argv, argc, &prefix, &error)) {
    RedisModule_Log(ctx, "warning", "writebehind: %s", error.c_str());
    return REDISMODULE_ERR;
  }
  const bool post_jobs = RedisModule_AddPostNotificationJob != nullptr;
  g_state = new ModuleState(prefix, post_jobs);

  // Commands first, keyspace subscription last: a failure before it leaves no callback behind.
  if (!register_commands(ctx)) {
    RedisModule_Log(ctx, "warning", "writebehind: cannot register commands");
    return REDISMODULE_ERR;
  }
  const RedisModuleEvent events[] = {
      {REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED, 1},
      {REDISMODULE_EVENT_LOADING, 1},
      {REDISMODULE_EVENT_FLUSHDB, 1},
      {REDISMODULE_EVENT_SWAPDB, 1},
  };
  for (const RedisModuleEvent& e : events) {
    if (RedisModule_SubscribeToServerEvent(ctx, e, on_server_event) != REDISMODULE_OK) {
      RedisModule_Log(ctx, "warning", "writebehind: cannot subscribe to server event %llu",
                      static_cast<unsigned long long>(e.id));
      return REDISMODULE_ERR;
    }
  }
  if (RedisModule_SubscribeToKeyspaceEvents(ctx, kSubscribedClasses, on_keyspace_event) !=
      REDISMODULE_OK) {
    RedisModule_Log(ctx, "warning", "writebehind: cannot subscribe to keyspace events");
    return REDISMODULE_ERR;
  }
  RedisModule_Log(ctx, "notice", "writebehind %s loaded: prefix '%s', registry '%s', appends via %s",
                  WRITEBEHIND_VERSION, prefix.c_str(), g_state->registry.registry_key_name().c_str(),
                  post_jobs ? "post-notification jobs" : "RedisModule_Call from the notification");
  return REDISMODULE_OK;
}

}  // namespace

ModuleState* state() { return g_state; }
void set_state(ModuleState* s) { g_state = s; }

}  // namespace wb::capture

extern "C" __attribute__((visibility("default"))) int RedisModule_OnLoad(RedisModuleCtx* ctx,
                                                                        RedisModuleString** argv,
                                                                        int argc) {
  try {
    int rc = wb::capture::load(ctx, argv, argc);
    if (rc != REDISMODULE_OK) {
      delete wb::capture::state();
      wb::capture::set_state(nullptr);
    }
    return rc;
  } catch (...) {
    if (RedisModule_Log) wb::capture::log_exception(ctx, "loading");
    delete wb::capture::state();
    wb::capture::set_state(nullptr);
    return REDISMODULE_ERR;
  }
}

extern "C" __attribute__((visibility("default"))) int RedisModule_OnUnload(RedisModuleCtx* ctx) {
  try {
    delete wb::capture::state();
    wb::capture::set_state(nullptr);
  } catch (...) {
    wb::capture::log_exception(ctx, "unloading");
  }
  return REDISMODULE_OK;
}

// TEST-ONLY STAND-IN FOR RedisJSON. Not RedisJSON, not packaged, never shipped.
//
// RedisJSON is not packaged for Debian, so the module tests cannot load the real thing. This tiny
// module imitates exactly what writebehind.so relies on:
//  - a module data type named "ReJSON-RL" (what TYPE reports for RedisJSON documents);
//  - JSON.SET key <$|.|$.a.b|.a.b> <json> [NX|XX], JSON.GET key [path], JSON.DEL key [path],
//    JSON.NUMINCRBY key <path> <number>;
//  - RedisJSON's notification behaviour: after a change, a keyspace event of class
//    REDISMODULE_NOTIFY_MODULE named after the command ("json.set", "json.del",
//    "json.numincrby"), then RedisModule_ReplicateVerbatim. A new document is created with
//    RedisModule_ModuleTypeSetValue (so Redis fires `new`), an existing one is changed in place,
//    and deleting the root deletes the key with RedisModule_DeleteKey (no "del" event).
// Paths are only the root or dot-separated object members; JSON.GET without a path (or with a
// legacy "." path) returns the value itself, with a "$" path a one-element array, like RedisJSON.
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "module/redismodule_api.h"
#include "module/rm_handles.h"

using nlohmann::json;

// API functions only the stand-in needs (a data type, RDB/AOF, notifications), looked up by name.
static RedisModuleType* (*RedisModule_CreateDataType)(RedisModuleCtx*, const char*, int, void*);
static int (*RedisModule_ModuleTypeSetValue)(RedisModuleKey*, RedisModuleType*, void*);
static void* (*RedisModule_ModuleTypeGetValue)(RedisModuleKey*);
static void (*RedisModule_SaveStringBuffer)(RedisModuleIO*, const char*, size_t);
static char* (*RedisModule_LoadStringBuffer)(RedisModuleIO*, size_t*);
static void (*RedisModule_EmitAOF)(RedisModuleIO*, const char*, const char*, ...);
static int (*RedisModule_ReplicateVerbatim)(RedisModuleCtx*);
static int (*RedisModule_DeleteKey)(RedisModuleKey*);
static void (*RedisModule_Free)(void*);

namespace {

constexpr char kTypeName[] = "ReJSON-RL";  // exactly 9 characters, as Redis requires
constexpr int kEncodingVersion = 3;
RedisModuleType* g_json_type = nullptr;

struct Path {
  bool root = true;
  bool dollar = false;               // JSONPath ("$...") rather than legacy (".", ".a")
  std::vector<std::string> members;  // object member names from the root
};

std::optional<Path> parse_path(std::string_view p) {
  Path path;
  if (p.empty()) return std::nullopt;
  if (p[0] == '$') {
    path.dollar = true;
    p.remove_prefix(1);
  } else if (p[0] == '.') {
    if (p.size() == 1) return path;
  } else {
    path.members.emplace_back(p);  // a bare member name, legacy style
    path.root = false;
    return path;
  }
  while (!p.empty()) {
    if (p[0] != '.') return std::nullopt;
    p.remove_prefix(1);
    std::size_t end = p.find('.');
    std::string_view name = p.substr(0, end);
    if (name.empty()) return std::nullopt;
    path.members.emplace_back(name);
    p = end == std::string_view::npos ? std::string_view() : p.substr(end);
  }
  path.root = path.members.empty();
  return path;
}

// The value at `path`, or nullptr.
json* find(json& doc, const Path& path) {
  json* v = &doc;
  for (const std::string& m : path.members) {
    if (!v->is_object()) return nullptr;
    auto it = v->find(m);
    if (it == v->end()) return nullptr;
    v = &*it;
  }
  return v;
}

int error(RedisModuleCtx* ctx, const std::string& msg) {
  return RedisModule_ReplyWithError(ctx, ("ERR " + msg).c_str());
}

int reply_text(RedisModuleCtx* ctx, const std::string& s) {
  return RedisModule_ReplyWithStringBuffer(ctx, s.data(), s.size());
}

// Opens key for writing; sets *doc to its document (nullptr if the key is empty). False if the key
// holds another type.
bool open_doc(RedisModuleKey* key, json** doc) {
  int type = RedisModule_KeyType(key);
  if (type == REDISMODULE_KEYTYPE_EMPTY) {
    *doc = nullptr;
    return true;
  }
  if (type != REDISMODULE_KEYTYPE_MODULE || RedisModule_ModuleTypeGetType(key) != g_json_type) {
    return false;
  }
  *doc = static_cast<json*>(RedisModule_ModuleTypeGetValue(key));
  return true;
}

void changed(RedisModuleCtx* ctx, const char* event, RedisModuleString* key) {
  RedisModule_NotifyKeyspaceEvent(ctx, REDISMODULE_NOTIFY_MODULE, event, key);
  RedisModule_ReplicateVerbatim(ctx);
}

int json_set(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc != 4 && argc != 5) return RedisModule_WrongArity(ctx);
  auto path = parse_path(wb::rm::view(argv[2]));
  if (!path) return error(ctx, "bad path");
  bool nx = false, xx = false;
  if (argc == 5) {
    std::string cond(wb::rm::view(argv[4]));
    for (char& c : cond) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
    nx = cond == "NX";
    xx = cond == "XX";
    if (!nx && !xx) return error(ctx, "syntax error");
  }
  json value = json::parse(wb::rm::view(argv[3]));  // throws on bad JSON -> error reply
  wb::rm::Key key(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
  json* doc = nullptr;
  if (!open_doc(key.get(), &doc)) {
    return RedisModule_ReplyWithError(ctx, "WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  if (doc == nullptr) {
    if (!path->root) return error(ctx, "new objects must be created at the root");
    if (xx) return RedisModule_ReplyWithNull(ctx);
    RedisModule_ModuleTypeSetValue(key.get(), g_json_type, new json(std::move(value)));
  } else if (path->root) {
    if (nx) return RedisModule_ReplyWithNull(ctx);
    *doc = std::move(value);
  } else {
    Path parent = *path;
    std::string member = parent.members.back();
    parent.members.pop_back();
    json* target = find(*doc, parent);
    if (target == nullptr || !target->is_object()) return RedisModule_ReplyWithNull(ctx);
    bool exists = target->contains(member);
    if ((nx && exists) || (xx && !exists)) return RedisModule_ReplyWithNull(ctx);
    (*target)[member] = std::move(value);
  }
  changed(ctx, "json.set", argv[1]);
  return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

int json_get(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc != 2 && argc != 3) return RedisModule_WrongArity(ctx);
  Path path;
  if (argc == 3) {
    auto parsed = parse_path(wb::rm::view(argv[2]));
    if (!parsed) return error(ctx, "bad path");
    path = *parsed;
  }
  wb::rm::Key key(ctx, argv[1], REDISMODULE_READ);
  json* doc = nullptr;
  if (key.get() == nullptr) return RedisModule_ReplyWithNull(ctx);
  if (!open_doc(key.get(), &doc)) {
    return RedisModule_ReplyWithError(ctx, "WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  if (doc == nullptr) return RedisModule_ReplyWithNull(ctx);
  json* v = find(*doc, path);
  if (path.dollar) return reply_text(ctx, v ? json::array({*v}).dump() : std::string("[]"));
  if (v == nullptr) return error(ctx, "Path does not exist");
  return reply_text(ctx, v->dump());
}

int json_del(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc != 2 && argc != 3) return RedisModule_WrongArity(ctx);
  Path path;
  if (argc == 3) {
    auto parsed = parse_path(wb::rm::view(argv[2]));
    if (!parsed) return error(ctx, "bad path");
    path = *parsed;
  }
  wb::rm::Key key(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
  json* doc = nullptr;
  if (!open_doc(key.get(), &doc)) {
    return RedisModule_ReplyWithError(ctx, "WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  if (doc == nullptr) return RedisModule_ReplyWithLongLong(ctx, 0);
  if (path.root) {
    RedisModule_DeleteKey(key.get());
  } else {
    Path parent = path;
    std::string member = parent.members.back();
    parent.members.pop_back();
    json* target = find(*doc, parent);
    if (target == nullptr || !target->is_object() || target->erase(member) == 0) {
      return RedisModule_ReplyWithLongLong(ctx, 0);
    }
  }
  changed(ctx, "json.del", argv[1]);
  return RedisModule_ReplyWithLongLong(ctx, 1);
}

int json_numincrby(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc != 4) return RedisModule_WrongArity(ctx);
  auto path = parse_path(wb::rm::view(argv[2]));
  if (!path) return error(ctx, "bad path");
  json by = json::parse(wb::rm::view(argv[3]));
  if (!by.is_number()) return error(ctx, "bad number");
  wb::rm::Key key(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
  json* doc = nullptr;
  if (!open_doc(key.get(), &doc)) {
    return RedisModule_ReplyWithError(ctx, "WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  if (doc == nullptr) return error(ctx, "could not perform this operation on a key that doesn't exist");
  json* v = find(*doc, *path);
  if (v == nullptr || !v->is_number()) return error(ctx, "Path does not exist or is not a number");
  if (v->is_number_integer() && by.is_number_integer()) {
    *v = v->get<long long>() + by.get<long long>();
  } else {
    *v = v->get<double>() + by.get<double>();
  }
  changed(ctx, "json.numincrby", argv[1]);
  return reply_text(ctx, path->dollar ? json::array({*v}).dump() : v->dump());
}

void* rdb_load(RedisModuleIO* rdb, int encver) {
  if (encver != kEncodingVersion) return nullptr;
  size_t len = 0;
  char* buf = RedisModule_LoadStringBuffer(rdb, &len);
  if (buf == nullptr) return nullptr;
  try {
    auto* doc = new json(json::parse(std::string_view(buf, len)));
    RedisModule_Free(buf);
    return doc;
  } catch (...) {
    RedisModule_Free(buf);
    return nullptr;
  }
}

void rdb_save(RedisModuleIO* rdb, void* value) {
  std::string text = static_cast<json*>(value)->dump();
  RedisModule_SaveStringBuffer(rdb, text.data(), text.size());
}

void aof_rewrite(RedisModuleIO* aof, RedisModuleString* key, void* value) {
  std::string text = static_cast<json*>(value)->dump();
  RedisModule_EmitAOF(aof, "JSON.SET", "scb", key, "$", text.data(), text.size());
}

size_t mem_usage(const void* value) { return static_cast<const json*>(value)->dump().size(); }

void free_value(void* value) { delete static_cast<json*>(value); }

template <int (*Command)(RedisModuleCtx*, RedisModuleString**, int)>
int guarded(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  try {
    return Command(ctx, argv, argc);
  } catch (const std::exception& e) {
    return error(ctx, e.what());
  } catch (...) {
    return error(ctx, "internal error");
  }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int RedisModule_OnLoad(RedisModuleCtx* ctx,
                                                                        RedisModuleString**, int) {
  if (!wb::rm::init(ctx, "jsonstandin", 1)) return REDISMODULE_ERR;
  bool ok = wb::rm::load_api("CreateDataType", &RedisModule_CreateDataType) &&
            wb::rm::load_api("ModuleTypeSetValue", &RedisModule_ModuleTypeSetValue) &&
            wb::rm::load_api("ModuleTypeGetValue", &RedisModule_ModuleTypeGetValue) &&
            wb::rm::load_api("SaveStringBuffer", &RedisModule_SaveStringBuffer) &&
            wb::rm::load_api("LoadStringBuffer", &RedisModule_LoadStringBuffer) &&
            wb::rm::load_api("EmitAOF", &RedisModule_EmitAOF) &&
            wb::rm::load_api("ReplicateVerbatim", &RedisModule_ReplicateVerbatim) &&
            wb::rm::load_api("DeleteKey", &RedisModule_DeleteKey) &&
            wb::rm::load_api("Free", &RedisModule_Free);
  if (!ok) return REDISMODULE_ERR;

  RedisModuleTypeMethodsV1 methods{};
  methods.version = REDISMODULE_TYPE_METHOD_VERSION_1;
  methods.rdb_load = rdb_load;
  methods.rdb_save = rdb_save;
  methods.aof_rewrite = aof_rewrite;
  methods.mem_usage = mem_usage;
  methods.free = free_value;
  g_json_type = RedisModule_CreateDataType(ctx, kTypeName, kEncodingVersion, &methods);
  if (g_json_type == nullptr) return REDISMODULE_ERR;

  struct {
    const char* name;
    RedisModuleCmdFunc fn;
    const char* flags;
  } commands[] = {
      {"json.set", guarded<json_set>, "write deny-oom"},
      {"json.get", guarded<json_get>, "readonly"},
      {"json.del", guarded<json_del>, "write"},
      {"json.numincrby", guarded<json_numincrby>, "write"},
  };
  for (const auto& c : commands) {
    if (RedisModule_CreateCommand(ctx, c.name, c.fn, c.flags, 1, 1, 1) != REDISMODULE_OK) {
      return REDISMODULE_ERR;
    }
  }
  return REDISMODULE_OK;
}

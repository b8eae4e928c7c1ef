// The project's own declaration of the Redis module API: exactly the types, constants and functions
// that writebehind.so (and the test-only JSON stand-in) use, written from the documented module API.
// No Debian package ships redismodule.h, and a hand-written subset keeps the ABI surface small and
// reviewable.
//
// How the ABI works: Redis passes RedisModule_OnLoad a context whose first word is the address of
// RedisModule_GetApi. Every other API function is looked up by name through it ("RedisModule_X")
// and stored in a function pointer named RedisModule_X. wb::rm::init() does that for the list below
// and fails the load if any required function is missing; optional functions (newer than Redis 7.0)
// stay nullptr when the server does not have them.
//
// The values of the constants are part of the Redis ABI and never change between versions.
#pragma once
#include <cstddef>
#include <cstdint>

extern "C" {

// ---- Opaque handles -------------------------------------------------------------------------------
typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleKey RedisModuleKey;
typedef struct RedisModuleString RedisModuleString;
typedef struct RedisModuleCallReply RedisModuleCallReply;
typedef struct RedisModuleScanCursor RedisModuleScanCursor;
typedef struct RedisModuleType RedisModuleType;
typedef struct RedisModuleIO RedisModuleIO;
typedef struct RedisModuleDigest RedisModuleDigest;

// A stream entry ID (RedisModule_StreamAdd).
typedef struct RedisModuleStreamID {
  uint64_t ms;
  uint64_t seq;
} RedisModuleStreamID;

// ---- Status and API version ---------------------------------------------------------------------
#define REDISMODULE_OK 0
#define REDISMODULE_ERR 1
#define REDISMODULE_APIVER_1 1

// ---- OpenKey modes ------------------------------------------------------------------------------
#define REDISMODULE_READ (1 << 0)
#define REDISMODULE_WRITE (1 << 1)
#define REDISMODULE_OPEN_KEY_NOTOUCH (1 << 16)  // do not touch the key's LRU/LFU

// ---- Key types (RedisModule_KeyType) ------------------------------------------------------------
#define REDISMODULE_KEYTYPE_EMPTY 0
#define REDISMODULE_KEYTYPE_STRING 1
#define REDISMODULE_KEYTYPE_LIST 2
#define REDISMODULE_KEYTYPE_HASH 3
#define REDISMODULE_KEYTYPE_SET 4
#define REDISMODULE_KEYTYPE_ZSET 5
#define REDISMODULE_KEYTYPE_MODULE 6
#define REDISMODULE_KEYTYPE_STREAM 7

// ---- Call reply types ---------------------------------------------------------------------------
#define REDISMODULE_REPLY_UNKNOWN -1
#define REDISMODULE_REPLY_STRING 0
#define REDISMODULE_REPLY_ERROR 1
#define REDISMODULE_REPLY_INTEGER 2
#define REDISMODULE_REPLY_ARRAY 3
#define REDISMODULE_REPLY_NULL 4

// ---- Stream API -------------------------------------------------------------------------------
#define REDISMODULE_STREAM_ADD_AUTOID (1 << 0)  // the ID is generated as by XADD *

// ---- Context flags (RedisModule_GetContextFlags) ------------------------------------------------
#define REDISMODULE_CTX_FLAGS_LUA (1 << 0)
#define REDISMODULE_CTX_FLAGS_MULTI (1 << 1)
#define REDISMODULE_CTX_FLAGS_MASTER (1 << 2)
#define REDISMODULE_CTX_FLAGS_SLAVE (1 << 3)
#define REDISMODULE_CTX_FLAGS_READONLY (1 << 4)
#define REDISMODULE_CTX_FLAGS_LOADING (1 << 13)
#define REDISMODULE_CTX_FLAGS_ASYNC_LOADING (1 << 23)

// ---- Keyspace notification classes --------------------------------------------------------------
#define REDISMODULE_NOTIFY_GENERIC (1 << 2)   // del, rename_from/to, expire, restore, copy_to, move_*
#define REDISMODULE_NOTIFY_STRING (1 << 3)
#define REDISMODULE_NOTIFY_LIST (1 << 4)
#define REDISMODULE_NOTIFY_SET (1 << 5)
#define REDISMODULE_NOTIFY_HASH (1 << 6)
#define REDISMODULE_NOTIFY_ZSET (1 << 7)
#define REDISMODULE_NOTIFY_EXPIRED (1 << 8)
#define REDISMODULE_NOTIFY_EVICTED (1 << 9)
#define REDISMODULE_NOTIFY_STREAM (1 << 10)
#define REDISMODULE_NOTIFY_MODULE (1 << 13)   // events fired by modules (RedisJSON: json.*)
#define REDISMODULE_NOTIFY_NEW (1 << 14)      // a key was added to the keyspace (Redis 7.0+)

// ---- Server events (RedisModule_SubscribeToServerEvent) -----------------------------------------
#define REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED 0
#define REDISMODULE_EVENT_FLUSHDB 2
#define REDISMODULE_EVENT_LOADING 3
#define REDISMODULE_EVENT_SWAPDB 11

#define REDISMODULE_EVENT_REPLROLECHANGED_NOW_MASTER 0
#define REDISMODULE_EVENT_REPLROLECHANGED_NOW_REPLICA 1
#define REDISMODULE_SUBEVENT_LOADING_RDB_START 0
#define REDISMODULE_SUBEVENT_LOADING_AOF_START 1
#define REDISMODULE_SUBEVENT_LOADING_REPL_START 2
#define REDISMODULE_SUBEVENT_LOADING_ENDED 3
#define REDISMODULE_SUBEVENT_LOADING_FAILED 4
#define REDISMODULE_SUBEVENT_FLUSHDB_START 0
#define REDISMODULE_SUBEVENT_FLUSHDB_END 1

typedef struct RedisModuleEvent {
  uint64_t id;       // REDISMODULE_EVENT_*
  uint64_t dataver;  // version of the structure passed as the callback's data
} RedisModuleEvent;

// ---- Module data types (used by the test-only JSON stand-in) ------------------------------------
// Version 1 of the method table: enough for RDB, AOF rewrite, MEMORY USAGE and DEBUG DIGEST.
#define REDISMODULE_TYPE_METHOD_VERSION_1 1

typedef void* (*RedisModuleTypeLoadFunc)(RedisModuleIO* rdb, int encver);
typedef void (*RedisModuleTypeSaveFunc)(RedisModuleIO* rdb, void* value);
typedef void (*RedisModuleTypeRewriteFunc)(RedisModuleIO* aof, RedisModuleString* key, void* value);
typedef size_t (*RedisModuleTypeMemUsageFunc)(const void* value);
typedef void (*RedisModuleTypeDigestFunc)(RedisModuleDigest* digest, void* value);
typedef void (*RedisModuleTypeFreeFunc)(void* value);

typedef struct RedisModuleTypeMethodsV1 {
  uint64_t version;  // REDISMODULE_TYPE_METHOD_VERSION_1
  RedisModuleTypeLoadFunc rdb_load;
  RedisModuleTypeSaveFunc rdb_save;
  RedisModuleTypeRewriteFunc aof_rewrite;
  RedisModuleTypeMemUsageFunc mem_usage;
  RedisModuleTypeDigestFunc digest;
  RedisModuleTypeFreeFunc free;
} RedisModuleTypeMethodsV1;

// ---- Callback types -----------------------------------------------------------------------------
typedef int (*RedisModuleCmdFunc)(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
typedef int (*RedisModuleNotificationFunc)(RedisModuleCtx* ctx, int type, const char* event,
                                           RedisModuleString* key);
typedef void (*RedisModuleEventCallback)(RedisModuleCtx* ctx, RedisModuleEvent eid, uint64_t subevent,
                                         void* data);
typedef void (*RedisModuleScanKeyCB)(RedisModuleKey* key, RedisModuleString* field,
                                     RedisModuleString* value, void* privdata);
typedef void (*RedisModulePostNotificationJobFunc)(RedisModuleCtx* ctx, void* pd);
typedef void (*RedisModuleFreeFunc)(void* ptr);

}  // extern "C"

// ---- The functions, as (return type, name, parameter list) -------------------------------------
// Required by writebehind.so: a missing one fails the load.
#define WB_REDISMODULE_REQUIRED_API(X)                                                               \
  X(int, CreateCommand,                                                                              \
    (RedisModuleCtx*, const char*, RedisModuleCmdFunc, const char*, int, int, int))                  \
  X(void, SetModuleAttribs, (RedisModuleCtx*, const char*, int, int))                               \
  X(int, IsModuleNameBusy, (const char*))                                                            \
  X(int, WrongArity, (RedisModuleCtx*))                                                              \
  X(int, ReplyWithLongLong, (RedisModuleCtx*, long long))                                            \
  X(int, ReplyWithError, (RedisModuleCtx*, const char*))                                             \
  X(int, ReplyWithSimpleString, (RedisModuleCtx*, const char*))                                      \
  X(int, ReplyWithArray, (RedisModuleCtx*, long))                                                    \
  X(int, ReplyWithStringBuffer, (RedisModuleCtx*, const char*, size_t))                              \
  X(int, ReplyWithString, (RedisModuleCtx*, RedisModuleString*))                                     \
  X(int, ReplyWithNull, (RedisModuleCtx*))                                                           \
  X(int, ReplyWithCallReply, (RedisModuleCtx*, RedisModuleCallReply*))                               \
  X(int, GetSelectedDb, (RedisModuleCtx*))                                                           \
  X(int, SelectDb, (RedisModuleCtx*, int))                                                           \
  X(int, GetContextFlags, (RedisModuleCtx*))                                                         \
  X(RedisModuleKey*, OpenKey, (RedisModuleCtx*, RedisModuleString*, int))                            \
  X(void, CloseKey, (RedisModuleKey*))                                                               \
  X(int, KeyType, (RedisModuleKey*))                                                                 \
  X(size_t, ValueLength, (RedisModuleKey*))                                                          \
  X(RedisModuleType*, ModuleTypeGetType, (RedisModuleKey*))                                          \
  X(RedisModuleScanCursor*, ScanCursorCreate, (void))                                                \
  X(void, ScanCursorDestroy, (RedisModuleScanCursor*))                                               \
  X(void, ScanCursorRestart, (RedisModuleScanCursor*))                                               \
  X(int, ScanKey, (RedisModuleKey*, RedisModuleScanCursor*, RedisModuleScanKeyCB, void*))            \
  X(int, StreamAdd,                                                                                  \
    (RedisModuleKey*, int, RedisModuleStreamID*, RedisModuleString**, int64_t))                      \
  X(int, NotifyKeyspaceEvent, (RedisModuleCtx*, int, const char*, RedisModuleString*))               \
  X(int, Replicate, (RedisModuleCtx*, const char*, const char*, ...))                                \
  X(RedisModuleCallReply*, Call, (RedisModuleCtx*, const char*, const char*, ...))                   \
  X(void, FreeCallReply, (RedisModuleCallReply*))                                                    \
  X(int, CallReplyType, (RedisModuleCallReply*))                                                     \
  X(long long, CallReplyInteger, (RedisModuleCallReply*))                                            \
  X(size_t, CallReplyLength, (RedisModuleCallReply*))                                                \
  X(RedisModuleCallReply*, CallReplyArrayElement, (RedisModuleCallReply*, size_t))                   \
  X(const char*, CallReplyStringPtr, (RedisModuleCallReply*, size_t*))                               \
  X(RedisModuleString*, CreateStringFromCallReply, (RedisModuleCallReply*))                          \
  X(RedisModuleString*, CreateString, (RedisModuleCtx*, const char*, size_t))                        \
  X(RedisModuleString*, CreateStringFromLongLong, (RedisModuleCtx*, long long))                      \
  X(void, FreeString, (RedisModuleCtx*, RedisModuleString*))                                         \
  X(void, RetainString, (RedisModuleCtx*, RedisModuleString*))                                       \
  X(const char*, StringPtrLen, (const RedisModuleString*, size_t*))                                  \
  X(void, Log, (RedisModuleCtx*, const char*, const char*, ...))                                     \
  X(long long, Milliseconds, (void))                                                                 \
  X(int, SubscribeToKeyspaceEvents, (RedisModuleCtx*, int, RedisModuleNotificationFunc))             \
  X(int, SubscribeToServerEvent, (RedisModuleCtx*, RedisModuleEvent, RedisModuleEventCallback))

// Optional: newer than Redis 7.0. nullptr when the server does not export them.
#define WB_REDISMODULE_OPTIONAL_API(X)                                                               \
  X(int, AddPostNotificationJob,                                                                     \
    (RedisModuleCtx*, RedisModulePostNotificationJobFunc, void*, RedisModuleFreeFunc)) /* 7.2+ */

#define WB_REDISMODULE_DECLARE_POINTER(ret, name, params) extern ret(*RedisModule_##name) params;
WB_REDISMODULE_REQUIRED_API(WB_REDISMODULE_DECLARE_POINTER)
WB_REDISMODULE_OPTIONAL_API(WB_REDISMODULE_DECLARE_POINTER)
extern int (*RedisModule_GetApi)(const char*, void*);

namespace wb::rm {

// Fills RedisModule_GetApi from the load context, then every function pointer above, then
// registers the module under `name`. Returns false (with a reason in *missing when given) if a
// required function is absent or the name is taken; optional functions never fail the load.
bool init(RedisModuleCtx* ctx, const char* name, int version, const char** missing = nullptr);

// Looks up one more API function by name (without the "RedisModule_" prefix) into *fn; for modules
// that need functions beyond the lists above (the JSON stand-in). False if the server lacks it.
template <typename Fn>
bool load_api(const char* name, Fn* fn);

bool load_api_raw(const char* name, void* fn_pointer_address);

template <typename Fn>
bool load_api(const char* name, Fn* fn) {
  return load_api_raw(name, static_cast<void*>(fn));
}

}  // namespace wb::rm

// Definitions of the RedisModule_* function pointers declared in redismodule_api.h, and the loader
// that fills them through RedisModule_GetApi at load time.
#include "module/redismodule_api.h"

#define WB_REDISMODULE_DEFINE_POINTER(ret, name, params) ret(*RedisModule_##name) params = nullptr;
WB_REDISMODULE_REQUIRED_API(WB_REDISMODULE_DEFINE_POINTER)
WB_REDISMODULE_OPTIONAL_API(WB_REDISMODULE_DEFINE_POINTER)
int (*RedisModule_GetApi)(const char*, void*) = nullptr;

namespace wb::rm {

namespace {
constexpr char kApiPrefix[] = "RedisModule_";
}

bool init(RedisModuleCtx* ctx, const char* name, int version, const char** missing) {
  // The first member of every module context is the address of RedisModule_GetApi (module ABI).
  void* get_api = reinterpret_cast<void**>(ctx)[0];
  RedisModule_GetApi = reinterpret_cast<int (*)(const char*, void*)>(get_api);
  if (RedisModule_GetApi == nullptr) {
    if (missing) *missing = "GetApi";
    return false;
  }

#define WB_REDISMODULE_LOAD_REQUIRED(ret, fn, params)                                          \
  if (RedisModule_GetApi("RedisModule_" #fn, reinterpret_cast<void*>(&RedisModule_##fn)) !=  \
      REDISMODULE_OK) {                                                                     \
    if (missing) *missing = #fn;                                                            \
    return false;                                                                           \
  }
  WB_REDISMODULE_REQUIRED_API(WB_REDISMODULE_LOAD_REQUIRED)
#undef WB_REDISMODULE_LOAD_REQUIRED

#define WB_REDISMODULE_LOAD_OPTIONAL(ret, fn, params)                                     \
  if (RedisModule_GetApi("RedisModule_" #fn, reinterpret_cast<void*>(&RedisModule_##fn)) != \
      REDISMODULE_OK) {                                                                  \
    RedisModule_##fn = nullptr;                                                          \
  }
  WB_REDISMODULE_OPTIONAL_API(WB_REDISMODULE_LOAD_OPTIONAL)
#undef WB_REDISMODULE_LOAD_OPTIONAL

  if (RedisModule_IsModuleNameBusy(name)) {
    if (missing) *missing = "module name already in use";
    return false;
  }
  RedisModule_SetModuleAttribs(ctx, name, version, REDISMODULE_APIVER_1);
  return true;
}

bool load_api_raw(const char* name, void* fn_pointer_address) {
  if (RedisModule_GetApi == nullptr) return false;
  char full[128];
  size_t n = 0;
  for (const char* p = kApiPrefix; *p && n + 1 < sizeof(full); ++p) full[n++] = *p;
  for (const char* p = name; *p && n + 1 < sizeof(full); ++p) full[n++] = *p;
  full[n] = '\0';
  return RedisModule_GetApi(full, fn_pointer_address) == REDISMODULE_OK;
}

}  // namespace wb::rm

// The module's commands: WB.JOB.SET, WB.JOB.DEL, WB.JOB.LIST, WB.STREAM, WB.INFO (see README.md).
#pragma once
#include "module/redismodule_api.h"

namespace wb::capture {

// Registers every command; false if Redis refused one.
bool register_commands(RedisModuleCtx* ctx);

}  // namespace wb::capture

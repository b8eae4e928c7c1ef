// The module's process-wide state: the registry view and the capture engine. Created by
// RedisModule_OnLoad, destroyed by RedisModule_OnUnload. Redis runs all module callbacks on its
// main thread, one at a time, so nothing here needs a lock.
#pragma once
#include <string>

#include "module/capture.h"
#include "module/registry.h"

namespace wb::capture {

struct ModuleState {
  ModuleState(std::string prefix, bool use_post_notification_jobs)
      : registry(std::move(prefix)), capture(&registry, use_post_notification_jobs) {}
  Registry registry;
  Capture capture;
};

// The live state; nullptr before load and after unload.
ModuleState* state();
void set_state(ModuleState* s);

}  // namespace wb::capture

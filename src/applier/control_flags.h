// Operator flags in Redis that the workers obey, written by the CLI (`writebehind stop|start
// --job`): hash <prefix>control, field paused:<job> (a JSON note of who paused it and when) while
// the job is paused. Shared by the applier, the CLI and the status readers (metrics/ops_keys.h).
#pragma once
#include <string>
#include <string_view>

namespace wb::applier {

inline std::string control_key(std::string_view prefix) { return std::string(prefix) + "control"; }
inline std::string paused_field(std::string_view job) { return "paused:" + std::string(job); }

}  // namespace wb::applier

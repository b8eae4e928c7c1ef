// Deploy-time refusal of targets this build cannot write (see supported_targets.h).
#include "config/supported_targets.h"

#include <algorithm>

namespace wb::config {

bool can_write_to(ConnectionType type) {
  return std::find(kWritableTargets.begin(), kWritableTargets.end(), type) != kWritableTargets.end();
}

Diagnostics check_deployable(const Pipeline& pipeline) {
  Diagnostics diags;
  for (const auto& job : pipeline.jobs) {
    for (size_t i = 0; i < job.outputs.size(); ++i) {
      const Output& out = job.outputs[i];
      const Connection* c = pipeline.find_connection(out.connection());
      if (c == nullptr || can_write_to(c->type)) continue;
      diags.error(out.connection_pos, "output[" + std::to_string(i) + "].with.connection",
                  "job \"" + job.name + "\" writes to connection \"" + c->name + "\" (" +
                      std::string(to_string(c->type)) + "): not supported yet by this build");
    }
  }
  diags.sort();
  return diags;
}

}  // namespace wb::config

// Small helpers of the job plan (see job_plan.h).
#include "applier/job_plan.h"

#include <unistd.h>

namespace wb::applier {

const char* to_string(LoadStrategy s) {
  switch (s) {
    case LoadStrategy::Append: return "APPEND";
    case LoadStrategy::Replace: return "REPLACE";
    case LoadStrategy::Upsert: return "UPSERT";
    case LoadStrategy::Type2: return "TYPE2";
  }
  return "?";
}

std::string default_instance_id() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "writebehind");
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace wb::applier

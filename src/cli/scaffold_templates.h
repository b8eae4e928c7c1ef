// The files `writebehind scaffold` writes for a target type: a commented config.yaml (the
// connection, every applier field with its default) and one example job for that target.
// Every scaffold validates as written (tests/cli checks each type).
#pragma once
#include <string>
#include <vector>

#include "config/pipeline.h"

namespace wb::cli {

struct ScaffoldFile {
  std::string path;  // relative: config.yaml, jobs/users.yaml
  std::string content;
};

std::vector<ScaffoldFile> scaffold_files(config::ConnectionType type);

}  // namespace wb::cli

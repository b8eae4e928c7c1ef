// A position in a pipeline file, for messages: every finding of the loader and every later error
// about a job (an expression that does not compile, a column the table lacks) names file:line:col.
#pragma once
#include <string>

namespace wb::config {

struct SourcePos {
  std::string file;  // relative to the pipeline directory: "config.yaml", "jobs/emp.yaml"
  int line = 0;      // 1-based; 0 when unknown (a missing file, a pipeline-wide finding)
  int column = 0;    // 1-based

  // "jobs/emp.yaml:12:7", or just the file when the line is unknown.
  std::string to_string() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

}  // namespace wb::config

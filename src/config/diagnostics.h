// Findings of validation, collected in full (never stopping at the first) and printed one per line:
//   jobs/emp.yaml:12:7: output[0].with.keys: expected a list of column names or {column: source_path}, found a string
//   config.yaml:9:3: warning: applier.dedup: has no effect in write-behind (accepted for RDI compatibility)
// Errors make a pipeline unusable; warnings do not.
#pragma once
#include <string>
#include <vector>

#include "config/source_pos.h"

namespace wb::config {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string path;                // field path, e.g. output[0].with.keys; empty for file-level findings
  std::string message;             // e.g. "expected a list of column names ..., found a string"
  std::vector<std::string> notes;  // extra lines (an expression with a caret under the culprit)

  // The finding as printed: "file:line:col: [warning: ]path: message", each note on its own
  // line indented by four spaces.
  std::string to_string() const;
};

class Diagnostics {
 public:
  void error(SourcePos pos, std::string path, std::string message, std::vector<std::string> notes = {});
  void warning(SourcePos pos, std::string path, std::string message, std::vector<std::string> notes = {});
  void add(Diagnostic d);
  void append(const Diagnostics& other);

  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return list_.size() - errors_; }
  bool empty() const { return list_.empty(); }
  const std::vector<Diagnostic>& all() const { return list_; }

  // Puts findings in reading order: config.yaml first, then the jobs by file name, each by line
  // and column (stable, so findings at one position keep the order they were found in).
  void sort();
  // Every finding, one per line (with notes), each line ending in '\n'.
  std::string to_string() const;

 private:
  std::vector<Diagnostic> list_;
  size_t errors_ = 0;
};

}  // namespace wb::config

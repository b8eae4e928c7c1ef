// Loading a pipeline: from a directory (validate, deploy, `run --dir`) or from the files deployed
// in Redis (list-jobs, describe-job, run). Both go through the same in-memory form, PipelineFiles,
// so a deployed pipeline is validated exactly like the directory it came from.
#pragma once
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include "config/diagnostics.h"
#include "config/expression_checks.h"
#include "config/pipeline.h"

namespace wb::config {

inline constexpr std::string_view kConfigFileName = "config.yaml";
inline constexpr std::string_view kJobsDirName = "jobs";
inline constexpr size_t kMaxPipelineFileBytes = 1 << 20;  // a pipeline file larger than this is a mistake

// Relative path ("config.yaml", "jobs/emp.yaml") -> file content.
using PipelineFiles = std::map<std::string, std::string>;

// A pipeline directory that cannot be read at all (absent, unreadable, a file too large).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// config.yaml (if present) and jobs/*.yaml, jobs/*.yml; other files are not part of a pipeline.
// Throws ConfigError when dir is not a readable directory.
PipelineFiles read_pipeline_dir(const std::filesystem::path& dir);

struct LoadOptions {
  // Syntax checks for expressions; nullptr: none (presence is always checked).
  const ExpressionCheckers* checkers = &default_expression_checkers();
};

struct LoadResult {
  Pipeline pipeline;        // complete when ok(); otherwise whatever could be read
  Diagnostics diagnostics;  // sorted: config.yaml first, then jobs by name, by line and column
  bool ok() const { return !diagnostics.has_errors(); }
};

LoadResult load_pipeline(const PipelineFiles& files, const LoadOptions& options = {});
LoadResult load_pipeline_dir(const std::filesystem::path& dir, const LoadOptions& options = {});

// "jobs/emp.yaml" -> "emp"; "" when path is not a job file.
std::string job_name_of(const std::string& path);

}  // namespace wb::config

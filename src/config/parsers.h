// Internal to the loader: the parsers of config.yaml and of one job file, and the checks across
// files. Each reports every problem it finds into the file's diagnostics and builds as much of the
// model as it could read, so that later checks (expressions, cross-file) still run.
#pragma once
#include <set>
#include <string>

#include "config/pipeline.h"
#include "config/yaml_file.h"

namespace wb::config::detail {

struct ConfigFileFacts {
  // Every connection name written in config.yaml, including those whose definition has errors
  // (so that a job naming one is not also told that it does not exist).
  std::set<std::string> declared_connections;
  // False when config.yaml or its connections could not be read at all: jobs are then not told
  // that their connection does not exist (that would only repeat the first error).
  bool connections_readable = false;
};

// Fills pipeline.connections and pipeline.applier from a parsed config.yaml.
void parse_config_file(YamlFile& file, Pipeline& pipeline, ConfigFileFacts& facts);

// Reads a parsed job file. job.name and job.file are set by the caller.
void parse_job_file(YamlFile& file, Job& job);

// Checks between files: each output's connection exists and fits its writer; targets this build
// cannot write yet are warned about.
void cross_check(const Pipeline& pipeline, const ConfigFileFacts& facts, Diagnostics& diags);

}  // namespace wb::config::detail

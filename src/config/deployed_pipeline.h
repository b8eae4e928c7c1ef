// The deployed pipeline in Redis: hash <prefix>pipeline, one field per file (relative path ->
// content, secrets unresolved) plus "@checksum" (SHA-256 over every path and content) so that an
// applier notices a redeploy by reading one field. Written in one MULTI/EXEC: an applier sees the
// old pipeline or the new one, never a mix.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/redis_connection.h"
#include "config/loader.h"

namespace wb::config {

inline constexpr std::string_view kDefaultKeyPrefix = "wb:";
inline constexpr std::string_view kPipelineKeySuffix = "pipeline";
inline constexpr std::string_view kChecksumField = "@checksum";        // not a file: files never start with '@'
inline constexpr std::string_view kDeployedAtField = "@deployed_at_ms";
// The absolute directory the pipeline was deployed from: relative paths in it (a SQLite database
// file) mean paths relative to that directory, wherever the applier runs.
inline constexpr std::string_view kDirectoryField = "@directory";

std::string pipeline_key(std::string_view prefix = kDefaultKeyPrefix);  // "wb:pipeline"

// Hex SHA-256 over the files, in path order (independent of when or where they were read).
std::string pipeline_checksum(const PipelineFiles& files);

struct DeployedPipeline {
  PipelineFiles files;
  std::string checksum;
  long long deployed_at_ms = 0;
  std::string directory;  // absolute; empty when the deployer gave none
};

// The key prefix the capture module was loaded with (WB.INFO "prefix"), or kDefaultKeyPrefix when
// the module does not answer. Everything under the reserved prefix follows it, the pipeline too.
std::string fetch_module_key_prefix(RedisConnection& redis);

// Replaces the deployed pipeline with files. Throws RedisConnectionError / RedisReplyError.
// directory: where the files were read from (absolute), stored as kDirectoryField when not empty.
void store_pipeline(RedisConnection& redis, const PipelineFiles& files, std::string_view prefix = kDefaultKeyPrefix,
                    const std::string& directory = "");

// The deployed pipeline, or nullopt when none was deployed.
std::optional<DeployedPipeline> fetch_pipeline(RedisConnection& redis, std::string_view prefix = kDefaultKeyPrefix);

// Only the checksum (cheap to poll), or nullopt when none was deployed.
std::optional<std::string> fetch_pipeline_checksum(RedisConnection& redis,
                                                   std::string_view prefix = kDefaultKeyPrefix);

}  // namespace wb::config

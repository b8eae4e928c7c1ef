// Shared plumbing of the subcommands (see cli_support.h).
#include "cli/cli_support.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "config/deployed_pipeline.h"

namespace wb::cli {

void add_redis_option(CLI::App* command, std::string* url) {
  command->add_option("--redis", *url,
                      "Redis URL redis://[user:password@]host:port[/db] (default: $WRITEBEHIND_REDIS, else "
                      "redis://127.0.0.1:6379)");
}

RedisEndpoint redis_endpoint(const std::string& option) {
  std::string url = option;
  if (url.empty()) {
    const char* env = std::getenv(kRedisUrlEnv);
    url = env != nullptr && *env != '\0' ? env : std::string(RedisEndpoint::kDefaultUrl);
  }
  try {
    return RedisEndpoint::parse(url);
  } catch (const std::invalid_argument& e) {
    throw CliFailure(e.what());
  }
}

std::unique_ptr<RedisConnection> connect_redis(const std::string& option) {
  RedisEndpoint endpoint = redis_endpoint(option);
  try {
    return std::make_unique<RedisConnection>(endpoint);
  } catch (const RedisConnectionError& e) {
    throw CliFailure(e.what());
  }
}

config::LoadResult load_deployed_pipeline(RedisConnection& redis) {
  const std::string prefix = config::fetch_module_key_prefix(redis);
  auto deployed = config::fetch_pipeline(redis, prefix);
  if (!deployed) {
    throw CliFailure("no pipeline is deployed in Redis at " + redis.endpoint().to_string() +
                     " (writebehind deploy --dir DIR)");
  }
  config::LoadResult result = config::load_pipeline(deployed->files);
  if (!result.ok()) {
    std::string findings = result.diagnostics.to_string();
    if (!findings.empty()) findings.pop_back();  // main adds the last newline
    throw CliFailure("the pipeline deployed in " + config::pipeline_key(prefix) + " does not load:\n" + findings);
  }
  return result;
}

void print_diagnostics(const config::Diagnostics& diags, std::ostream& out) { out << diags.to_string(); }

std::string count(size_t n, const std::string& singular) {
  return std::to_string(n) + " " + singular + (n == 1 ? "" : "s");
}

}  // namespace wb::cli

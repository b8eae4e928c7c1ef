// What the subcommands share: exit codes, the failure type main turns into one line on stderr,
// the --redis option (URL, else $WRITEBEHIND_REDIS, else redis://127.0.0.1:6379), and reading
// the deployed pipeline back from Redis.
#pragma once
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include "common/redis_connection.h"
#include "config/loader.h"

namespace CLI {
class App;
}

namespace wb::cli {

inline constexpr int kExitFailure = 1;  // invalid pipeline, unreachable Redis, unknown job, ...
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr const char* kRedisUrlEnv = "WRITEBEHIND_REDIS";

// A failure of a subcommand. main prints "writebehind: <message>" (nothing when the message is
// empty: the command already explained itself) and exits with exit_code.
class CliFailure : public std::runtime_error {
 public:
  explicit CliFailure(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Adds --redis URL to a subcommand that talks to Redis.
void add_redis_option(CLI::App* command, std::string* url);

// The endpoint from --redis, else $WRITEBEHIND_REDIS, else the default; CliFailure on a bad URL.
RedisEndpoint redis_endpoint(const std::string& option);

// Connects (one line on failure, via CliFailure).
std::unique_ptr<RedisConnection> connect_redis(const std::string& option);

// The deployed pipeline (under the module's key prefix), loaded and validated like a directory. CliFailure when nothing is
// deployed or the stored copy does not load.
config::LoadResult load_deployed_pipeline(RedisConnection& redis);

// Prints every finding (errors and warnings), one per line.
void print_diagnostics(const config::Diagnostics& diags, std::ostream& out);

// "1 job", "2 jobs"
std::string count(size_t n, const std::string& singular);

}  // namespace wb::cli

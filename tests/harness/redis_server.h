// A real redis-server for a test: own temporary directory, free loopback port, the writebehind
// module loaded by default. Stopped and removed by the destructor (and killed if the test dies).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/process.h"
#include "harness/redis_client.h"

namespace wbtest {

struct RedisOptions {
  bool load_module = true;
  std::string module_path{};                     // default: module_path()
  std::vector<std::string> module_args{};        // after the module path, e.g. {"prefix", "x:"}
  std::vector<std::string> extra_modules{};      // other .so paths to load first (e.g. the JSON stand-in)
  bool appendonly = false;                       // appendonly yes, appendfsync always
  std::optional<int> replica_of_port{};          // replicaof 127.0.0.1 <port>
  std::vector<std::pair<std::string, std::string>> config{};  // extra "name value" directives
  std::string preload{};                         // LD_PRELOAD for redis-server (sanitizer runtimes)
  std::string redis_server = "redis-server";
};

class RedisServer {
 public:
  pid_t pid() const { return proc_.pid(); }  // the redis-server process
  explicit RedisServer(RedisOptions opts = {});  // starts and waits until it answers PING (and loading is done)
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::string& dir() const;
  std::string url() const;                 // redis://127.0.0.1:<port>
  RedisClient client() const;              // a new connection
  std::string log() const;                 // the server's log so far
  std::string info(const std::string& section) const;  // INFO <section> text
  std::string aof_dir() const { return dir() + "/appendonlydir"; }  // 7.0 multi-part AOF

  void stop();      // SHUTDOWN NOSAVE-free stop: SIGTERM and wait (AOF is fsynced by then)
  void start();     // start again on the same port and directory (reloads RDB/AOF)
  void restart() { stop(); start(); }
  void kill();      // SIGKILL, for crash tests
  bool running();

  // Waits until a replica has finished its initial sync and reached the master's offset.
  void wait_for_sync(RedisServer& master);

 private:
  void write_config() const;

  RedisOptions opts_;
  std::unique_ptr<TempDir> dir_;
  int port_ = 0;
  Process proc_;
};

// The value of "field:value" in an INFO reply ("" when absent).
std::string info_field(const std::string& info, const std::string& field);

}  // namespace wbtest

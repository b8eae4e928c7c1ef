// RedisServer: redis-server in the foreground as our child, configured through a redis.conf in its
// own temporary directory (a file, so that module arguments of any content are quoted safely).
#include "harness/redis_server.h"

#include <signal.h>

#include <cstdio>
#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace wbtest {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);  // sanitizer builds start slowly
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr auto kSyncTimeout = std::chrono::seconds(30);
constexpr size_t kLogLinesInErrors = 40;

// Quotes an argument for redis.conf (sdssplitargs syntax): "..." with \\, \" and \xHH escapes.
std::string conf_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string info_field(const std::string& info, const std::string& field) {
  std::string needle = field + ":";
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find('\n', pos);
    if (eol == std::string::npos) eol = info.size();
    if (info.compare(pos, needle.size(), needle) == 0) {
      std::string value = info.substr(pos + needle.size(), eol - pos - needle.size());
      if (!value.empty() && value.back() == '\r') value.pop_back();
      return value;
    }
    pos = eol + 1;
  }
  return {};
}

RedisServer::RedisServer(RedisOptions opts) : opts_(std::move(opts)) {
  if (opts_.load_module && opts_.module_path.empty()) opts_.module_path = module_path();
  dir_ = std::make_unique<TempDir>("wbtest-redis");
  for (int attempt = 0;; attempt++) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const PortInUseError&) {
      if (attempt + 1 >= kPortConflictRetries) throw;
    }
  }
}

RedisServer::~RedisServer() {
  // No graceful shutdown needed: the directory goes away with everything in it.
  proc_.signal_group(SIGKILL);
  proc_.wait();
}

const std::string& RedisServer::dir() const { return dir_->path(); }

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

RedisClient RedisServer::client() const { return RedisClient("127.0.0.1", port_); }

std::string RedisServer::log() const {
  return read_text_file(dir_->file("redis.stdout")) + read_text_file(dir_->file("redis.log"));
}

std::string RedisServer::info(const std::string& section) const {
  Reply r = client().command({"INFO", section});
  if (r.type != Reply::Type::String) throw std::runtime_error("INFO " + section + ": " + r.to_string());
  return r.str;
}

void RedisServer::write_config() const {
  std::ofstream conf(dir_->file("redis.conf"), std::ios::trunc);
  auto line = [&](std::initializer_list<std::string> words) {
    bool first = true;
    for (const auto& w : words) {
      if (!first) conf << ' ';
      conf << (first ? w : conf_quote(w));
      first = false;
    }
    conf << '\n';
  };
  line({"port", std::to_string(port_)});
  line({"bind", "127.0.0.1"});
  line({"protected-mode", "no"});
  line({"daemonize", "no"});
  line({"dir", dir_->path()});
  line({"logfile", dir_->file("redis.log")});
  line({"save", ""});
  line({"appendonly", opts_.appendonly ? "yes" : "no"});
  line({"appendfsync", "always"});
  // Replicas sync at once instead of after the default 5 s of waiting for more replicas.
  line({"repl-diskless-sync-delay", "0"});
  // Tests use MODULE LOAD and DEBUG (both off by default since 7.0); only loopback can connect.
  line({"enable-module-command", "yes"});
  line({"enable-debug-command", "yes"});
  for (const auto& so : opts_.extra_modules) line({"loadmodule", so});
  if (opts_.load_module) {
    std::string l = "loadmodule " + conf_quote(opts_.module_path);
    for (const auto& a : opts_.module_args) l += " " + conf_quote(a);
    conf << l << '\n';
  }
  if (opts_.replica_of_port) line({"replicaof", "127.0.0.1", std::to_string(*opts_.replica_of_port)});
  for (const auto& [name, value] : opts_.config) conf << name << ' ' << conf_quote(value) << '\n';
  if (!conf) throw std::runtime_error("cannot write " + dir_->file("redis.conf"));
}

void RedisServer::start() {
  if (proc_.running()) return;
  size_t log_offset = log().size();
  write_config();
  ProcessOptions po;
  po.log_file = dir_->file("redis.stdout");
  po.working_dir = dir_->path();
  if (!opts_.preload.empty()) po.env.push_back("LD_PRELOAD=" + opts_.preload);
  proc_ = Process({opts_.redis_server, dir_->file("redis.conf")}, po);

  std::string last_problem = "no answer";
  bool exited = false;
  bool ready = wait_until(
      [&] {
        if (!proc_.running()) {
          exited = true;
          return true;
        }
        try {
          RedisClient c("127.0.0.1", port_);
          Reply pong = c.command({"PING"});
          if (pong.is_error()) {
            last_problem = pong.str;  // e.g. LOADING
            return false;
          }
          Reply info = c.command({"INFO", "persistence"});
          if (info_field(info.str, "loading") != "0") {
            last_problem = "still loading";
            return false;
          }
          return true;
        } catch (const std::exception& e) {
          last_problem = e.what();
          return false;
        }
      },
      kStartTimeout);
  if (exited || !proc_.running()) {
    int code = exit_code(proc_.wait());
    std::string all = log();
    std::string fresh = all.substr(std::min(log_offset, all.size()));
    if (log_reports_port_in_use(fresh))
      throw PortInUseError("redis-server: port " + std::to_string(port_) + " is in use");
    throw std::runtime_error("redis-server on port " + std::to_string(port_) + " exited during start-up (code " +
                             std::to_string(code) + "); log:\n" + tail_of(log(), kLogLinesInErrors));
  }
  if (!ready) {
    proc_.signal_group(SIGKILL);
    proc_.wait();
    throw std::runtime_error("redis-server on port " + std::to_string(port_) + " not ready (" + last_problem +
                             "); log:\n" + tail_of(log(), kLogLinesInErrors));
  }
}

void RedisServer::stop() { proc_.stop(SIGTERM, kStopTimeout); }

void RedisServer::kill() {
  proc_.signal_group(SIGKILL);
  proc_.wait();
}

bool RedisServer::running() { return proc_.running(); }

void RedisServer::wait_for_sync(RedisServer& master) {
  std::string state;
  bool synced = wait_until(
      [&] {
        try {
          std::string m = master.info("replication");
          std::string r = info("replication");
          state = "master offset " + info_field(m, "master_repl_offset") + ", replica link " +
                  info_field(r, "master_link_status") + " offset " + info_field(r, "slave_repl_offset");
          return info_field(r, "master_link_status") == "up" && info_field(r, "master_sync_in_progress") == "0" &&
                 !info_field(m, "master_repl_offset").empty() &&
                 info_field(r, "slave_repl_offset") == info_field(m, "master_repl_offset");
        } catch (const std::exception& e) {
          state = e.what();
          return false;
        }
      },
      kSyncTimeout);
  if (!synced)
    throw std::runtime_error("replica on port " + std::to_string(port_) + " did not sync with " +
                             std::to_string(master.port()) + ": " + state + "; replica log:\n" +
                             tail_of(log(), kLogLinesInErrors));
}

}  // namespace wbtest

// Shared pieces of the operations tests: a pipeline directory written from strings, the CLI run
// as a subprocess (tests/config/cli_runner.h), `writebehind run` as a child process with its
// metrics server on a free port, HTTP GETs against it, and small readers of SQLite targets.
#pragma once
#include <httplib.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../config/cli_runner.h"
#include "harness/process.h"
#include "harness/redis_server.h"

namespace wbtest {

// Writes files (relative path -> content) under dir, creating directories.
inline void write_files(const std::string& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) {
    std::filesystem::path p = std::filesystem::path(dir) / path;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
}

// A config.yaml with one SQLite connection `target` (and optionally more text appended).
inline std::string sqlite_config(const std::string& db_path, const std::string& applier_settings = "",
                                 const std::string& more_connections = "") {
  return "connections:\n  target:\n    type: sqlite\n    database: " + db_path + "\n" + more_connections +
         "applier:\n  duration: 20\n  on_failed_retry_interval: 1\n" + applier_settings;
}

// `writebehind run` as a child process: metrics on 127.0.0.1:<free port>, logs to a file.
class ApplierProcess {
 public:
  ApplierProcess(const RedisServer& redis, const std::string& log_file, std::vector<std::string> extra = {})
      : log_file_(log_file) {
    port_ = free_port();
    std::vector<std::string> argv{
        cli_path(),    "run",  "--redis", redis.url(), "--metrics-addr", "127.0.0.1:" + std::to_string(port_),
        "--log-level", "debug"};
    for (auto& e : extra) argv.push_back(std::move(e));
    ProcessOptions o;
    o.log_file = log_file;
    proc_ = std::make_unique<Process>(argv, o);
    if (!wait_until([&] { return get("/healthz").first == 200 || !proc_->running(); }, std::chrono::seconds(20)) ||
        !proc_->running()) {
      throw std::runtime_error("writebehind run did not start:\n" + tail_of(read_text_file(log_file_)));
    }
  }
  ~ApplierProcess() {
    if (proc_ && proc_->running()) proc_->stop(SIGTERM, std::chrono::seconds(20));
  }

  int port() const { return port_; }
  Process& process() { return *proc_; }
  std::string log() const { return read_text_file(log_file_); }
  // Stops with SIGTERM; returns the exit code.
  int stop() { return exit_code(proc_->stop(SIGTERM, std::chrono::seconds(30))); }

  // (status, body); status -1 when the server does not answer.
  std::pair<int, std::string> get(const std::string& path) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(5, 0);
    auto r = c.Get(path.c_str());
    if (!r) return {-1, ""};
    return {r->status, r->body};
  }
  nlohmann::json status() const {
    auto [code, body] = get("/api/status");
    if (code != 200) throw std::runtime_error("/api/status answered " + std::to_string(code));
    return nlohmann::json::parse(body);
  }
  const nlohmann::json* job_status(const nlohmann::json& s, const std::string& job) const {
    for (const auto& j : s["jobs"]) {
      if (j["name"] == job) return &j;
    }
    return nullptr;
  }

 private:
  std::string log_file_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

// The value of one sample line "name{labels} value" of a Prometheus exposition, or -1 when absent.
inline double prom_sample(const std::string& text, const std::string& series) {
  std::string body = "\n" + text;
  std::string needle = "\n" + series + " ";
  auto at = body.find(needle);
  if (at == std::string::npos) return -1;
  auto start = at + needle.size();
  auto end = body.find('\n', start);
  return std::stod(body.substr(start, end - start));
}

// Rows of an SQLite query, as text (NULL -> "NULL").
inline std::vector<std::vector<std::string>> sqlite_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string err = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(err + ": " + sql);
  }
  std::vector<std::vector<std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      row.push_back(t == nullptr ? "NULL" : reinterpret_cast<const char*>(t));
    }
    rows.push_back(std::move(row));
  }
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (!err.empty()) throw std::runtime_error(err + ": " + sql);
  return rows;
}

inline long long sqlite_count(const std::string& path, const std::string& sql) {
  return std::stoll(sqlite_query(path, sql).at(0).at(0));
}

// Polls until the job's backlog is applied: nothing pending, nothing left to read.
inline bool wait_drained(RedisClient& c, const std::string& job,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  Reply s = c.command({"WB.STREAM", job});
  const std::string stream = s.str;
  return wait_until(
      [&] {
        Reply p = c.command({"XPENDING", stream, "writebehind"});
        if (p.is_error() || p.elements.empty() || p.elements[0].integer != 0) return false;
        Reply g = c.command({"XINFO", "GROUPS", stream});
        if (g.is_error() || g.elements.empty()) return false;
        std::string last;
        for (size_t i = 0; i + 1 < g.elements[0].elements.size(); i += 2) {
          if (g.elements[0].elements[i].str == "last-delivered-id") last = g.elements[0].elements[i + 1].str;
        }
        Reply r = c.command({"XRANGE", stream, "(" + last, "+", "COUNT", "1"});
        return !r.is_error() && r.elements.empty();
      },
      timeout);
}

}  // namespace wbtest

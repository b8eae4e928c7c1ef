// Shared helpers of the module integration tests: a redis-server with writebehind.so (or, for the
// sanitizer run, writebehind_asan.so with the sanitizer runtimes preloaded), stream readers, and
// the check that no sanitizer or crash report appeared in the server's log.
//
// Environment (set by tests/module/CMakeLists.txt for the asan entries):
//   WB_MODULE_PATH    the module to load (harness default: build/writebehind.so)
//   WB_REDIS_PRELOAD  LD_PRELOAD for redis-server (libasan + libubsan for the sanitized module)
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/redis_client.h"
#include "harness/redis_server.h"

namespace wbtest {

// One stream entry as XRANGE returns it.
struct Entry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;

  std::string get(const std::string& name) const {
    for (const auto& [f, v] : fields) {
      if (f == name) return v;
    }
    return "<missing " + name + ">";
  }
  // The value pairs after the five fixed ones (key, op, cmd, type, ts).
  std::vector<std::pair<std::string, std::string>> values() const {
    return fields.size() > 5 ? std::vector<std::pair<std::string, std::string>>(fields.begin() + 5, fields.end())
                             : std::vector<std::pair<std::string, std::string>>{};
  }
  std::map<std::string, std::string> value_map() const {
    auto v = values();
    return {v.begin(), v.end()};
  }
  std::string summary() const;  // "key op cmd type [f=v ...]" for messages
};

inline std::string Entry::summary() const {
  std::string s;
  for (const auto& [f, v] : fields) {
    if (f == "ts") continue;
    s += f + "=" + v + " ";
  }
  return s;
}

// What a test expects of an entry (ts is checked separately).
struct Expected {
  std::string key, op, cmd, type;
  std::vector<std::pair<std::string, std::string>> values{};  // in order
};

// Options for a server with the module under test. With WB_SANITIZER_RUN=1 (the "asan." ctest
// entries) that is writebehind_asan.so with the sanitizer runtimes preloaded; WB_MODULE_PATH and
// WB_REDIS_PRELOAD override either by hand.
inline RedisOptions module_options(RedisOptions opts = {}) {
  if (const char* run = std::getenv("WB_SANITIZER_RUN"); run && std::string(run) == "1") {
#if defined(WB_ASAN_MODULE_PATH) && defined(WB_SANITIZER_PRELOAD)
    opts.module_path = WB_ASAN_MODULE_PATH;
    opts.preload = WB_SANITIZER_PRELOAD;
    // Inherited by redis-server: any report aborts it (and the log check fails the test).
    setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0", 0);
    setenv("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1", 0);
#else
    ADD_FAILURE() << "WB_SANITIZER_RUN=1 but this binary was built without the sanitizer paths";
#endif
  }
  if (const char* path = std::getenv("WB_MODULE_PATH"); path && *path) opts.module_path = path;
  if (const char* preload = std::getenv("WB_REDIS_PRELOAD"); preload && *preload) opts.preload = preload;
  return opts;
}

// True when this run uses the sanitized module (for tests that must know, e.g. timing).
inline bool sanitizer_run() {
  const char* run = std::getenv("WB_SANITIZER_RUN");
  return run && std::string(run) == "1";
}

// Fails the current test if the server log shows a sanitizer report or a Redis crash report.
inline void expect_clean_log(const RedisServer& server) {
  const std::string log = server.log();
  for (const char* marker : {"ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                             "UndefinedBehaviorSanitizer", "REDIS BUG REPORT", "crashed by signal"}) {
    EXPECT_EQ(log.find(marker), std::string::npos)
        << "server log contains '" << marker << "':\n"
        << log.substr(log.size() > 6000 ? log.size() - 6000 : 0);
  }
}

inline Reply must(RedisClient& c, std::initializer_list<std::string_view> args) {
  Reply r = c.command(args);
  EXPECT_FALSE(r.is_error()) << r.str;
  return r;
}

inline std::vector<Entry> read_stream(RedisClient& c, const std::string& stream) {
  Reply r = c.command({"XRANGE", stream, "-", "+"});
  std::vector<Entry> out;
  if (r.type != Reply::Type::Array) {
    ADD_FAILURE() << "XRANGE " << stream << ": " << r.to_string();
    return out;
  }
  for (const Reply& e : r.elements) {
    Entry entry;
    entry.id = e.elements.at(0).str;
    const auto& kv = e.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) entry.fields.emplace_back(kv[i].str, kv[i + 1].str);
    out.push_back(std::move(entry));
  }
  return out;
}

inline long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Asserts the exact entry list: fields in order, the fixed five first, ts a plausible time.
inline void expect_entries(const std::vector<Entry>& got, const std::vector<Expected>& want,
                           long long ts_from = 0, long long ts_to = 0) {
  ASSERT_EQ(got.size(), want.size()) << [&] {
    std::string s = "entries:\n";
    for (const auto& e : got) s += "  " + e.summary() + "\n";
    return s;
  }();
  for (std::size_t i = 0; i < want.size(); ++i) {
    const Entry& e = got[i];
    const Expected& w = want[i];
    SCOPED_TRACE("entry " + std::to_string(i) + ": " + e.summary());
    ASSERT_GE(e.fields.size(), 5u);
    EXPECT_EQ(e.fields[0], (std::pair<std::string, std::string>("key", w.key)));
    EXPECT_EQ(e.fields[1], (std::pair<std::string, std::string>("op", w.op)));
    EXPECT_EQ(e.fields[2], (std::pair<std::string, std::string>("cmd", w.cmd)));
    EXPECT_EQ(e.fields[3], (std::pair<std::string, std::string>("type", w.type)));
    EXPECT_EQ(e.fields[4].first, "ts");
    long long ts = std::atoll(e.fields[4].second.c_str());
    if (ts_from) {
      EXPECT_GE(ts, ts_from);
      EXPECT_LE(ts, ts_to);
    }
    EXPECT_EQ(e.values(), w.values);
  }
}

// A fresh server with the module for each test (each test is its own ctest entry).
class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server(module_options()); }
  void TearDown() override {
    if (server_) expect_clean_log(*server_);
  }
  void start_server(RedisOptions opts) {
    server_ = std::make_unique<RedisServer>(std::move(opts));
    c_ = std::make_unique<RedisClient>(server_->client());
  }
  RedisClient& c() { return *c_; }
  Reply cmd(std::initializer_list<std::string_view> args) { return c_->command(args); }
  std::vector<Entry> stream(const std::string& job) {
    Reply key = c_->command({"WB.STREAM", job});
    EXPECT_EQ(key.type, Reply::Type::String) << key.to_string();
    return read_stream(*c_, key.str);
  }

  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisClient> c_;
};

}  // namespace wbtest

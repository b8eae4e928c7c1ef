// Durability: the AOF holds every captured XADD inside the same MULTI/EXEC as the command that
// caused it, and a restart brings back jobs and streams with capture continuing by itself.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "module/module_fixture.h"

using namespace wbtest;

namespace {

using Command = std::vector<std::string>;

// Parses a file of RESP arrays of bulk strings (the AOF's format).
std::vector<Command> parse_resp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Command> out;
  std::size_t pos = 0;
  auto read_line = [&](char expected) -> long long {
    if (pos >= data.size() || data[pos] != expected) throw std::runtime_error("bad RESP in " + path);
    std::size_t eol = data.find("\r\n", pos);
    if (eol == std::string::npos) throw std::runtime_error("truncated RESP in " + path);
    long long n = std::stoll(data.substr(pos + 1, eol - pos - 1));
    pos = eol + 2;
    return n;
  };
  while (pos < data.size()) {
    long long argc = read_line('*');
    Command cmd;
    for (long long i = 0; i < argc; ++i) {
      long long len = read_line('$');
      cmd.push_back(data.substr(pos, static_cast<std::size_t>(len)));
      pos += static_cast<std::size_t>(len) + 2;
    }
    out.push_back(std::move(cmd));
  }
  return out;
}

// Every command of the incremental AOF files, in manifest order.
std::vector<Command> read_aof(const RedisServer& server) {
  std::ifstream manifest(server.aof_dir() + "/appendonly.aof.manifest");
  std::vector<Command> all;
  std::string line;
  while (std::getline(manifest, line)) {
    std::istringstream words(line);
    std::string w, file, type;
    while (words >> w) {
      if (w == "file") words >> file;
      if (w == "type") words >> type;
    }
    if (type != "i") continue;  // the base is an RDB preamble; everything we check is incremental
    auto cmds = parse_resp_file(server.aof_dir() + "/" + file);
    all.insert(all.end(), cmds.begin(), cmds.end());
  }
  return all;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return s;
}

// The AOF as units: a MULTI ... EXEC block, or a single command.
struct Unit {
  bool transaction = false;
  std::vector<Command> commands;
};

std::vector<Unit> units_of(const std::vector<Command>& cmds) {
  std::vector<Unit> units;
  bool open = false;
  for (const Command& c : cmds) {
    std::string name = upper(c.at(0));
    if (name == "SELECT") continue;
    if (name == "MULTI") {
      units.push_back({true, {}});
      open = true;
    } else if (name == "EXEC") {
      open = false;
    } else if (open) {
      units.back().commands.push_back(c);
    } else {
      units.push_back({false, {c}});
    }
  }
  return units;
}

std::string captured_key(const Command& xadd) {
  // XADD <stream> <id> key <k> op ...
  return xadd.size() > 4 && xadd[3] == "key" ? xadd[4] : std::string();
}

bool is_capture_xadd(const Command& c) { return upper(c.at(0)) == "XADD" && c.at(1).rfind("wb:stream:", 0) == 0; }

class Aof : public ModuleTest {
 protected:
  void SetUp() override {
    RedisOptions opts = module_options();
    opts.appendonly = true;
    start_server(opts);
  }
};

}  // namespace

TEST_F(Aof, EveryCapturedXaddSharesTheMultiExecOfItsCommand) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  must(c(), {"WB.JOB.SET", "j2", "PATTERN", "k:2*"});
  must(c(), {"HSET", "k:1", "a", "1", "b", "2"});
  must(c(), {"HDEL", "k:1", "a"});
  must(c(), {"HDEL", "k:1", "b"});
  must(c(), {"SET", "k:2", "v"});
  must(c(), {"INCR", "k:3"});
  must(c(), {"MSET", "k:4", "x", "other", "y", "k:20", "z"});
  must(c(), {"MULTI"});
  c().command({"SET", "k:5", "1"});
  c().command({"APPEND", "k:5", "2"});
  c().command({"SET", "other:2", "x"});
  must(c(), {"EXEC"});
  must(c(), {"EVAL", "redis.call('HSET', KEYS[1], 'f', 'v'); redis.call('DEL', KEYS[2]); return 1", "2", "k:6", "k:2"});
  must(c(), {"RENAME", "k:5", "k:7"});
  must(c(), {"EXPIRE", "k:3", "-1"});
  must(c(), {"SET", "other:3", "x"});

  std::vector<Command> cmds = read_aof(*server_);
  std::vector<Unit> units = units_of(cmds);
  std::size_t xadds = 0;
  for (const Unit& u : units) {
    std::vector<const Command*> captures, writes;
    for (const Command& cmd : u.commands) (is_capture_xadd(cmd) ? captures : writes).push_back(&cmd);
    if (captures.empty()) continue;
    xadds += captures.size();
    SCOPED_TRACE("unit starting with " + u.commands.front().at(0) + " " + u.commands.front().at(1));
    EXPECT_TRUE(u.transaction) << "a captured XADD outside MULTI/EXEC";
    EXPECT_FALSE(writes.empty()) << "a captured XADD without its command";
    for (const Command* x : captures) {
      std::string key = captured_key(*x);
      bool found = std::any_of(writes.begin(), writes.end(), [&](const Command* w) {
        return std::find(w->begin() + 1, w->end(), key) != w->end();
      });
      EXPECT_TRUE(found) << "no command on " << key << " next to its XADD";
    }
  }
  // Conversely: every write to a matching key sits in a unit with an XADD for that key.
  for (const Unit& u : units) {
    std::set<std::string> captured;
    for (const Command& cmd : u.commands) {
      if (is_capture_xadd(cmd)) captured.insert(captured_key(cmd));
    }
    for (const Command& cmd : u.commands) {
      if (is_capture_xadd(cmd) || (upper(cmd[0]) == "HSET" && cmd[1] == "wb:jobs")) continue;
      for (std::size_t i = 1; i < cmd.size(); ++i) {
        if (cmd[i].rfind("k:", 0) == 0) {
          EXPECT_TRUE(captured.count(cmd[i])) << cmd[0] << " " << cmd[i] << " without its XADD";
        }
      }
    }
  }
  long long total = must(c(), {"XLEN", "wb:stream:j"}).integer + must(c(), {"XLEN", "wb:stream:j2"}).integer;
  EXPECT_EQ(static_cast<long long>(xadds), total);
  EXPECT_GE(total, 14);
}

TEST_F(Aof, RestartBringsBackJobsAndStreamsAndCaptureContinues) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*", "EXCLUDE", "append"});
  must(c(), {"HSET", "k:1", "a", "1"});
  must(c(), {"SET", "k:2", "v"});
  auto before = stream("j");
  ASSERT_EQ(before.size(), 2u);

  server_->restart();
  c_ = std::make_unique<RedisClient>(server_->client());

  Reply list = must(c(), {"WB.JOB.LIST"});
  ASSERT_EQ(list.elements.size(), 1u);
  EXPECT_EQ(list.elements[0].elements.at(5).elements.at(0).str, "append");  // exclude survived
  auto after = stream("j");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[1].fields, before[1].fields);
  // No new WB.JOB.SET: capture continues, and loading the AOF added no entries of its own.
  must(c(), {"HSET", "k:1", "b", "2"});
  must(c(), {"APPEND", "k:2", "w"});
  auto now = stream("j");
  ASSERT_EQ(now.size(), 3u);
  expect_entries({now[2]}, {{"k:1", "u", "hset", "hash", {{"a", "1"}, {"b", "2"}}}});
}

TEST_F(Aof, RewriteAndRestartKeepCapturing) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  must(c(), {"SET", "k:1", "v"});
  must(c(), {"BGREWRITEAOF"});
  ASSERT_TRUE(wait_until([&] {
    return info_field(server_->info("persistence"), "aof_rewrite_in_progress") == "0" &&
           info_field(server_->info("persistence"), "aof_rewrite_scheduled") == "0";
  }));
  must(c(), {"SET", "k:2", "v"});
  server_->restart();
  c_ = std::make_unique<RedisClient>(server_->client());
  must(c(), {"SET", "k:3", "v"});
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2].get("key"), "k:3");
}

TEST(Rdb, RestartFromRdbKeepsJobsAndStreams) {
  RedisOptions opts = module_options();
  RedisServer server(opts);
  RedisClient c = server.client();
  must(c, {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  must(c, {"SET", "k:1", "v"});
  must(c, {"SAVE"});
  server.restart();
  RedisClient c2 = server.client();
  must(c2, {"SET", "k:1", "w"});
  auto entries = read_stream(c2, "wb:stream:j");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].get("op"), "u");
  EXPECT_EQ(entries[1].get("value"), "w");
  expect_clean_log(server);
}

// A key removed by active expiry is removed outside any command. Redis 7.0 propagates that DEL on
// its own, so the entry comes right before it (adjacent, not wrapped); on 7.2+ both share a
// MULTI/EXEC. Either way nothing can come between them.
TEST_F(Aof, ActiveExpiryEntryIsAdjacentToItsDel) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*", "EXPIRED", "yes"});
  must(c(), {"SET", "k:e", "v", "PX", "20"});
  ASSERT_TRUE(wait_until([&] { return stream("j").size() == 2; }));
  std::vector<Command> cmds = read_aof(*server_);
  std::vector<Command> flat;
  for (const Command& cmd : cmds) {
    std::string name = upper(cmd.at(0));
    if (name != "SELECT" && name != "MULTI" && name != "EXEC") flat.push_back(cmd);
  }
  bool found = false;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    if (!is_capture_xadd(flat[i]) || captured_key(flat[i]) != "k:e" || flat[i].at(8) != "expired") continue;
    found = true;
    bool del_before = i > 0 && upper(flat[i - 1][0]) == "DEL" && flat[i - 1].at(1) == "k:e";
    bool del_after = i + 1 < flat.size() && upper(flat[i + 1][0]) == "DEL" && flat[i + 1].at(1) == "k:e";
    EXPECT_TRUE(del_before || del_after) << "the expired entry is not next to DEL k:e";
  }
  EXPECT_TRUE(found) << "no XADD for the expiry in the AOF";
}

// A lazily expired key is removed inside the command that touched it: one MULTI/EXEC.
TEST_F(Aof, LazyExpiryEntrySharesTheCommandsMultiExec) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*", "EXPIRED", "yes"});
  must(c(), {"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  must(c(), {"SET", "k:e", "v", "PX", "20"});
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(must(c(), {"GET", "k:e"}).is_nil());
  must(c(), {"DEBUG", "SET-ACTIVE-EXPIRE", "1"});
  bool found = false;
  for (const Unit& u : units_of(read_aof(*server_))) {
    for (const Command& cmd : u.commands) {
      if (!is_capture_xadd(cmd) || cmd.at(8) != "expired") continue;
      found = true;
      EXPECT_TRUE(u.transaction);
      bool has_del = std::any_of(u.commands.begin(), u.commands.end(), [](const Command& x) {
        return upper(x[0]) == "DEL" && x.at(1) == "k:e";
      });
      EXPECT_TRUE(has_del);
    }
  }
  EXPECT_TRUE(found);
}

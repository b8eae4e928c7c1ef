// What the module captures: each event kind produces exactly the expected entries (fields, order,
// op, value) and nothing more; keys matching no job and excluded events produce nothing.
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "module/module_fixture.h"

using namespace wbtest;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

class Capture : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  }
};

}  // namespace

TEST_F(Capture, HashCommands) {
  long long t0 = now_ms();
  must(c(), {"HSET", "k:1", "a", "1", "b", "2"});
  must(c(), {"HSET", "k:1", "a", "10"});
  must(c(), {"HSETNX", "k:1", "c", "3"});
  must(c(), {"HSETNX", "k:1", "c", "ignored"});  // no change, no event
  must(c(), {"HINCRBY", "k:1", "a", "5"});
  must(c(), {"HINCRBYFLOAT", "k:1", "b", "0.5"});
  must(c(), {"HDEL", "k:1", "a"});
  must(c(), {"HDEL", "k:1", "zzz"});  // nothing deleted, no event
  must(c(), {"HINCRBY", "k:2", "n", "1"});
  must(c(), {"HMSET", "k:2", "m", "x"});
  long long t1 = now_ms();
  expect_entries(stream("j"),
                 {{"k:1", "c", "hset", "hash", Pairs{{"a", "1"}, {"b", "2"}}},
                  {"k:1", "u", "hset", "hash", Pairs{{"a", "10"}, {"b", "2"}}},
                  {"k:1", "u", "hset", "hash", Pairs{{"a", "10"}, {"b", "2"}, {"c", "3"}}},
                  {"k:1", "u", "hincrby", "hash", Pairs{{"a", "15"}, {"b", "2"}, {"c", "3"}}},
                  {"k:1", "u", "hincrbyfloat", "hash", Pairs{{"a", "15"}, {"b", "2.5"}, {"c", "3"}}},
                  {"k:1", "u", "hdel", "hash", Pairs{{"b", "2.5"}, {"c", "3"}}},
                  {"k:2", "c", "hincrby", "hash", Pairs{{"n", "1"}}},
                  {"k:2", "u", "hset", "hash", Pairs{{"n", "1"}, {"m", "x"}}}},
                 t0, t1);
}

TEST_F(Capture, HashValueIsHgetallAfterTheChange) {
  must(c(), {"HSET", "k:o", "z", "1", "a", "2", "m", "3"});
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 1u);
  Reply all = must(c(), {"HGETALL", "k:o"});
  Pairs expected;
  for (std::size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    expected.emplace_back(all.elements[i].str, all.elements[i + 1].str);
  }
  EXPECT_EQ(entries[0].values(), expected);  // same fields, same order as HGETALL
}

TEST_F(Capture, DeletingLastHashFieldIsOneDelete) {
  must(c(), {"HSET", "k:1", "a", "1", "b", "2"});
  must(c(), {"HDEL", "k:1", "a", "b"});
  must(c(), {"HSET", "k:1", "a", "3"});
  expect_entries(stream("j"), {{"k:1", "c", "hset", "hash", Pairs{{"a", "1"}, {"b", "2"}}},
                               {"k:1", "d", "hdel", "none"},
                               {"k:1", "c", "hset", "hash", Pairs{{"a", "3"}}}});
}

TEST_F(Capture, LargeHashCarriesEveryField) {
  // Past the listpack limits the hash is a hashtable: the module scans it, every field once.
  std::vector<std::string> args = {"HSET", "k:big"};
  for (int i = 0; i < 1000; ++i) {
    args.push_back("f" + std::to_string(i));
    args.push_back(std::string(i % 7 == 0 ? 100 : 3, 'v') + std::to_string(i));
  }
  ASSERT_FALSE(c().command(args).is_error());
  must(c(), {"HSET", "k:big", "f1", "changed"});
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 2u);
  Reply all = must(c(), {"HGETALL", "k:big"});
  std::map<std::string, std::string> expected;
  for (std::size_t i = 0; i + 1 < all.elements.size(); i += 2) expected[all.elements[i].str] = all.elements[i + 1].str;
  EXPECT_EQ(entries[1].values().size(), 1000u);  // each field exactly once
  EXPECT_EQ(entries[1].value_map(), expected);
  EXPECT_EQ(entries[1].get("op"), "u");
}

TEST_F(Capture, StringCommands) {
  must(c(), {"SET", "k:s", "hello"});
  must(c(), {"SET", "k:s", "world"});
  must(c(), {"APPEND", "k:s", "!"});
  must(c(), {"SETRANGE", "k:s", "0", "W"});
  must(c(), {"GETSET", "k:s", "x"});
  must(c(), {"SETNX", "k:s", "ignored"});
  must(c(), {"INCR", "k:n"});
  must(c(), {"INCRBY", "k:n", "10"});
  must(c(), {"DECR", "k:n"});
  must(c(), {"DECRBY", "k:n", "5"});
  must(c(), {"INCRBYFLOAT", "k:n", "0.25"});
  must(c(), {"SETEX", "k:t", "100", "ttl"});
  must(c(), {"MSET", "k:a", "1", "other:1", "2", "k:b", "3"});
  must(c(), {"SETBIT", "k:bits", "1", "1"});
  expect_entries(stream("j"), {{"k:s", "c", "set", "string", Pairs{{"value", "hello"}}},
                               {"k:s", "u", "set", "string", Pairs{{"value", "world"}}},
                               {"k:s", "u", "append", "string", Pairs{{"value", "world!"}}},
                               {"k:s", "u", "setrange", "string", Pairs{{"value", "World!"}}},
                               {"k:s", "u", "set", "string", Pairs{{"value", "x"}}},
                               {"k:n", "c", "incrby", "string", Pairs{{"value", "1"}}},
                               {"k:n", "u", "incrby", "string", Pairs{{"value", "11"}}},
                               // Redis fires "incrby" for INCR, INCRBY, DECR and DECRBY alike.
                               {"k:n", "u", "incrby", "string", Pairs{{"value", "10"}}},
                               {"k:n", "u", "incrby", "string", Pairs{{"value", "5"}}},
                               {"k:n", "u", "incrbyfloat", "string", Pairs{{"value", "5.25"}}},
                               {"k:t", "c", "set", "string", Pairs{{"value", "ttl"}}},
                               {"k:a", "c", "set", "string", Pairs{{"value", "1"}}},
                               {"k:b", "c", "set", "string", Pairs{{"value", "3"}}},
                               {"k:bits", "c", "setbit", "string", Pairs{{"value", std::string(1, '\x40')}}}});
}

TEST_F(Capture, StringHoldingJsonIsCapturedAsText) {
  const std::string doc = R"({"name":"Ada","tags":["x","y"],"n":1.5})";
  must(c(), {"SET", "k:doc", doc});
  expect_entries(stream("j"), {{"k:doc", "c", "set", "string", Pairs{{"value", doc}}}});
}

TEST_F(Capture, Deletes) {
  for (const char* k : {"k:1", "k:2", "k:3", "k:4"}) must(c(), {"SET", k, "v"});
  must(c(), {"DEL", "k:1"});
  must(c(), {"UNLINK", "k:2"});
  must(c(), {"GETDEL", "k:3"});
  must(c(), {"EXPIRE", "k:4", "-1"});  // in the past: Redis deletes the key and fires del
  must(c(), {"DEL", "k:missing"});     // nothing deleted, nothing captured
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 8u);
  entries.erase(entries.begin(), entries.begin() + 4);
  expect_entries(entries, {{"k:1", "d", "del", "none"},
                           {"k:2", "d", "del", "none"},
                           {"k:3", "d", "del", "none"},
                           {"k:4", "d", "del", "none"}});
}

TEST_F(Capture, TtlChangesAreNotCaptured) {
  must(c(), {"SET", "k:1", "v"});
  must(c(), {"EXPIRE", "k:1", "1000"});
  must(c(), {"PERSIST", "k:1"});
  must(c(), {"PEXPIRE", "k:1", "100000"});
  must(c(), {"GETEX", "k:1", "EX", "500"});
  expect_entries(stream("j"), {{"k:1", "c", "set", "string", Pairs{{"value", "v"}}}});
}

TEST_F(Capture, RenameIsDeleteOfOldAndCreateOfNew) {
  must(c(), {"HSET", "k:a", "f", "1"});
  must(c(), {"RENAME", "k:a", "k:b"});       // both match
  must(c(), {"RENAME", "k:b", "other:x"});   // only the old one matches
  must(c(), {"RENAME", "other:x", "k:c"});   // only the new one matches
  expect_entries(stream("j"), {{"k:a", "c", "hset", "hash", Pairs{{"f", "1"}}},
                               {"k:a", "d", "rename_from", "none"},
                               {"k:b", "c", "rename_to", "hash", Pairs{{"f", "1"}}},
                               {"k:b", "d", "rename_from", "none"},
                               {"k:c", "c", "rename_to", "hash", Pairs{{"f", "1"}}}});
}

TEST_F(Capture, RestoreCopyAndMove) {
  must(c(), {"SET", "other:src", "payload"});
  Reply dump = must(c(), {"DUMP", "other:src"});
  ASSERT_EQ(dump.type, Reply::Type::String);
  must(c(), {"RESTORE", "k:r", "0", dump.str});
  must(c(), {"COPY", "other:src", "k:copy"});
  must(c(), {"SELECT", "1"});
  must(c(), {"SET", "k:m", "from-db1"});  // db 1: not captured
  must(c(), {"MOVE", "k:m", "0"});        // into db 0: captured as a create
  must(c(), {"SELECT", "0"});
  must(c(), {"MOVE", "k:r", "1"});        // out of db 0: captured as a delete
  expect_entries(stream("j"), {{"k:r", "c", "restore", "string", Pairs{{"value", "payload"}}},
                               {"k:copy", "c", "copy_to", "string", Pairs{{"value", "payload"}}},
                               {"k:m", "c", "move_to", "string", Pairs{{"value", "from-db1"}}},
                               {"k:r", "d", "move_from", "none"}});
}

TEST_F(Capture, OtherDatabasesAreNotCaptured) {
  must(c(), {"SELECT", "3"});
  must(c(), {"HSET", "k:1", "a", "1"});
  must(c(), {"DEL", "k:1"});
  must(c(), {"SELECT", "0"});
  EXPECT_TRUE(stream("j").empty());
}

TEST_F(Capture, NonMatchingKeysProduceNothing) {
  must(c(), {"HSET", "user:1", "a", "1"});
  must(c(), {"SET", "k", "no colon"});
  must(c(), {"SET", "K:1", "case matters"});
  must(c(), {"DEL", "user:1"});
  EXPECT_TRUE(stream("j").empty());
  EXPECT_EQ(must(c(), {"XLEN", "wb:stream:j"}).integer, 0);
}

TEST_F(Capture, ReservedPrefixIsNeverCaptured) {
  must(c(), {"WB.JOB.SET", "all", "PATTERN", "*"});
  must(c(), {"SET", "wb:mine", "x"});
  must(c(), {"HSET", "wb:stats:all", "n", "1"});
  must(c(), {"SET", "k:1", "v"});
  // One entry each in j and all for k:1; nothing for wb:* keys and no entry about the streams.
  expect_entries(stream("all"), {{"k:1", "c", "set", "string", Pairs{{"value", "v"}}}});
  expect_entries(stream("j"), {{"k:1", "c", "set", "string", Pairs{{"value", "v"}}}});
}

TEST_F(Capture, ExcludedCommandsProduceNothing) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*", "EXCLUDE", "hdel", "append"});
  must(c(), {"HSET", "k:1", "a", "1", "b", "2"});
  must(c(), {"HDEL", "k:1", "a"});
  must(c(), {"HDEL", "k:1", "b"});  // removes the key: its trailing del is excluded with it
  must(c(), {"SET", "k:2", "x"});
  must(c(), {"APPEND", "k:2", "y"});
  must(c(), {"DEL", "k:2"});
  expect_entries(stream("j"), {{"k:1", "c", "hset", "hash", Pairs{{"a", "1"}, {"b", "2"}}},
                               {"k:2", "c", "set", "string", Pairs{{"value", "x"}}},
                               {"k:2", "d", "del", "none"}});
  Reply info = must(c(), {"WB.INFO"});
  const Reply& job = info.elements.at(9).elements.at(0);
  ASSERT_EQ(job.elements.at(6).str, "skipped");
  EXPECT_EQ(job.elements.at(7).integer, 3);  // hdel, hdel, append
  ASSERT_EQ(job.elements.at(4).str, "captured");
  EXPECT_EQ(job.elements.at(5).integer, 3);
}

TEST_F(Capture, ExcludingDelKeepsTheDeleteByHdel) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*", "EXCLUDE", "del"});
  must(c(), {"HSET", "k:1", "a", "1"});
  must(c(), {"HDEL", "k:1", "a"});
  must(c(), {"SET", "k:2", "x"});
  must(c(), {"DEL", "k:2"});
  expect_entries(stream("j"), {{"k:1", "c", "hset", "hash", Pairs{{"a", "1"}}},
                               {"k:1", "d", "hdel", "none"},
                               {"k:2", "c", "set", "string", Pairs{{"value", "x"}}}});
}

TEST_F(Capture, SeveralJobsEachGetTheirEntry) {
  must(c(), {"WB.JOB.SET", "j2", "PATTERN", "k:1*", "PATTERN", "k:1"});  // two patterns, one entry
  must(c(), {"WB.JOB.SET", "j3", "PATTERN", "nomatch:*"});
  must(c(), {"SET", "k:1", "v"});
  must(c(), {"SET", "k:2", "w"});
  expect_entries(stream("j"), {{"k:1", "c", "set", "string", Pairs{{"value", "v"}}},
                               {"k:2", "c", "set", "string", Pairs{{"value", "w"}}}});
  expect_entries(stream("j2"), {{"k:1", "c", "set", "string", Pairs{{"value", "v"}}}});
  EXPECT_TRUE(stream("j3").empty());
}

TEST_F(Capture, GlobPatternsSelectKeys) {
  must(c(), {"WB.JOB.SET", "g", "PATTERN", "order:[0-9]?:*", "PATTERN", "exact"});
  for (const char* k : {"order:12:x", "order:1:x", "order:a2:x", "exact", "exactly"}) must(c(), {"SET", k, "v"});
  auto entries = stream("g");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].get("key"), "order:12:x");
  EXPECT_EQ(entries[1].get("key"), "exact");
}

TEST_F(Capture, BinaryKeysAndValuesAreVerbatim) {
  must(c(), {"WB.JOB.SET", "bin", "PATTERN", std::string("b\0*", 3)});
  const std::string key("b\0\xff\r\nkey", 8);
  const std::string value("\0\x01\xfe", 3);
  must(c(), {"SET", key, value});
  must(c(), {"HSET", key + "h", std::string("f\0", 2), value});
  expect_entries(stream("bin"), {{key, "c", "set", "string", Pairs{{"value", value}}},
                                 {key + "h", "c", "hset", "hash", Pairs{{std::string("f\0", 2), value}}}});
}

TEST_F(Capture, UnsupportedTypesAreSkippedButDeletesAreCaptured) {
  must(c(), {"RPUSH", "k:list", "a", "b"});
  must(c(), {"SADD", "k:set", "a"});
  must(c(), {"ZADD", "k:z", "1", "a"});
  must(c(), {"XADD", "k:x", "*", "f", "v"});
  must(c(), {"LPOP", "k:list"});
  must(c(), {"LPOP", "k:list"});  // lpop fires while the list still exists, then Redis deletes it
  must(c(), {"DEL", "k:set"});
  must(c(), {"SET", "k:z", "now a string"});  // overwrites the zset: existed, so u
  expect_entries(stream("j"), {{"k:list", "d", "del", "none"},
                               {"k:set", "d", "del", "none"},
                               {"k:z", "u", "set", "string", Pairs{{"value", "now a string"}}}});
  Reply info = must(c(), {"WB.INFO"});
  const Reply& job = info.elements.at(9).elements.at(0);
  ASSERT_EQ(job.elements.at(8).str, "unsupported");
  EXPECT_EQ(job.elements.at(9).integer, 6);  // rpush, sadd, zadd, xadd, lpop, lpop
}

TEST_F(Capture, MultiExecGivesOneEntryPerChangeInOrder) {
  must(c(), {"MULTI"});
  c().command({"HSET", "k:1", "a", "1"});
  c().command({"HSET", "k:1", "b", "2"});
  c().command({"SET", "other", "x"});
  c().command({"SET", "k:2", "s"});
  c().command({"HDEL", "k:1", "a", "b"});
  c().command({"DEL", "k:2"});
  Reply exec = must(c(), {"EXEC"});
  ASSERT_EQ(exec.elements.size(), 6u);
  // Each entry shows the key as that change left it, not as the transaction ended.
  expect_entries(stream("j"), {{"k:1", "c", "hset", "hash", Pairs{{"a", "1"}}},
                               {"k:1", "u", "hset", "hash", Pairs{{"a", "1"}, {"b", "2"}}},
                               {"k:2", "c", "set", "string", Pairs{{"value", "s"}}},
                               {"k:1", "d", "hdel", "none"},
                               {"k:2", "d", "del", "none"}});
}

TEST_F(Capture, LuaScriptGivesOneEntryPerChangeInOrder) {
  const char* script =
      "redis.call('HSET', KEYS[1], 'n', '1')\n"
      "redis.call('HINCRBY', KEYS[1], 'n', '4')\n"
      "redis.call('SET', KEYS[2], 'a')\n"
      "redis.call('APPEND', KEYS[2], 'b')\n"
      "redis.call('SET', KEYS[3], 'ignored')\n"
      "redis.call('DEL', KEYS[1])\n"
      "return 1";
  must(c(), {"EVAL", script, "3", "k:h", "k:s", "other"});
  expect_entries(stream("j"), {{"k:h", "c", "hset", "hash", Pairs{{"n", "1"}}},
                               {"k:h", "u", "hincrby", "hash", Pairs{{"n", "5"}}},
                               {"k:s", "c", "set", "string", Pairs{{"value", "a"}}},
                               {"k:s", "u", "append", "string", Pairs{{"value", "ab"}}},
                               {"k:h", "d", "del", "none"}});
}

TEST_F(Capture, ExpiredKeysOnlyForJobsThatAskForThem) {
  must(c(), {"WB.JOB.SET", "x", "PATTERN", "k:*", "EXPIRED", "yes"});
  must(c(), {"SET", "k:e", "v", "PX", "30"});
  ASSERT_TRUE(wait_until([&] { return stream("x").size() == 2; }, std::chrono::seconds(10)));
  expect_entries(stream("x"), {{"k:e", "c", "set", "string", Pairs{{"value", "v"}}},
                               {"k:e", "d", "expired", "none"}});
  expect_entries(stream("j"), {{"k:e", "c", "set", "string", Pairs{{"value", "v"}}}});  // EXPIRED no
}

TEST_F(Capture, LazilyExpiredKeyIsCapturedOnAccess) {
  must(c(), {"WB.JOB.SET", "x", "PATTERN", "k:*", "EXPIRED", "yes"});
  must(c(), {"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  must(c(), {"SET", "k:e", "v", "PX", "20"});
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(must(c(), {"GET", "k:e"}).is_nil());
  must(c(), {"DEBUG", "SET-ACTIVE-EXPIRE", "1"});
  expect_entries(stream("x"), {{"k:e", "c", "set", "string", Pairs{{"value", "v"}}},
                               {"k:e", "d", "expired", "none"}});
}

TEST_F(Capture, EvictedKeysOnlyForJobsThatAskForThem) {
  must(c(), {"WB.JOB.SET", "e", "PATTERN", "ev:*", "EVICTED", "yes"});
  must(c(), {"WB.JOB.SET", "n", "PATTERN", "ev:*"});  // EVICTED no
  // Only keys with a TTL are evicted, so the registry and the streams stay.
  must(c(), {"CONFIG", "SET", "maxmemory-policy", "volatile-lru"});
  Reply info = must(c(), {"INFO", "memory"});
  long long used_memory = std::atoll(info_field(info.str, "used_memory").c_str());
  must(c(), {"CONFIG", "SET", "maxmemory", std::to_string(used_memory + 4 * 1024 * 1024)});
  const std::string big(32 * 1024, 'x');
  int written = 0;
  for (int i = 0; i < 100; ++i) {
    Reply r = c().command({"SET", "ev:" + std::to_string(i), big, "EX", "1000"});
    if (!r.is_error()) ++written;
  }
  must(c(), {"CONFIG", "SET", "maxmemory", "0"});
  int evicted = 0, sets = 0;
  for (const Entry& e : stream("e")) {
    if (e.get("cmd") == "evicted") {
      ++evicted;
      EXPECT_EQ(e.get("op"), "d");
      EXPECT_EQ(e.get("type"), "none");
      EXPECT_TRUE(e.values().empty());
    } else {
      ++sets;
    }
  }
  EXPECT_GT(evicted, 0);
  EXPECT_EQ(sets, written);
  // Every key written is either still there or was captured as evicted.
  long long remaining = must(c(), {"EVAL", "return #redis.call('KEYS', 'ev:*')", "0"}).integer;
  EXPECT_EQ(remaining + evicted, written);
  for (const Entry& e : stream("n")) EXPECT_NE(e.get("cmd"), "evicted");
  EXPECT_EQ(stream("n").size(), static_cast<std::size_t>(written));
}

TEST_F(Capture, FlushallClearsJobs) {
  must(c(), {"SET", "k:1", "v"});
  must(c(), {"FLUSHALL"});
  must(c(), {"SET", "k:2", "v"});
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 0u);
  EXPECT_EQ(must(c(), {"EXISTS", "wb:stream:j"}).integer, 0);
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  must(c(), {"SET", "k:3", "v"});
  expect_entries(stream("j"), {{"k:3", "c", "set", "string", Pairs{{"value", "v"}}}});
}

TEST_F(Capture, SwapdbRebuildsTheJobs) {
  must(c(), {"SWAPDB", "0", "1"});  // the registry moves to db 1: no jobs in db 0
  must(c(), {"SET", "k:1", "v"});
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 0u);
  must(c(), {"SWAPDB", "0", "1"});
  must(c(), {"SET", "k:2", "v"});
  expect_entries(stream("j"), {{"k:2", "c", "set", "string", Pairs{{"value", "v"}}}});
}

TEST_F(Capture, DebugReloadKeepsCapturing) {
  must(c(), {"SET", "k:1", "v"});
  must(c(), {"DEBUG", "RELOAD"});
  must(c(), {"SET", "k:1", "w"});
  expect_entries(stream("j"), {{"k:1", "c", "set", "string", Pairs{{"value", "v"}}},
                               {"k:1", "u", "set", "string", Pairs{{"value", "w"}}}});
}

// The applier reads with XREADGROUP BLOCK: an entry appended by capture must wake a blocked reader.
TEST_F(Capture, BlockedStreamReaderIsWoken) {
  must(c(), {"SET", "k:0", "first"});  // the stream exists
  must(c(), {"XGROUP", "CREATE", "wb:stream:j", "g", "$"});
  Reply got;
  std::thread reader([&] {
    RedisClient r = server_->client();
    got = r.command({"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "10000", "STREAMS", "wb:stream:j", ">"});
  });
  ASSERT_TRUE(wait_until([&] {
    return info_field(server_->info("clients"), "blocked_clients") == "1";
  }));
  must(c(), {"HSET", "k:1", "f", "v"});
  reader.join();
  ASSERT_EQ(got.type, Reply::Type::Array) << got.to_string();
  const Reply& entries = got.elements.at(0).elements.at(1);
  ASSERT_EQ(entries.elements.size(), 1u);
  EXPECT_EQ(entries.elements[0].elements.at(1).elements.at(1).str, "k:1");
}

TEST(CaptureOptions, PrefixModuleArgument) {
  RedisOptions opts = module_options();
  opts.module_args = {"prefix", "cdc/"};
  RedisServer server(opts);
  RedisClient c = server.client();
  must(c, {"WB.JOB.SET", "j", "PATTERN", "*"});
  EXPECT_EQ(must(c, {"WB.STREAM", "j"}).str, "cdc/stream:j");
  EXPECT_EQ(must(c, {"HLEN", "cdc/jobs"}).integer, 1);
  must(c, {"SET", "wb:not-reserved-here", "v"});
  must(c, {"SET", "cdc/reserved", "v"});
  auto entries = read_stream(c, "cdc/stream:j");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].get("key"), "wb:not-reserved-here");
  expect_clean_log(server);
}

TEST(CaptureOptions, BadModuleArgumentsFailTheLoad) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"prefix"}, {"prefix", ""}, {"bogus", "x"}}) {
    RedisOptions opts = module_options();
    opts.module_args = args;
    EXPECT_THROW(RedisServer server(opts), std::runtime_error) << args[0];
  }
}

// The WB.* commands: the job lifecycle, replies, and bad input — every bad command gets a clear
// error, changes nothing and leaves the server running.
#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "module/glob.h"
#include "module/module_fixture.h"

using namespace wbtest;

namespace {

class Commands : public ModuleTest {
 protected:
  // The registry exactly as stored, to prove that a refused command changed nothing.
  std::string registry_snapshot() {
    Reply r = c().command({"HGETALL", "wb:jobs"});
    return r.to_string();
  }
  void expect_error(std::initializer_list<std::string_view> args, const std::string& fragment) {
    std::string before = registry_snapshot();
    Reply r = c().command(args);
    EXPECT_TRUE(r.is_error()) << r.to_string();
    EXPECT_NE(r.str.find(fragment), std::string::npos) << "error was: " << r.str;
    EXPECT_EQ(registry_snapshot(), before);
    EXPECT_EQ(c().command({"PING"}).str, "PONG");
  }
};

const Reply& field(const Reply& flat, const std::string& name) {
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    if (flat.elements[i].str == name) return flat.elements[i + 1];
  }
  static Reply missing;
  ADD_FAILURE() << "no field " << name << " in " << flat.to_string();
  return missing;
}

}  // namespace

TEST_F(Commands, JobLifecycle) {
  EXPECT_EQ(must(c(), {"WB.JOB.SET", "orders", "PATTERN", "order:*", "PATTERN", "o:?", "EXCLUDE", "HDEL",
                       "json.del", "EXPIRED", "yes"})
                .str,
            "OK");
  EXPECT_EQ(must(c(), {"WB.JOB.SET", "users", "PATTERN", "user:*"}).str, "OK");

  Reply list = must(c(), {"WB.JOB.LIST"});
  ASSERT_EQ(list.elements.size(), 2u);
  const Reply& orders = list.elements[0];  // sorted by name
  EXPECT_EQ(field(orders, "job").str, "orders");
  ASSERT_EQ(field(orders, "patterns").elements.size(), 2u);
  EXPECT_EQ(field(orders, "patterns").elements[0].str, "order:*");
  EXPECT_EQ(field(orders, "patterns").elements[1].str, "o:?");
  ASSERT_EQ(field(orders, "exclude").elements.size(), 2u);
  EXPECT_EQ(field(orders, "exclude").elements[0].str, "hdel");
  EXPECT_EQ(field(orders, "exclude").elements[1].str, "json.del");
  EXPECT_EQ(field(orders, "expired").str, "yes");
  EXPECT_EQ(field(orders, "evicted").str, "no");
  EXPECT_EQ(field(orders, "stream").str, "wb:stream:orders");
  EXPECT_EQ(field(list.elements[1], "job").str, "users");

  EXPECT_EQ(must(c(), {"WB.STREAM", "orders"}).str, "wb:stream:orders");
  EXPECT_EQ(must(c(), {"HLEN", "wb:jobs"}).integer, 2);

  EXPECT_EQ(must(c(), {"WB.JOB.DEL", "orders"}).integer, 1);
  EXPECT_EQ(must(c(), {"WB.JOB.DEL", "orders"}).integer, 0);
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 1u);
  Reply gone = c().command({"WB.STREAM", "orders"});
  EXPECT_TRUE(gone.is_error());
  EXPECT_NE(gone.str.find("no such job"), std::string::npos);
}

TEST_F(Commands, SetReplacesAJob) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "a:*"});
  must(c(), {"SET", "a:1", "x"});
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "b:*"});
  must(c(), {"SET", "a:2", "x"});
  must(c(), {"SET", "b:1", "x"});
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].get("key"), "a:1");
  EXPECT_EQ(entries[1].get("key"), "b:1");
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 1u);
}

TEST_F(Commands, DeletedJobStopsCapturingAndKeepsItsStream) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "a:*"});
  must(c(), {"SET", "a:1", "x"});
  must(c(), {"WB.JOB.DEL", "j"});
  must(c(), {"SET", "a:2", "x"});
  EXPECT_EQ(must(c(), {"XLEN", "wb:stream:j"}).integer, 1);  // the applier may still drain it
}

TEST_F(Commands, RegistryLivesInDbZeroWhateverTheClientSelected) {
  must(c(), {"SELECT", "5"});
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "a:*"});
  EXPECT_EQ(must(c(), {"EXISTS", "wb:jobs"}).integer, 0);  // still in db 5: nothing here
  must(c(), {"SET", "mark", "in-db-5"});
  must(c(), {"SELECT", "0"});
  EXPECT_EQ(must(c(), {"HLEN", "wb:jobs"}).integer, 1);
  EXPECT_TRUE(must(c(), {"GET", "mark"}).is_nil());
}

TEST_F(Commands, Info) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "a:*", "EXCLUDE", "del"});
  must(c(), {"SET", "a:1", "x"});
  must(c(), {"SET", "a:1", "y"});
  must(c(), {"DEL", "a:1"});
  Reply info = must(c(), {"WB.INFO"});
  EXPECT_EQ(field(info, "mode").str, "notification-call");  // Redis 7.0 has no post-notification jobs
  EXPECT_EQ(field(info, "prefix").str, "wb:");
  EXPECT_EQ(field(info, "registry").str, "wb:jobs");
  EXPECT_EQ(field(info, "append_failures").integer, 0);
  const Reply& jobs = field(info, "jobs");
  ASSERT_EQ(jobs.elements.size(), 1u);
  const Reply& j = jobs.elements[0];
  EXPECT_EQ(field(j, "job").str, "j");
  EXPECT_EQ(field(j, "stream").str, "wb:stream:j");
  EXPECT_EQ(field(j, "captured").integer, 2);
  EXPECT_EQ(field(j, "skipped").integer, 1);
  EXPECT_EQ(field(j, "unsupported").integer, 0);
  EXPECT_EQ(field(j, "stream_length").integer, 2);
}

TEST_F(Commands, AppendFailuresAreCountedNotFatal) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "a:*"});
  must(c(), {"SET", "wb:stream:j", "not a stream"});  // sabotage: XADD will get WRONGTYPE
  EXPECT_EQ(must(c(), {"SET", "a:1", "x"}).str, "OK");  // the application's write still succeeds
  Reply info = must(c(), {"WB.INFO"});
  EXPECT_EQ(field(info, "append_failures").integer, 1);
  EXPECT_NE(server_->log().find("XADD to a capture stream failed"), std::string::npos);
}

TEST_F(Commands, WrongArity) {
  must(c(), {"WB.JOB.SET", "keep", "PATTERN", "k:*"});
  expect_error({"WB.JOB.SET"}, "wrong number of arguments");
  expect_error({"WB.JOB.SET", "j"}, "wrong number of arguments");
  expect_error({"WB.JOB.SET", "j", "PATTERN"}, "wrong number of arguments");
  expect_error({"WB.JOB.DEL"}, "wrong number of arguments");
  expect_error({"WB.JOB.DEL", "a", "b"}, "wrong number of arguments");
  expect_error({"WB.JOB.LIST", "x"}, "wrong number of arguments");
  expect_error({"WB.STREAM"}, "wrong number of arguments");
  expect_error({"WB.STREAM", "a", "b"}, "wrong number of arguments");
  expect_error({"WB.INFO", "x"}, "wrong number of arguments");
}

TEST_F(Commands, BadOptions) {
  must(c(), {"WB.JOB.SET", "keep", "PATTERN", "k:*"});
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:*", "COLOR", "red"}, "unknown option 'COLOR'");
  expect_error({"WB.JOB.SET", "j", "PATTERNS", "a:*"}, "unknown option");
  expect_error({"WB.JOB.SET", "j", "EXCLUDE", "hdel", "x"}, "at least one PATTERN");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:*", "EXCLUDE"}, "EXCLUDE needs");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:*", "EXPIRED", "maybe"}, "yes or no");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:*", "EVICTED"}, "yes or no");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:*", "EXPIRED", "yes", "EXPIRED", "no"}, "more than once");
  expect_error({"WB.JOB.SET", "j", "PATTERN", ""}, "empty pattern");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:[bc"}, "unterminated");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:\\"}, "lone backslash");
  expect_error({"WB.JOB.SET", "j", "PATTERN", "a:*", "EXCLUDE", std::string("h\0del", 5)}, "invalid EXCLUDE");
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 1u);
}

TEST_F(Commands, HugePatternsAndManyPatterns) {
  expect_error({"WB.JOB.SET", "j", "PATTERN", std::string(1 << 20, '*')}, "longer than");
  std::vector<std::string> args = {"WB.JOB.SET", "j"};
  for (int i = 0; i < 65; ++i) {
    args.push_back("PATTERN");
    args.push_back("p" + std::to_string(i) + ":*");
  }
  Reply r = c().command(args);
  EXPECT_TRUE(r.is_error());
  EXPECT_NE(r.str.find("too many patterns"), std::string::npos) << r.str;
  // The largest accepted pattern works, including for matching.
  std::string big = std::string(wb::glob::kMaxPatternBytes - 1, 'a') + "*";
  must(c(), {"WB.JOB.SET", "big", "PATTERN", big});
  must(c(), {"SET", std::string(wb::glob::kMaxPatternBytes - 1, 'a') + "!", "v"});
  EXPECT_EQ(stream("big").size(), 1u);
}

TEST_F(Commands, BinaryAndInvalidJobNames) {
  must(c(), {"WB.JOB.SET", "keep", "PATTERN", "k:*"});
  for (const std::string& name : {std::string("a\0b", 3), std::string("\xff\xfe"), std::string(""),
                                  std::string(65, 'n'), std::string("has space"), std::string("a:b"),
                                  std::string("x\r\nPING")}) {
    expect_error({"WB.JOB.SET", name, "PATTERN", "a:*"}, "invalid job name");
    expect_error({"WB.JOB.DEL", name}, "invalid job name");
    expect_error({"WB.STREAM", name}, "invalid job name");
  }
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 1u);
}

TEST_F(Commands, JobNameCharactersAndLength) {
  const std::string longest(64, 'z');
  must(c(), {"WB.JOB.SET", "A-z_0.9", "PATTERN", "x"});
  must(c(), {"WB.JOB.SET", longest, "PATTERN", "x"});
  EXPECT_EQ(must(c(), {"WB.STREAM", longest}).str, "wb:stream:" + longest);
}

TEST_F(Commands, GarbageInTheRegistryIsIgnoredWithAWarning) {
  must(c(), {"WB.JOB.SET", "good", "PATTERN", "k:*"});
  must(c(), {"HSET", "wb:jobs", "bad", "not a job spec"});
  must(c(), {"HSET", "wb:jobs", "bad name", "1:v,1:1,7:pattern,1:x,7:expired,2:no,7:evicted,2:no,"});
  Reply list = must(c(), {"WB.JOB.LIST"});
  ASSERT_EQ(list.elements.size(), 1u);
  EXPECT_EQ(field(list.elements[0], "job").str, "good");
  must(c(), {"SET", "k:1", "v"});
  EXPECT_EQ(stream("good").size(), 1u);
  EXPECT_NE(server_->log().find("ignoring job 'bad'"), std::string::npos);
}

TEST_F(Commands, RegistryOfTheWrongTypeMeansNoJobs) {
  must(c(), {"SET", "wb:jobs", "oops"});
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 0u);
  Reply r = c().command({"WB.JOB.SET", "j", "PATTERN", "k:*"});
  EXPECT_TRUE(r.is_error());
  EXPECT_NE(r.str.find("WRONGTYPE"), std::string::npos) << r.str;
  must(c(), {"DEL", "wb:jobs"});
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  EXPECT_EQ(must(c(), {"WB.JOB.LIST"}).elements.size(), 1u);
}

TEST_F(Commands, CommandsWorkInsideMultiAndScripts) {
  must(c(), {"MULTI"});
  c().command({"WB.JOB.SET", "j", "PATTERN", "k:*"});
  c().command({"SET", "k:1", "v"});
  Reply exec = must(c(), {"EXEC"});
  ASSERT_EQ(exec.elements.size(), 2u);
  EXPECT_EQ(stream("j").size(), 1u);  // the job applies from the next command on, inside EXEC too
  must(c(), {"EVAL", "redis.call('WB.JOB.SET', 'j2', 'PATTERN', 'k:*'); return redis.call('SET', 'k:2', 'v')", "0"});
  EXPECT_EQ(stream("j2").size(), 1u);
}

// The glob the module uses agrees with Redis's own matcher (KEYS uses stringmatchlen).
TEST_F(Commands, GlobAgreesWithRedis) {
  const std::vector<std::string> keys = {"a", "ab", "abc", "a*c", "a?c", "a[c", "a]c", "a\\c", "abbbc",
                                         "h\xc3\xa9", "user:1", "user:12", "user:x:1", "x", "-", "]",
                                         std::string("n\0l", 3), "\xff", "a-c", "b"};
  const std::vector<std::string> patterns = {"a*", "*c", "a?c", "a\\*c", "a[b-c]*", "a[^b]c", "*[]]*",
                                             "[\\]]", "a\\\\c", "user:*", "user:?", "user:*:1", "*:*",
                                             "[a-b]", "[b-a]", "h?*", "[^a]", std::string("n\0*", 3),
                                             "[\x80-\xff]", "a[-]c", "*b*b*", "?", "**"};
  must(c(), {"SELECT", "7"});
  for (const std::string& k : keys) must(c(), {"SET", k, "1"});
  for (const std::string& p : patterns) {
    ASSERT_FALSE(wb::glob::validate_glob(p)) << p;
    Reply r = must(c(), {"KEYS", p});
    std::set<std::string> redis_says;
    for (const Reply& e : r.elements) redis_says.insert(e.str);
    std::set<std::string> ours;
    for (const std::string& k : keys) {
      if (wb::glob::glob_match(p, k)) ours.insert(k);
    }
    EXPECT_EQ(ours, redis_says) << "pattern " << p;
  }
}

// Guards the test setup itself: the server runs the module this run is meant to test (the
// sanitized build in the "asan." entries), loaded once, under the name writebehind.
TEST_F(Commands, LoadsTheModuleUnderTest) {
  const std::string expected = module_options().module_path.empty() ? module_path() : module_options().module_path;
  EXPECT_NE(server_->log().find("Module 'writebehind' loaded from " + expected), std::string::npos)
      << server_->log();
  EXPECT_EQ(expected.find("writebehind_asan.so") != std::string::npos, sanitizer_run());
  Reply modules = must(c(), {"MODULE", "LIST"});
  ASSERT_EQ(modules.elements.size(), 1u);
}

// MODULE UNLOAD stops capture cleanly; MODULE LOAD again picks the jobs up from the registry.
TEST_F(Commands, UnloadAndLoadAgain) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  must(c(), {"SET", "k:1", "v"});
  must(c(), {"MODULE", "UNLOAD", "writebehind"});
  must(c(), {"SET", "k:2", "not captured: no module"});
  EXPECT_TRUE(c().command({"WB.INFO"}).is_error());
  const std::string path = module_options().module_path.empty() ? module_path() : module_options().module_path;
  must(c(), {"MODULE", "LOAD", path});
  must(c(), {"SET", "k:3", "v"});
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].get("key"), "k:1");
  EXPECT_EQ(entries[1].get("key"), "k:3");
}

// The same, on random patterns and keys over a small alphabet full of special characters.
TEST_F(Commands, GlobAgreesWithRedisOnRandomPatterns) {
  std::mt19937 rng(2024);
  const std::string key_alphabet = "ab-]^\\*?[";
  const std::string pattern_alphabet = "ab-]^\\*?[";
  std::vector<std::string> keys;
  must(c(), {"SELECT", "9"});
  for (int i = 0; i < 150; ++i) {
    std::string k;
    std::size_t len = 1 + rng() % 5;
    for (std::size_t j = 0; j < len; ++j) k += key_alphabet[rng() % key_alphabet.size()];
    if (must(c(), {"SET", k, "1"}).str == "OK") keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  int checked = 0;
  for (int i = 0; i < 3000 && checked < 300; ++i) {
    std::string p;
    std::size_t len = 1 + rng() % 6;
    for (std::size_t j = 0; j < len; ++j) p += pattern_alphabet[rng() % pattern_alphabet.size()];
    if (wb::glob::validate_glob(p) || p == "*") continue;  // KEYS * takes a shortcut
    ++checked;
    std::set<std::string> redis_says;
    for (const Reply& e : must(c(), {"KEYS", p}).elements) redis_says.insert(e.str);
    std::set<std::string> ours;
    for (const std::string& k : keys) {
      if (wb::glob::glob_match(p, k)) ours.insert(k);
    }
    ASSERT_EQ(ours, redis_says) << "pattern " << p;
  }
  EXPECT_EQ(checked, 300);
}

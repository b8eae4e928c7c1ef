// RedisJSON documents, against the test-only stand-in (tests/module/json_standin.cc): json.set,
// json.numincrby and json.del are captured with the whole document as JSON text.
#include <string>
#include <vector>

#include "module/module_fixture.h"

using namespace wbtest;

namespace {

class Json : public ModuleTest {
 protected:
  void SetUp() override {
    RedisOptions opts = module_options();
    opts.extra_modules = {json_standin_path()};
    start_server(opts);
    must(c(), {"WB.JOB.SET", "j", "PATTERN", "doc:*"});
  }
};

}  // namespace

TEST_F(Json, EveryJsonEventCarriesTheWholeDocument) {
  must(c(), {"JSON.SET", "doc:1", "$", R"({"name":"Ada","n":1,"tags":["a"]})"});
  must(c(), {"JSON.SET", "doc:1", "$.name", R"("Grace")"});
  must(c(), {"JSON.NUMINCRBY", "doc:1", "$.n", "41"});
  must(c(), {"JSON.DEL", "doc:1", "$.tags"});
  must(c(), {"JSON.SET", "doc:1", "$", R"({"replaced":true})"});
  must(c(), {"JSON.DEL", "doc:1"});
  must(c(), {"JSON.SET", "other:1", "$", "{}"});
  expect_entries(stream("j"),
                 {{"doc:1", "c", "json.set", "json", {{"value", R"({"n":1,"name":"Ada","tags":["a"]})"}}},
                  {"doc:1", "u", "json.set", "json", {{"value", R"({"n":1,"name":"Grace","tags":["a"]})"}}},
                  {"doc:1", "u", "json.numincrby", "json", {{"value", R"({"n":42,"name":"Grace","tags":["a"]})"}}},
                  {"doc:1", "u", "json.del", "json", {{"value", R"({"n":42,"name":"Grace"})"}}},
                  {"doc:1", "u", "json.set", "json", {{"value", R"({"replaced":true})"}}},
                  {"doc:1", "d", "json.del", "none"}});
}

TEST_F(Json, CapturedTextIsWhatJsonGetReturns) {
  must(c(), {"JSON.SET", "doc:2", "$", R"({"z":1,"a":{"b":[1,2,{"c":null}]}})"});
  Reply doc = must(c(), {"JSON.GET", "doc:2"});
  auto entries = stream("j");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].get("value"), doc.str);
}

TEST_F(Json, GenericCommandsOnJsonKeys) {
  must(c(), {"JSON.SET", "tmp", "$", R"({"k":1})"});
  must(c(), {"RENAME", "tmp", "doc:r"});         // rename_to a JSON key: the document
  must(c(), {"DEL", "doc:r"});
  must(c(), {"JSON.SET", "doc:e", "$", "[1]"});
  must(c(), {"EXPIRE", "doc:e", "-1"});           // deleted by an EXPIRE in the past
  expect_entries(stream("j"), {{"doc:r", "c", "rename_to", "json", {{"value", R"({"k":1})"}}},
                               {"doc:r", "d", "del", "none"},
                               {"doc:e", "c", "json.set", "json", {{"value", "[1]"}}},
                               {"doc:e", "d", "del", "none"}});
}

TEST_F(Json, ExcludeJsonDel) {
  must(c(), {"WB.JOB.SET", "j", "PATTERN", "doc:*", "EXCLUDE", "json.del"});
  must(c(), {"JSON.SET", "doc:1", "$", R"({"a":1,"b":2})"});
  must(c(), {"JSON.DEL", "doc:1", "$.a"});
  must(c(), {"JSON.DEL", "doc:1"});
  expect_entries(stream("j"), {{"doc:1", "c", "json.set", "json", {{"value", R"({"a":1,"b":2})"}}}});
}

TEST(JsonReplication, ReplicaGetsTheSameEntries) {
  RedisOptions mo = module_options();
  mo.extra_modules = {json_standin_path()};
  RedisServer master(mo);
  RedisOptions ro = mo;
  ro.replica_of_port = master.port();
  RedisServer replica(ro);
  replica.wait_for_sync(master);
  RedisClient m = master.client();
  must(m, {"WB.JOB.SET", "j", "PATTERN", "doc:*"});
  must(m, {"JSON.SET", "doc:1", "$", R"({"n":1})"});
  must(m, {"JSON.NUMINCRBY", "doc:1", "$.n", "1"});
  replica.wait_for_sync(master);
  RedisClient r = replica.client();
  auto on_master = read_stream(m, "wb:stream:j");
  auto on_replica = read_stream(r, "wb:stream:j");
  ASSERT_EQ(on_master.size(), 2u);
  ASSERT_EQ(on_replica.size(), 2u);
  EXPECT_EQ(on_replica[1].fields, on_master[1].fields);
  EXPECT_EQ(must(r, {"JSON.GET", "doc:1"}).str, R"({"n":2})");
  expect_clean_log(master);
  expect_clean_log(replica);
}

// The user tools, as subprocesses of the built binary: `writebehind eval` (results as JSON, exit 1
// with the error and a caret) and `writebehind trace` — on records from a file, and following a
// deployed job's live stream on a real redis-server with the capture module, without consuming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_process.h"
#include "harness/redis_server.h"

namespace wbtest {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// eval

TEST(Eval, JmespathResultAsJson) {
  CliRun r = run_writebehind({"eval", "--language", "jmespath", "--expression", "concat([first, ' ', last])", "--input",
                              R"({"first": "Ann", "last": "Lee"})"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "\"Ann Lee\"\n");
  EXPECT_EQ(r.err, "");
}

TEST(Eval, SqlFromStdinWithNestedFields) {
  CliRun r = run_writebehind({"eval", "--language", "sql", "--expression", "(`a.b` * age) || ' units'"}, R"({"age": 3, "a": {"b": 7}})");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "\"21 units\"\n");
}

TEST(Eval, InputFileAndStructuredResults) {
  TempDir dir("wb_eval");
  std::ofstream(dir.file("rec.json")) << R"({"items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 0}]})";
  CliRun r = run_writebehind({"eval", "-l", "jmespath", "-e", "{skus: items[?qty > `0`].sku, n: length(items)}", "--input-file",
                              dir.file("rec.json")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "{\"n\":2,\"skus\":[\"a\"]}\n");
  CliRun nothing = run_writebehind({"eval", "-l", "jmespath", "-e", "missing", "-i", "{}"});
  ASSERT_EQ(nothing.exit_code, 0) << nothing.describe();
  EXPECT_EQ(nothing.out, "null\n");
}

TEST(Eval, RdiFunctionsAndTheAfterRule) {
  CliRun r = run_writebehind({"eval", "-l", "jmespath", "-e", "hash(after.name, 'sha256')", "-i", R"({"name": "x"})"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "\"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\"\n");
}

TEST(Eval, SyntaxErrorExitsOneWithACaret) {
  CliRun r = run_writebehind({"eval", "-l", "jmespath", "-e", "concat([a, b]", "-i", "{}"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "writebehind: invalid jmespath expression: syntax: expected ',' or ')', got end of expression\n"
                   "concat([a, b]\n"
                   "             ^\n");
}

TEST(Eval, UnknownFunctionAndSqlErrors) {
  CliRun f = run_writebehind({"eval", "-l", "jmespath", "-e", "uper(name)", "-i", "{}"});
  EXPECT_EQ(f.exit_code, 1) << f.describe();
  EXPECT_TRUE(contains(f.err, "unknown-function")) << f.err;
  CliRun s = run_writebehind({"eval", "-l", "sql", "-e", "age >> > 1", "-i", "{}"});
  EXPECT_EQ(s.exit_code, 1) << s.describe();
  EXPECT_TRUE(contains(s.err, "invalid sql expression: near \">\": syntax error")) << s.err;
}

TEST(Eval, EvaluationErrorsAndBadInput) {
  CliRun t = run_writebehind({"eval", "-l", "jmespath", "-e", "length(age)", "-i", R"({"age": 5})"});
  EXPECT_EQ(t.exit_code, 1) << t.describe();
  EXPECT_TRUE(contains(t.err, "evaluation failed: invalid-type")) << t.err;
  CliRun j = run_writebehind({"eval", "-l", "jmespath", "-e", "a", "-i", "{not json"});
  EXPECT_EQ(j.exit_code, 1) << j.describe();
  EXPECT_TRUE(contains(j.err, "the input is not JSON")) << j.err;
  CliRun l = run_writebehind({"eval", "-l", "python", "-e", "a", "-i", "{}"});
  EXPECT_EQ(l.exit_code, 2) << l.describe();
  CliRun missing = run_writebehind({"eval", "-l", "sql"});
  EXPECT_EQ(missing.exit_code, 2) << missing.describe();
}

// ---------------------------------------------------------------------------------------------
// trace

// A pipeline directory: rdi-current's job unchanged, a config.yaml with an SQLite "warehouse".
class PipelineDir {
 public:
  PipelineDir() : dir_("wb_trace") {
    fs::create_directories(dir_.file("jobs"));
    std::ofstream(dir_.file("config.yaml")) << "connections:\n  warehouse:\n    type: sqlite\n    database: ./w.db\n";
    fs::copy_file(shared_dir() + "/examples/rdi-current/jobs/customers.yaml", dir_.file("jobs/customers.yaml"));
  }
  void write(const std::string& rel, const std::string& text) { std::ofstream(dir_.file(rel)) << text; }
  std::string path() const { return dir_.path(); }
  std::string file(const std::string& rel) const { return dir_.file(rel); }

 private:
  TempDir dir_;
};

const char* kCustomerLines =
    R"({"id": "1", "first_name": "Ann", "last_name": "Lee", "email": "a@x", "country_code": "FR", "country_name": "France", "credit_card": "4111", "status": "live"})"
    "\n"
    R"({"id": "2", "first_name": "Bo", "last_name": "Li", "status": "test"})"
    "\n\n"
    R"({"key": "customer:9", "op": "c", "value": {"first_name": "No", "last_name": "Id", "status": "live"}})"
    "\n"
    R"({"key": "customer:3", "op": "d", "value": {}})"
    "\n";

TEST(Trace, InputFileShowsEveryBlockAndTheStatement) {
  PipelineDir p;
  p.write("in.jsonl", kCustomerLines);
  CliRun r = run_writebehind({"trace", "--dir", p.path(), "--job", "customers", "--input-file", p.file("in.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string& o = r.out;
  EXPECT_TRUE(contains(o, "--- entry 0-1 op c")) << o;
  EXPECT_TRUE(contains(o, "  transform[0] filter: kept\n")) << o;
  EXPECT_TRUE(contains(o, "\"full_name\":\"Ann Lee\"")) << o;
  EXPECT_TRUE(contains(o, "\"country_label\":\"FR - FRANCE\"")) << o;
  EXPECT_TRUE(contains(o, "  output[0] relational.write warehouse.shop.customers (UPSERT):\n"
                          "    UPSERT INTO shop.customers (customer_id, full_name, email, country_label) "
                          "VALUES ('1', 'Ann Lee', 'a@x', 'FR - FRANCE') KEY (customer_id)\n"))
      << o;
  // The credit card is removed before the output sees the record.
  size_t out_line = o.find("  out: ");
  ASSERT_NE(out_line, std::string::npos);
  EXPECT_FALSE(contains(o.substr(out_line, o.find('\n', out_line) - out_line), "credit_card")) << o;
  EXPECT_TRUE(contains(o, "--- entry 0-2 op c")) << o;
  EXPECT_TRUE(contains(o, "  transform[0] filter: filtered (the record stops here)\n")) << o;
  EXPECT_TRUE(contains(o, "--- entry 0-3 key customer:9 op c")) << o;
  EXPECT_TRUE(contains(o, "    REJECTED: no value for key column 'customer_id' (source 'id')\n")) << o;
  EXPECT_TRUE(contains(o, "--- entry 0-4 key customer:3 op d")) << o;
  EXPECT_TRUE(contains(o, "  a delete passes every block unchanged\n")) << o;
  EXPECT_TRUE(contains(o, "trace: 4 records shown (2 kept, 1 filtered, 1 rejected)\n")) << o;
}

TEST(Trace, OnlyRejectedAndMaxRecords) {
  PipelineDir p;
  p.write("in.jsonl", kCustomerLines);
  CliRun r = run_writebehind({"trace", "--dir", p.path(), "--job", "customers", "--input-file", p.file("in.jsonl"),
                              "--trace-only-rejected"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(contains(r.out, "--- entry 0-1")) << r.out;
  EXPECT_TRUE(contains(r.out, "--- entry 0-3 key customer:9")) << r.out;
  EXPECT_TRUE(contains(r.out, "trace: 1 record shown")) << r.out;
  CliRun two = run_writebehind({"trace", "--dir", p.path(), "--job", "customers", "--input-file", p.file("in.jsonl"),
                                "--max-change-records", "2"});
  ASSERT_EQ(two.exit_code, 0) << two.describe();
  EXPECT_TRUE(contains(two.out, "--- entry 0-2")) << two.out;
  EXPECT_FALSE(contains(two.out, "--- entry 0-3")) << two.out;
}

TEST(Trace, JsonArrayFileFullRowFormatAndTransformRejections) {
  PipelineDir p;
  p.write("jobs/emp.yaml",
          "source:\n  redis:\n    key_pattern: emp:*\n  row_format: full\n"
          "transform:\n  - uses: add_field\n    with:\n      field: after.n\n      language: jmespath\n      expression: length(after.name)\n"
          "output:\n  - uses: relational.write\n    with:\n      connection: warehouse\n      table: emp\n      keys:\n        - id: after.id\n"
          "      mapping:\n        - n: after.n\n");
  p.write("in.json", R"([{"key": "emp:1", "value": {"id": "1", "name": "Ann"}}, {"key": "emp:2", "value": {"id": "2", "name": 5}}])");
  CliRun r = run_writebehind({"trace", "--dir", p.path(), "--job", "emp", "--input-file", p.file("in.json")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, R"(in:  {"after":{"id":"1","name":"Ann"},"before":null,"key":{"key":"emp:1"},"opcode":"c"})")) << r.out;
  EXPECT_TRUE(contains(r.out, "UPSERT INTO emp (id, n) VALUES ('1', '3') KEY (id)")) << r.out;
  EXPECT_TRUE(contains(r.out, "  transform[0] add_field: REJECTED: after.n: invalid-type")) << r.out;
  EXPECT_TRUE(contains(r.out, "(1 kept, 0 filtered, 1 rejected)")) << r.out;
}

TEST(Trace, UnknownJobAndBadFile) {
  PipelineDir p;
  CliRun r = run_writebehind({"trace", "--dir", p.path(), "--job", "customer", "--input-file", p.file("none.jsonl")});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "no job named \"customer\"")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean \"customers\"")) << r.err;
  p.write("bad.jsonl", "{\"a\": 1}\n{oops\n");
  CliRun b = run_writebehind({"trace", "--dir", p.path(), "--job", "customers", "--input-file", p.file("bad.jsonl")});
  EXPECT_EQ(b.exit_code, 1) << b.describe();
  EXPECT_TRUE(contains(b.err, "bad.jsonl:2: not JSON")) << b.err;
}

class LiveTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    CliRun d = run_writebehind({"deploy", "--dir", dir_.path(), "--redis", redis_.url()});
    ASSERT_EQ(d.exit_code, 0) << d.describe();
  }
  // Starts a trace and waits until it follows the stream.
  std::unique_ptr<CliProcess> start_trace(std::vector<std::string> extra) {
    std::vector<std::string> args{"trace", "--job", "customers", "--redis", redis_.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::make_unique<CliProcess>(args);
    EXPECT_TRUE(wait_until([&] { return contains(p->err_so_far(), "trace: following "); })) << p->err_so_far();
    return p;
  }

  PipelineDir dir_;
  RedisServer redis_;
};

TEST_F(LiveTrace, FollowsTheStreamWithoutConsumingIt) {
  RedisClient c = redis_.client();
  // Written before the trace starts: not shown (trace follows from the stream's end).
  c.command({"HSET", "customer:0", "id", "0", "first_name", "Old", "last_name", "One", "status", "live"});
  auto trace = start_trace({"--max-change-records", "3", "--timeout", "30"});
  c.command({"HSET", "customer:1", "id", "1", "first_name", "Ann", "last_name", "Lee", "email", "a@x", "country_code", "FR",
             "country_name", "France", "credit_card", "4111", "status", "live"});
  c.command({"HSET", "customer:2", "id", "2", "first_name", "Bo", "last_name", "Li", "status", "test"});
  c.command({"DEL", "customer:1"});
  CliRun r = trace->wait();
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string& o = r.out;
  EXPECT_FALSE(contains(o, "customer:0")) << o;
  EXPECT_TRUE(contains(o, " key customer:1 op c (hset)")) << o;
  EXPECT_TRUE(contains(o, "VALUES ('1', 'Ann Lee', 'a@x', 'FR - FRANCE') KEY (customer_id)")) << o;
  EXPECT_TRUE(contains(o, " key customer:2 op c (hset)")) << o;
  EXPECT_TRUE(contains(o, "filter: filtered")) << o;
  EXPECT_TRUE(contains(o, " key customer:1 op d (del)")) << o;
  EXPECT_TRUE(contains(o, "trace: 3 records shown (2 kept, 1 filtered, 0 rejected)")) << o;

  // Nothing consumed: no consumer group, every entry still in the stream.
  Reply stream = c.command({"WB.STREAM", "customers"});
  ASSERT_EQ(stream.type, Reply::Type::String) << stream.to_string();
  Reply groups = c.command({"XINFO", "GROUPS", stream.str});
  ASSERT_EQ(groups.type, Reply::Type::Array) << groups.to_string();
  EXPECT_TRUE(groups.elements.empty()) << groups.to_string();
  Reply len = c.command({"XLEN", stream.str});
  EXPECT_EQ(len.integer, 4) << len.to_string();
}

TEST_F(LiveTrace, DeleteShowsTheTrackedRowItWouldRemove) {
  RedisClient c = redis_.client();
  // What the applier would have recorded after writing customer:5's row (key tracking).
  c.command({"HSET", "wb:keys:customers:warehouse.shop.customers", "customer:5", "[\"5\"]"});
  auto trace = start_trace({"--max-change-records", "1", "--timeout", "30"});
  c.command({"HSET", "customer:5", "id", "5", "status", "live"});
  CliRun first = trace->wait();
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  trace = start_trace({"--max-change-records", "1", "--timeout", "30"});
  c.command({"DEL", "customer:5"});
  CliRun r = trace->wait();
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "DELETE FROM shop.customers WHERE customer_id = '5'")) << r.out;
}

TEST_F(LiveTrace, TimeoutEndsAQuietTrace) {
  auto start = std::chrono::steady_clock::now();
  auto trace = start_trace({"--timeout", "1"});
  CliRun r = trace->wait();
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "trace: 0 records shown")) << r.out;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(LiveTrace, InputFileWithTheDeployedPipeline) {
  dir_.write("in.jsonl", kCustomerLines);
  CliRun r = run_writebehind({"trace", "--job", "customers", "--redis", redis_.url(), "--input-file", dir_.file("in.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "trace: 4 records shown (2 kept, 1 filtered, 1 rejected)")) << r.out;
}

}  // namespace
}  // namespace wbtest

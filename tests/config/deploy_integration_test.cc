// deploy, list-jobs and describe-job against a real redis-server with the capture module: the
// module's jobs follow the pipeline through redeploys (captures really start and stop), the
// stored pipeline is the files as written (secrets unresolved), passwords never show.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli_runner.h"
#include "harness/redis_server.h"

namespace {

namespace fs = std::filesystem;
using wbtest::Reply;
using wbtest::run_cli;

constexpr const char* kSecretValue = "resolved-secret-value-7f3a";  // must never reach Redis
constexpr const char* kLiteralPassword = "hunter2-literal";         // stored as written, never printed

const char* kConfig =
    "connections:\n"
    "  events:\n"
    "    type: sqlite\n"
    "    database: ./events.db\n"
    "  pg:\n"
    "    type: postgresql\n"
    "    host: 127.0.0.1\n"
    "    database: app\n"
    "    user: app\n"
    "    password: ${env:WB_TEST_PG_PASSWORD}\n"
    "  pg2:\n"
    "    type: postgresql\n"
    "    host: 127.0.0.1\n"
    "    database: app\n"
    "    password: hunter2-literal\n";

std::string key_job(const std::string& pattern, const std::string& connection, const std::string& exclude = "") {
  return "source:\n  redis:\n    key_pattern: " + pattern + "\n" +
         (exclude.empty() ? "" : "    exclude_commands: [\"" + exclude + "\"]\n") +
         "output:\n  - uses: relational.write\n    with:\n      connection: " + connection +
         "\n      table: t\n      keys: [id]\n";
}

const char* kStreamJob =
    "source:\n  stream:\n    name: app:events\noutput:\n  - uses: relational.write\n    with:\n"
    "      connection: events\n      table: events\n";

class DeployTest : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& content) {
    fs::path p = fs::path(dir_.path()) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  }
  void remove(const std::string& rel) { fs::remove(fs::path(dir_.path()) / rel); }

  wbtest::CliResult cli(std::vector<std::string> args) {
    args.push_back("--redis");
    args.push_back(server_.url());
    return run_cli(args, {std::string("WB_TEST_PG_PASSWORD=") + kSecretValue});
  }

  // job name -> its patterns, from WB.JOB.LIST.
  std::map<std::string, std::vector<std::string>> capture_jobs() {
    Reply list = client_.command({"WB.JOB.LIST"});
    EXPECT_EQ(list.type, Reply::Type::Array) << list.to_string();
    std::map<std::string, std::vector<std::string>> out;
    for (const Reply& job : list.elements) {
      std::string name;
      std::vector<std::string> patterns;
      for (size_t i = 0; i + 1 < job.elements.size(); i += 2) {
        if (job.elements[i].str == "job") name = job.elements[i + 1].str;
        if (job.elements[i].str == "patterns") {
          for (const Reply& p : job.elements[i + 1].elements) patterns.push_back(p.str);
        }
      }
      out[name] = patterns;
    }
    return out;
  }

  long long stream_length(const std::string& job) {
    Reply stream = client_.command({"WB.STREAM", job});
    if (stream.is_error()) return -1;
    return client_.command({"XLEN", stream.str}).integer;
  }

  std::map<std::string, std::string> stored_pipeline() {
    Reply all = client_.command({"HGETALL", "wb:pipeline"});
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2) out[all.elements[i].str] = all.elements[i + 1].str;
    return out;
  }

  wbtest::RedisServer server_;
  wbtest::RedisClient client_ = server_.client();
  wbtest::TempDir dir_{"wb_deploy"};
};

TEST_F(DeployTest, CapturesFollowThePipelineAcrossRedeploys) {
  write("config.yaml", kConfig);
  write("jobs/orders.yaml", key_job("order:*", "pg"));
  write("jobs/users.yaml", key_job("user:*", "pg2", "hdel"));
  write("jobs/clicks.yaml", kStreamJob);

  auto first = cli({"deploy", "--dir", dir_.path()});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_EQ(first.out, "deployed " + dir_.path() + " to " + server_.url() +
                           "/0: 3 jobs, 3 connections, 2 capture jobs\n");
  EXPECT_EQ(first.err, "");
  // The directory deployed from is kept, absolute, so that an applier running anywhere resolves a
  // relative SQLite path against it (not against its own working directory).
  EXPECT_EQ(client_.command({"HGET", "wb:pipeline", "@directory"}).str, dir_.path());
  auto jobs = capture_jobs();
  EXPECT_EQ(jobs, (std::map<std::string, std::vector<std::string>>{{"orders", {"order:*"}}, {"users", {"user:*"}}}));

  // Captures are live: a write to a captured key lands in its job's stream; HDEL is excluded for users.
  client_.command({"HSET", "order:1", "id", "1", "total", "10"});
  client_.command({"HSET", "user:1", "id", "1", "name", "ann"});
  client_.command({"HDEL", "user:1", "name"});
  EXPECT_EQ(stream_length("orders"), 1);
  EXPECT_EQ(stream_length("users"), 1);

  // The pipeline is stored as written: secrets unresolved, one field per file, a checksum.
  auto stored = stored_pipeline();
  EXPECT_EQ(stored["config.yaml"], kConfig);
  EXPECT_EQ(stored["jobs/orders.yaml"], key_job("order:*", "pg"));
  EXPECT_EQ(stored["jobs/clicks.yaml"], kStreamJob);
  EXPECT_EQ(stored["@checksum"].size(), 64u);
  for (const auto& [field, value] : stored) EXPECT_EQ(value.find(kSecretValue), std::string::npos) << field;
  const std::string first_checksum = stored["@checksum"];
  auto listed = cli({"list-jobs"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  auto users_line = wbtest::lines_of(listed.out).back();
  EXPECT_EQ(users_line.substr(0, 5), "users");
  EXPECT_NE(users_line.find(" yes "), std::string::npos) << users_line;  // pattern and EXCLUDE as deployed

  // Idempotent: the same deploy again changes nothing.
  auto again = cli({"deploy", "--dir", dir_.path()});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(capture_jobs(), jobs);
  EXPECT_EQ(stored_pipeline()["@checksum"], first_checksum);

  // Redeploy with orders moved to another pattern and users removed.
  write("jobs/orders.yaml", key_job("purchase:*", "pg"));
  remove("jobs/users.yaml");
  auto second = cli({"deploy", "--dir", dir_.path()});
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_EQ(second.out, "deployed " + dir_.path() + " to " + server_.url() +
                            "/0: 2 jobs, 3 connections, 1 capture job; removed capture job users\n");
  EXPECT_EQ(capture_jobs(), (std::map<std::string, std::vector<std::string>>{{"orders", {"purchase:*"}}}));
  EXPECT_NE(stored_pipeline()["@checksum"], first_checksum);
  EXPECT_EQ(stored_pipeline().count("jobs/users.yaml"), 0u);

  const long long orders_before = stream_length("orders");
  client_.command({"HSET", "purchase:7", "id", "7"});  // the new pattern is captured
  client_.command({"HSET", "order:2", "id", "2"});     // the old one is not any more
  EXPECT_EQ(stream_length("orders"), orders_before + 1);
  client_.command({"HSET", "user:2", "id", "2"});  // the removed job captures nothing
  EXPECT_TRUE(client_.command({"WB.STREAM", "users"}).is_error());

  // list-jobs: every job of the deployed pipeline, with its capture state.
  auto list = cli({"list-jobs"});
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  auto lines = wbtest::lines_of(list.out);
  ASSERT_EQ(lines.size(), 3u) << list.out;
  EXPECT_EQ(lines[0].substr(0, 4), "NAME");
  EXPECT_NE(lines[1].find("clicks"), std::string::npos);
  EXPECT_NE(lines[1].find("stream app:events"), std::string::npos);
  EXPECT_NE(lines[2].find("orders"), std::string::npos);
  EXPECT_NE(lines[2].find("keys purchase:*"), std::string::npos);
  EXPECT_NE(lines[2].find(" yes "), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("relational.write pg:t"), std::string::npos) << lines[2];
}

TEST_F(DeployTest, DescribeJobMasksPasswordsAndShowsSecretsUnresolved) {
  write("config.yaml", kConfig);
  write("jobs/a.yaml", key_job("a:*", "pg"));
  write("jobs/b.yaml", key_job("b:*", "pg2"));
  ASSERT_EQ(cli({"deploy", "--dir", dir_.path()}).exit_code, 0);

  for (const char* job : {"a", "b"}) {
    auto d = cli({"describe-job", job});
    ASSERT_EQ(d.exit_code, 0) << d.describe();
    EXPECT_NE(d.out.find(std::string("\"name\": \"") + job + "\""), std::string::npos) << d.out;
    EXPECT_NE(d.out.find("\"password\": \"****\""), std::string::npos) << d.out;
    EXPECT_EQ(d.out.find(kLiteralPassword), std::string::npos) << d.out;
    EXPECT_EQ(d.out.find(kSecretValue), std::string::npos) << d.out;
    EXPECT_EQ(d.out.find("WB_TEST_PG_PASSWORD"), std::string::npos) << d.out;  // masked even as a reference
  }
  auto a = cli({"describe-job", "a"});
  EXPECT_NE(a.out.find("\"key_pattern\": \"a:*\""), std::string::npos) << a.out;
  EXPECT_EQ(a.out.find("\"pg2\""), std::string::npos) << "only the connections the job uses: " << a.out;

  auto missing = cli({"describe-job", "aa"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "writebehind: no job named \"aa\" in the deployed pipeline (did you mean \"a\"?)\n");
}

TEST_F(DeployTest, NothingDeployedIsOneLine) {
  auto list = cli({"list-jobs"});
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_EQ(list.err, "writebehind: no pipeline is deployed in Redis at " + server_.url() +
                          "/0 (writebehind deploy --dir DIR)\n");
}

TEST_F(DeployTest, RefusedDeployLeavesRedisUntouched) {
  write("config.yaml", kConfig);
  write("jobs/a.yaml", key_job("a:*", "pg"));
  ASSERT_EQ(cli({"deploy", "--dir", dir_.path()}).exit_code, 0);
  const auto before = stored_pipeline();

  write("jobs/a.yaml", key_job("a:*", "nope"));  // invalid: unknown connection
  write("jobs/b.yaml", key_job("b:*", "pg"));
  auto r = cli({"deploy", "--dir", dir_.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(stored_pipeline(), before);
  EXPECT_EQ(capture_jobs(), (std::map<std::string, std::vector<std::string>>{{"a", {"a:*"}}}));
}

TEST(DeployWithoutModule, SaysTheModuleIsMissing) {
  wbtest::RedisOptions options;
  options.load_module = false;
  wbtest::RedisServer server(options);
  auto r = run_cli({"deploy", "--dir", wbtest::shared_dir() + "/examples/user-actions", "--redis", server.url()});
  EXPECT_EQ(r.exit_code, 1);
  auto lines = wbtest::lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_NE(lines[0].find("the writebehind module does not answer"), std::string::npos) << lines[0];
  EXPECT_EQ(server.client().command({"EXISTS", "wb:pipeline"}).integer, 0);
}

}  // namespace

namespace {

// The pipeline lives under the module's prefix (WB.INFO), like every other reserved key.
TEST(DeployWithPrefix, PipelineFollowsTheModulePrefix) {
  wbtest::RedisOptions options;
  options.module_args = {"prefix", "app1:"};
  wbtest::RedisServer server(options);
  std::string dir = wbtest::shared_dir() + "/examples/user-actions";
  auto r = run_cli({"deploy", "--dir", dir, "--redis", server.url()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto client = server.client();
  EXPECT_EQ(client.command({"EXISTS", "app1:pipeline"}).integer, 1);
  EXPECT_EQ(client.command({"EXISTS", "wb:pipeline"}).integer, 0);
  auto list = run_cli({"list-jobs", "--redis", server.url()});
  EXPECT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_NE(list.out.find("user_action"), std::string::npos) << list.out;
}

}  // namespace

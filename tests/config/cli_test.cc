// The `writebehind` binary as users run it: exit codes, help and version, validate's output,
// scaffold for every target type (each scaffold validates), and failures that are one clear line.
// Deploy against a real Redis is in deploy_integration_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "harness/process.h"
#include "version.h"

namespace {

namespace fs = std::filesystem;
using wbtest::lines_of;
using wbtest::run_cli;
using wbtest::TempDir;

const std::vector<std::string> kDbTypes = {"postgresql", "mysql",     "mariadb", "sqlite",
                                           "redis",      "sqlserver", "oracle",  "cassandra"};

std::string examples_dir() { return wbtest::shared_dir() + "/examples"; }
std::string case_dir(const std::string& name) { return std::string(WB_CONFIG_CASES_DIR) + "/" + name; }

void write(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// A port nothing listens on.
std::string dead_redis_url() { return "redis://127.0.0.1:" + std::to_string(wbtest::free_port()); }

TEST(Cli, VersionAndHelp) {
  auto v = run_cli({"--version"});
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  EXPECT_EQ(v.out, std::string("writebehind ") + WRITEBEHIND_VERSION + "\n");
  auto h = run_cli({"--help"});
  EXPECT_EQ(h.exit_code, 0) << h.describe();
  for (const char* sub : {"scaffold", "validate", "deploy", "list-jobs", "describe-job"}) {
    EXPECT_NE(h.out.find(sub), std::string::npos) << sub;
    auto sh = run_cli({sub, "--help"});
    EXPECT_EQ(sh.exit_code, 0) << sub << sh.describe();
    EXPECT_NE(sh.out.find(std::string("writebehind ") + sub), std::string::npos) << sh.describe();
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli({}).exit_code, 2);
  EXPECT_EQ(run_cli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_cli({"validate", "--bogus"}).exit_code, 2);
  EXPECT_EQ(run_cli({"scaffold", "--dir", "x"}).exit_code, 2);  // --db-type is required
  EXPECT_EQ(run_cli({"scaffold", "--db-type", "mongodb", "--preview", "config.yaml"}).exit_code, 2);
  EXPECT_EQ(run_cli({"describe-job"}).exit_code, 2);  // NAME is required
}

TEST(Cli, ValidateAcceptsEverySharedExample) {
  struct Example {
    std::string name;
    int jobs, connections;
  };
  for (const Example& e : {Example{"rdi-quickstart", 1, 2}, Example{"rdi-current", 1, 1},
                           Example{"user-actions", 1, 1}}) {
    std::string dir = examples_dir() + "/" + e.name;
    auto r = run_cli({"validate", "--dir", dir});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, dir + ": valid pipeline: " + std::to_string(e.jobs) + " job, " + std::to_string(e.connections) +
                         " connection" + (e.connections == 1 ? "" : "s") + "\n");
    EXPECT_EQ(r.err, "");
  }
}

TEST(Cli, ValidatePrintsEveryErrorAndExitsOne) {
  std::string dir = case_dir("error-errors-in-every-file");
  auto r = run_cli({"validate", "--dir", dir});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "");
  // The findings are exactly the corpus case's expected lines, then one summary line.
  std::string expected = wbtest::read_text_file(dir + "/expected");
  auto expected_lines = lines_of(expected);
  EXPECT_EQ(r.err, expected + dir + ": invalid pipeline: " + std::to_string(expected_lines.size()) + " errors\n");
}

TEST(Cli, ValidateCountsWarningsButPasses) {
  std::string dir = case_dir("valid-ingest-only-fields-warn");
  auto r = run_cli({"validate", "--dir", dir});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(lines_of(r.err).size(), 9u) << r.describe();
  EXPECT_EQ(r.out, dir + ": valid pipeline: 1 job, 1 connection, 9 warnings\n");
}

TEST(Cli, ValidateOfAMissingDirectoryIsOneLine) {
  auto r = run_cli({"validate", "--dir", "/nonexistent/pipeline"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "writebehind: /nonexistent/pipeline is not a directory\n");
}

TEST(Cli, ValidateDefaultsToTheCurrentDirectory) {
  auto r = run_cli({"validate"}, {}, examples_dir() + "/user-actions");
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, ".: valid pipeline: 1 job, 1 connection\n");
}

TEST(Cli, ScaffoldOfEveryTypeValidates) {
  for (const auto& type : kDbTypes) {
    TempDir dir("wb_scaffold");
    std::string target = dir.file("pipeline");
    auto s = run_cli({"scaffold", "--db-type", type, "--dir", target});
    ASSERT_EQ(s.exit_code, 0) << type << s.describe();
    EXPECT_EQ(s.out, "wrote " + target + "/config.yaml\nwrote " + target + "/jobs/users.yaml\n");
    auto v = run_cli({"validate", "--dir", target});
    EXPECT_EQ(v.exit_code, 0) << type << v.describe();
    EXPECT_NE(v.out.find("valid pipeline: 1 job, 1 connection"), std::string::npos) << type << v.describe();
    // The config names every applier field with its default.
    std::string config = wbtest::read_text_file(target + "/config.yaml");
    for (const char* field : {"read_batch_size: 2000", "write_batch_size: 200", "duration: 100",
                              "on_failed_retry_interval: 5", "error_handling: dlq", "dlq_max_messages: 1000"}) {
      EXPECT_NE(config.find(field), std::string::npos) << type << ": " << field;
    }
    EXPECT_NE(config.find("type: " + type), std::string::npos) << config;
  }
}

TEST(Cli, ScaffoldPreviewPrintsWithoutWriting) {
  TempDir dir("wb_scaffold");
  std::string target = dir.file("p");
  ASSERT_EQ(run_cli({"scaffold", "--db-type", "postgresql", "--dir", target}).exit_code, 0);
  auto config = run_cli({"scaffold", "--db-type", "postgresql", "--preview", "config.yaml"}, {}, dir.path());
  EXPECT_EQ(config.exit_code, 0) << config.describe();
  EXPECT_EQ(config.out, wbtest::read_text_file(target + "/config.yaml"));
  auto job = run_cli({"scaffold", "--db-type", "postgresql", "--preview", "jobs/users.yaml"});
  EXPECT_EQ(job.exit_code, 0);
  EXPECT_EQ(job.out, wbtest::read_text_file(target + "/jobs/users.yaml"));
  EXPECT_FALSE(fs::exists(dir.file("config.yaml")));  // preview ran in dir and wrote nothing there
  auto bad = run_cli({"scaffold", "--db-type", "postgresql", "--preview", "nope.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(lines_of(bad.err).size(), 1u) << bad.describe();
}

TEST(Cli, ScaffoldKeepsExistingFilesUnlessForced) {
  TempDir dir("wb_scaffold");
  std::string target = dir.file("p");
  write(target + "/config.yaml", "# mine\n");
  auto kept = run_cli({"scaffold", "--db-type", "sqlite", "--dir", target});
  EXPECT_EQ(kept.exit_code, 0) << kept.describe();
  EXPECT_EQ(kept.out, "kept " + target + "/config.yaml (it exists; --force overwrites it)\nwrote " + target +
                          "/jobs/users.yaml\n");
  EXPECT_EQ(wbtest::read_text_file(target + "/config.yaml"), "# mine\n");
  auto forced = run_cli({"scaffold", "--db-type", "sqlite", "--dir", target, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_NE(wbtest::read_text_file(target + "/config.yaml").find("type: sqlite"), std::string::npos);
  EXPECT_EQ(run_cli({"validate", "--dir", target}).exit_code, 0);
}

TEST(Cli, UnreachableRedisIsOneClearLine) {
  std::string url = dead_redis_url();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"deploy", "--dir", examples_dir() + "/user-actions", "--redis", url},
        std::vector<std::string>{"list-jobs", "--redis", url},
        std::vector<std::string>{"describe-job", "emp", "--redis", url}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    auto lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.describe();
    EXPECT_EQ(lines[0], "writebehind: cannot connect to Redis at " + url + "/0: Connection refused");
  }
  // The same through the environment.
  auto env = run_cli({"list-jobs"}, {"WRITEBEHIND_REDIS=" + url});
  EXPECT_EQ(env.err, "writebehind: cannot connect to Redis at " + url + "/0: Connection refused\n");
}

TEST(Cli, BadRedisUrlIsOneLineWithoutThePassword) {
  auto r = run_cli({"list-jobs", "--redis", "redis://u:topsecret@host:notaport"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.describe();
  EXPECT_EQ(r.err.find("topsecret"), std::string::npos) << r.err;
  auto env = run_cli({"list-jobs"}, {"WRITEBEHIND_REDIS=http://nope"});
  EXPECT_EQ(env.exit_code, 1);
  EXPECT_NE(env.err.find("redis://"), std::string::npos) << env.err;
}

TEST(Cli, DeployRefusesAnInvalidPipelineBeforeConnecting) {
  std::string dir = case_dir("error-keys-not-a-list");
  auto r = run_cli({"deploy", "--dir", dir, "--redis", dead_redis_url()});
  EXPECT_EQ(r.exit_code, 1);
  std::string expected = wbtest::read_text_file(dir + "/expected");
  EXPECT_EQ(r.err, expected + "writebehind: " + dir + ": invalid pipeline (2 errors), nothing deployed\n");
}

TEST(Cli, DeployRefusesTargetsThisBuildCannotWrite) {
  std::string dir = case_dir("valid-unsupported-targets-warn");
  auto r = run_cli({"deploy", "--dir", dir, "--redis", dead_redis_url()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "jobs/legacy.yaml:7:19: output[0].with.connection: job \"legacy\" writes to connection \"mssql\" "
            "(sqlserver): not supported yet by this build\n"
            "jobs/legacy.yaml:12:19: output[1].with.connection: job \"legacy\" writes to connection \"ora\" "
            "(oracle): not supported yet by this build\n"
            "writebehind: " + dir + ": 2 outputs use a target this build cannot write yet, nothing deployed\n");
}

}  // namespace

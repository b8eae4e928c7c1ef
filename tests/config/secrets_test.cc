// Secret references: scanning (validation) and resolution (when a connection is opened).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/secrets.h"

namespace {

namespace fs = std::filesystem;
using wb::config::Connection;
using wb::config::resolve_connection_secrets;
using wb::config::resolve_secrets;
using wb::config::scan_secrets;
using wb::config::SecretError;

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wb_secrets_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    setenv("WB_TEST_SECRET", "s3cr3t", 1);
    unsetenv("WB_TEST_UNSET");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  fs::path dir_;
};

TEST_F(SecretsTest, PlainTextIsUnchanged) {
  EXPECT_EQ(resolve_secrets("postgres"), "postgres");
  EXPECT_EQ(resolve_secrets("a $ sign and {braces}"), "a $ sign and {braces}");
  EXPECT_EQ(resolve_secrets(""), "");
}

TEST_F(SecretsTest, EnvironmentVariable) {
  EXPECT_EQ(resolve_secrets("${env:WB_TEST_SECRET}"), "s3cr3t");
  EXPECT_EQ(resolve_secrets("${WB_TEST_SECRET}"), "s3cr3t");  // RDI's bare form
}

TEST_F(SecretsTest, SeveralReferencesAnywhereInAScalar) {
  setenv("WB_TEST_HOST", "db.internal", 1);
  EXPECT_EQ(resolve_secrets("host=${env:WB_TEST_HOST};pw=${WB_TEST_SECRET}!"), "host=db.internal;pw=s3cr3t!");
}

TEST_F(SecretsTest, EscapedOpeningIsLiteral) {
  EXPECT_EQ(resolve_secrets("$${env:WB_TEST_SECRET}"), "${env:WB_TEST_SECRET}");
}

TEST_F(SecretsTest, FileContentWithTrailingNewlinesTrimmed) {
  std::string path = write("password", "p@ss word\n\n");
  EXPECT_EQ(resolve_secrets("${file:" + path + "}"), "p@ss word");
  std::string crlf = write("crlf", "abc\r\n");
  EXPECT_EQ(resolve_secrets("${file:" + crlf + "}"), "abc");
  std::string inner = write("inner", "line1\nline2\n");
  EXPECT_EQ(resolve_secrets("${file:" + inner + "}"), "line1\nline2");
}

TEST_F(SecretsTest, PropertiesFile) {
  std::string path = write("db.properties",
                           "# comment\n! also a comment\nuser = app\npassword=pa=ss\nhost: db\n\nempty=\n");
  EXPECT_EQ(resolve_secrets("${file:" + path + ":user}"), "app");
  EXPECT_EQ(resolve_secrets("${file:" + path + ":password}"), "pa=ss");
  EXPECT_EQ(resolve_secrets("${file:" + path + ":host}"), "db");
  EXPECT_EQ(resolve_secrets("${file:" + path + ":empty}"), "");
}

TEST_F(SecretsTest, UnsetVariableIsAnErrorNamingTheReference) {
  try {
    resolve_secrets("x${env:WB_TEST_UNSET}");
    FAIL() << "expected SecretError";
  } catch (const SecretError& e) {
    EXPECT_NE(std::string(e.what()).find("WB_TEST_UNSET"), std::string::npos) << e.what();
  }
}

TEST_F(SecretsTest, MissingFileAndPropertyAreErrorsThatNeverShowContent) {
  EXPECT_THROW(resolve_secrets("${file:" + (dir_ / "absent").string() + "}"), SecretError);
  std::string path = write("p.properties", "password=hunter2\n");
  try {
    resolve_secrets("${file:" + path + ":user}");
    FAIL() << "expected SecretError";
  } catch (const SecretError& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(":user}"), std::string::npos) << e.what();
  }
}

TEST_F(SecretsTest, IllFormedReferencesAreFoundWithoutResolving) {
  EXPECT_TRUE(scan_secrets("${env:WB_TEST_UNSET}").problems.empty());  // unset is fine for validation
  EXPECT_EQ(scan_secrets("${env:WB_TEST_UNSET}").references.size(), 1u);
  EXPECT_EQ(scan_secrets("${vault:x}").problems.size(), 1u);
  EXPECT_EQ(scan_secrets("${env:}").problems.size(), 1u);
  EXPECT_EQ(scan_secrets("${file:}").problems.size(), 1u);
  EXPECT_EQ(scan_secrets("${env:X").problems.size(), 1u);
  EXPECT_EQ(scan_secrets("${1X}").problems.size(), 1u);
  EXPECT_TRUE(scan_secrets("$${env:}").problems.empty());
  EXPECT_THROW(resolve_secrets("${vault:x}"), SecretError);
}

TEST_F(SecretsTest, ScanReportsKindsNamesAndOffsets) {
  auto scan = scan_secrets("a${env:A}b${file:/etc/p:key}c${file:/etc/whole}");
  ASSERT_EQ(scan.references.size(), 3u);
  EXPECT_EQ(scan.references[0].kind, wb::config::SecretReference::Kind::kEnv);
  EXPECT_EQ(scan.references[0].name, "A");
  EXPECT_EQ(scan.references[0].offset, 1u);
  EXPECT_EQ(scan.references[1].name, "/etc/p");
  EXPECT_EQ(scan.references[1].property, "key");
  EXPECT_EQ(scan.references[2].name, "/etc/whole");
  EXPECT_EQ(scan.references[2].property, "");
}

TEST_F(SecretsTest, ResolvesEveryFieldOfAConnectionAndNamesItOnError) {
  Connection c;
  c.name = "pg";
  c.host = "${env:WB_TEST_SECRET}";
  c.password = "${WB_TEST_SECRET}";
  c.query_args = {{"sslkey", "/k/${env:WB_TEST_SECRET}"}};
  Connection r = resolve_connection_secrets(c);
  EXPECT_EQ(r.host, "s3cr3t");
  EXPECT_EQ(r.password, "s3cr3t");
  EXPECT_EQ(r.query_args[0].second, "/k/s3cr3t");
  EXPECT_EQ(c.password, "${WB_TEST_SECRET}");  // the model keeps the reference

  c.user = "${env:WB_TEST_UNSET}";
  try {
    resolve_connection_secrets(c);
    FAIL() << "expected SecretError";
  } catch (const SecretError& e) {
    EXPECT_NE(std::string(e.what()).find("connection pg"), std::string::npos) << e.what();
  }
}

}  // namespace

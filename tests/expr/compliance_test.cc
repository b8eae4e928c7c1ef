// The official JMESPath compliance suite (jmespath.test), read where it lives: one test per case.
//
// Every file, every case: `result` cases compare the search result as JSON values, `error` cases
// expect a jmespath::Error of that kind (raised by compile or by search — the suite does not say
// which), `bench` cases (benchmarks.json) must compile and run; bench/expr times them.
// The suite's directory is ../shared/jmespath-compliance next to the repository (compile-time
// default), or $WB_SHARED_DIR/jmespath-compliance. A missing suite fails, loudly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/jmespath/expression.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Files and cases in the suite (commit 53abcc3); a smaller count means files went missing.
constexpr std::size_t kExpectedFiles = 16;
constexpr std::size_t kExpectedCases = 908;
constexpr std::size_t kMaxNameExpressionChars = 40;

std::string suite_dir() {
  if (const char* shared = std::getenv("WB_SHARED_DIR"); shared && *shared) {
    return std::string(shared) + "/jmespath-compliance";
  }
  return WB_JMESPATH_COMPLIANCE_DIR;
}

struct Case {
  std::string file;        // "functions"
  std::size_t number = 0;  // position in the file, from 0
  std::string name;        // gtest name
  json given;
  std::string expression;
  json expected;           // result, when has_result
  bool has_result = false;
  std::string error;       // expected error kind
  std::string bench;       // parse | interpret | full
  std::string load_error;  // the suite could not be read: the case fails with this
};

// gtest prints parameters of failing cases: show the case, not its bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file << ".json #" << c.number << ": " << c.expression;
}

std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= kMaxNameExpressionChars) break;
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return out;
}

std::vector<fs::path> suite_files(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    // schema.json describes the format; every other .json file is a test file.
    if (entry.path().extension() == ".json" && entry.path().filename() != "schema.json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  const std::string dir = suite_dir();
  std::vector<fs::path> files = suite_files(dir);
  if (files.empty()) {
    Case missing;
    missing.name = "suite_missing";
    missing.load_error = "JMESPath compliance suite not found in " + dir +
                         " (set WB_SHARED_DIR to the directory holding jmespath-compliance/)";
    return {missing};
  }
  for (const fs::path& path : files) {
    std::ifstream in(path);
    json suites = json::parse(in, nullptr, false);
    std::string stem = path.stem().string();
    if (suites.is_discarded() || !suites.is_array()) {
      Case bad;
      bad.file = stem;
      bad.name = stem + "_unreadable";
      bad.load_error = "cannot parse " + path.string();
      cases.push_back(bad);
      continue;
    }
    std::size_t number = 0;
    for (const json& suite : suites) {
      for (const json& c : suite.at("cases")) {
        Case k;
        k.file = stem;
        k.number = number++;
        k.given = suite.at("given");
        k.expression = c.at("expression").get<std::string>();
        if (c.contains("result")) {
          k.expected = c.at("result");
          k.has_result = true;
        }
        if (c.contains("error")) k.error = c.at("error").get<std::string>();
        if (c.contains("bench")) k.bench = c.at("bench").get<std::string>();
        char num[16];
        std::snprintf(num, sizeof num, "%03zu", k.number);
        k.name = stem + "_" + num + "_" + sanitize(k.expression);
        cases.push_back(std::move(k));
      }
    }
  }
  return cases;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = load_cases();
  return cases;
}

class Compliance : public ::testing::TestWithParam<Case> {};

TEST_P(Compliance, Case) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  SCOPED_TRACE("file " + c.file + ".json, case " + std::to_string(c.number) + ": " +
               c.expression + "\ngiven: " + c.given.dump());
  namespace jp = wb::expr::jmespath;
  if (!c.error.empty()) {
    try {
      jp::Expression e = jp::compile(c.expression);
      json result = e.search(c.given);
      FAIL() << "expected a " << c.error << " error, got result " << result.dump();
    } catch (const jp::Error& e) {
      EXPECT_EQ(jp::to_string(e.error_kind()), c.error) << e.what();
    }
    return;
  }
  try {
    jp::Expression e = jp::compile(c.expression);
    json result = e.search(c.given);
    if (c.has_result) {
      EXPECT_EQ(result, c.expected) << "got " << result.dump();
    }
    // bench cases: compiling and running is the check; bench/expr times them.
  } catch (const jp::Error& e) {
    FAIL() << "unexpected error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Suite, Compliance, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(ComplianceSuite, EveryFileIsThere) {
  const std::string dir = suite_dir();
  std::vector<fs::path> files = suite_files(dir);
  ASSERT_EQ(files.size(), kExpectedFiles) << "in " << dir;
  std::size_t cases = 0;
  for (const Case& c : all_cases()) cases += c.load_error.empty() ? 1 : 0;
  EXPECT_EQ(cases, kExpectedCases);
}

}  // namespace

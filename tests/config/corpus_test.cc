// The data-driven pipeline corpus: every directory under tests/config/cases is one case —
// config.yaml, jobs/*.yaml and `expected`, the exact output of loading it: every finding, one per
// line (config.yaml first, then jobs by name, by line and column), followed, when there is no
// error, by the normalized pipeline (render.h). Adding a case adds no code.
//
// Every folder of ../shared/examples is a case too: it must load without error or warning.
//
// WB_UPDATE_EXPECTED=1 rewrites the expected files from the current output (review the diff).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/render.h"

namespace {

namespace fs = std::filesystem;

constexpr const char* kExpectedFile = "expected";
constexpr size_t kMinExampleFolders = 3;

struct CorpusCase {
  std::string name;  // test name: the directory name with '-' as '_'
  fs::path dir;
  bool shared_example = false;
};

// gtest prints a failing case by its directory.
void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.dir.string(); }

fs::path cases_dir() { return WB_CONFIG_CASES_DIR; }

fs::path examples_dir() {
  const char* shared = std::getenv("WB_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return fs::path(shared) / "examples";
  return WB_SHARED_EXAMPLES_DIR;
}

std::string test_name(const std::string& prefix, const std::string& dir_name) {
  std::string name = prefix + dir_name;
  std::replace_if(name.begin(), name.end(), [](unsigned char c) { return !std::isalnum(c); }, '_');
  return name;
}

std::vector<fs::path> subdirectories(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<CorpusCase> discover() {
  std::vector<CorpusCase> cases;
  for (const auto& d : subdirectories(cases_dir())) {
    cases.push_back({test_name("", d.filename().string()), d, false});
  }
  for (const auto& d : subdirectories(examples_dir())) {
    cases.push_back({test_name("shared_example_", d.filename().string()), d, true});
  }
  return cases;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// What a case's `expected` file holds.
std::string case_output(const fs::path& dir) {
  wb::config::LoadOptions options;
  options.checkers = nullptr;  // the corpus checks the loader; expression syntax is src/expr's
  wb::config::LoadResult result = wb::config::load_pipeline_dir(dir, options);
  std::string out = result.diagnostics.to_string();
  if (result.ok()) out += wb::config::render_pipeline(result.pipeline);
  return out;
}

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusTest, LoadsAsExpected) {
  const CorpusCase& c = GetParam();
  if (c.shared_example) {
    wb::config::LoadOptions options;
    options.checkers = nullptr;
    wb::config::LoadResult result = wb::config::load_pipeline_dir(c.dir, options);
    EXPECT_TRUE(result.diagnostics.empty()) << c.dir << " must load cleanly:\n" << result.diagnostics.to_string();
    EXPECT_FALSE(result.pipeline.jobs.empty()) << c.dir;
    return;
  }
  std::string actual = case_output(c.dir);
  fs::path expected_path = c.dir / kExpectedFile;
  const char* update = std::getenv("WB_UPDATE_EXPECTED");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(expected_path, std::ios::binary | std::ios::trunc) << actual;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << "case " << c.dir << " has no `expected` file";
  EXPECT_EQ(read_file(expected_path), actual) << "case " << c.dir;
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusTest, ::testing::ValuesIn(discover()),
                         [](const ::testing::TestParamInfo<CorpusCase>& info) { return info.param.name; });

// The corpus and the shared examples must be where they are expected: a missing directory would
// otherwise pass silently with fewer cases.
TEST(CorpusDiscovery, FindsTheCasesAndTheSharedExamples) {
  EXPECT_GE(subdirectories(cases_dir()).size(), 40u) << cases_dir();
  EXPECT_GE(subdirectories(examples_dir()).size(), kMinExampleFolders)
      << "shared examples not found at " << examples_dir() << " (set WB_SHARED_DIR)";
}

}  // namespace

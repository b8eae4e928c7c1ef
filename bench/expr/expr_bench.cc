// expr_bench: what expressions cost per record (Google Benchmark; the time column is ns/record).
//
//   job/*            a typical job's three blocks on one record: filter `age > 20`, add_field
//                    full_name = first + ' ' + last, rename_field last_name -> surname (a plain
//                    move of the value, as the rename block does). Goal: under 2 µs per record in
//                    both languages.
//   jmespath/*, sql/*  single expressions.
//   compliance/*     the JMESPath compliance suite's benchmarks.json cases, timed as the suite
//                    says: parse (compile only), interpret (search a compiled expression), full
//                    (both).
//
// The suite is read from ../shared/jmespath-compliance (compile-time default) or
// $WB_SHARED_DIR/jmespath-compliance.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/expression.h"

namespace {

using nlohmann::json;
using wb::expr::Compiled;
using wb::expr::Language;

// Distinct records cycled through, so caches see more than one record.
constexpr std::size_t kRecords = 256;

std::vector<json> make_records() {
  static const char* kFirst[] = {"ada", "alan", "grace", "edsger", "barbara", "donald", "john", "é"};
  static const char* kLast[] = {"lovelace", "turing", "hopper", "dijkstra", "liskov", "knuth"};
  std::vector<json> records;
  for (std::size_t i = 0; i < kRecords; ++i) {
    records.push_back(json{{"id", i},
                           {"first_name", kFirst[i % 8]},
                           {"last_name", kLast[i % 6]},
                           {"age", 21 + static_cast<int>(i % 50)},  // every record passes the filter
                           {"country", "FR"},
                           {"email", std::string(kFirst[i % 8]) + "@example.com"}});
  }
  return records;
}

// rename_field: move the value; the record keeps every other field.
void rename_field(json& record, const std::string& from, const std::string& to) {
  auto it = record.find(from);
  if (it == record.end()) return;
  json value = std::move(*it);
  record.erase(it);
  record[to] = std::move(value);
}

void run_job(benchmark::State& state, Language language, const std::string& filter_text,
             const std::string& add_field_text) {
  Compiled filter = wb::expr::compile(language, filter_text);
  Compiled full_name = wb::expr::compile(language, add_field_text);
  std::vector<json> records = make_records();
  std::size_t i = 0;
  std::int64_t passed = 0;
  for (auto _ : state) {
    json& record = records[i++ % kRecords];
    if (!filter.is_true(record)) continue;
    ++passed;
    record["full_name"] = full_name.evaluate(record);
    rename_field(record, "last_name", "surname");
    benchmark::DoNotOptimize(record);
    // Put the record back as it came, so the next round transforms the same input; the erase
    // also pays for the node add_field allocated, as dropping the record would.
    rename_field(record, "surname", "last_name");
    record.erase("full_name");
  }
  if (passed != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("filter dropped records");
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("ns/record = time column");
}

void BM_JobJmespath(benchmark::State& state) {
  run_job(state, Language::Jmespath, "age > `20`", "concat([first_name, ' ', last_name])");
}
BENCHMARK(BM_JobJmespath)->Name("job/jmespath/filter+add_field+rename");

void BM_JobSql(benchmark::State& state) {
  run_job(state, Language::Sql, "age > 20", "first_name || ' ' || last_name");
}
BENCHMARK(BM_JobSql)->Name("job/sql/filter+add_field+rename");

// The rename alone (both directions, so per record it is two moves: the figure to subtract).
void BM_RenameOnly(benchmark::State& state) {
  std::vector<json> records = make_records();
  std::size_t i = 0;
  for (auto _ : state) {
    json& record = records[i++ % kRecords];
    rename_field(record, "last_name", "surname");
    rename_field(record, "surname", "last_name");
    benchmark::DoNotOptimize(record);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenameOnly)->Name("job/rename_field_there_and_back");

void evaluate_one(benchmark::State& state, Language language, const std::string& text, bool truth) {
  Compiled e = wb::expr::compile(language, text);
  std::vector<json> records = make_records();
  for (auto& r : records) {
    r["address"] = {{"city", "Paris"}, {"geo", {{"lat", 48.85}, {"lon", 2.35}}}};
    r["orders"] = json::array({{{"sku", "a"}, {"qty", 2}}, {{"sku", "b"}, {"qty", 5}}, {{"sku", "c"}, {"qty", 1}}});
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const json& record = records[i++ % kRecords];
    if (truth) {
      benchmark::DoNotOptimize(e.is_true(record));
    } else {
      json v = e.evaluate(record);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(state.iterations());
}

struct Single {
  const char* name;
  Language language;
  const char* text;
  bool truth;
};

const Single kSingles[] = {
    {"jmespath/field", Language::Jmespath, "first_name", false},
    {"jmespath/nested_field", Language::Jmespath, "address.geo.lat", false},
    {"jmespath/filter_age_gt_20", Language::Jmespath, "age > `20`", true},
    {"jmespath/concat", Language::Jmespath, "concat([first_name, ' ', last_name])", false},
    {"jmespath/join", Language::Jmespath, "join(' ', [first_name, last_name])", false},
    {"jmespath/upper", Language::Jmespath, "upper(last_name)", false},
    {"jmespath/projection_filter", Language::Jmespath, "orders[?qty > `1`].sku", false},
    {"jmespath/multiselect_hash", Language::Jmespath, "{id: id, name: first_name, city: address.city}", false},
    {"jmespath/hash_sha256", Language::Jmespath, "hash(email, 'sha256')", false},
    {"sql/field", Language::Sql, "first_name", false},
    {"sql/filter_age_gt_20", Language::Sql, "age > 20", true},
    {"sql/concat", Language::Sql, "first_name || ' ' || last_name", false},
    {"sql/upper", Language::Sql, "UPPER(last_name)", false},
    {"sql/nested_field", Language::Sql, "`address.geo.lat`", false},
    {"sql/case", Language::Sql, "CASE WHEN age < 30 THEN 'young' WHEN age < 60 THEN 'adult' ELSE 'senior' END", false},
};

std::string compliance_dir() {
  if (const char* shared = std::getenv("WB_SHARED_DIR"); shared && *shared) {
    return std::string(shared) + "/jmespath-compliance";
  }
  return WB_JMESPATH_COMPLIANCE_DIR;
}

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

bool register_compliance_benchmarks() {
  std::string path = compliance_dir() + "/benchmarks.json";
  std::ifstream in(path);
  json suites = json::parse(in, nullptr, false);
  if (suites.is_discarded() || !suites.is_array()) {
    std::cerr << "expr_bench: cannot read " << path << " (set WB_SHARED_DIR)\n";
    return false;
  }
  int number = 0;
  for (const json& suite : suites) {
    auto given = std::make_shared<json>(suite.at("given"));
    for (const json& c : suite.at("cases")) {
      std::string expression = c.at("expression").get<std::string>();
      std::string mode = c.value("bench", "full");
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "compliance/%02d_", number++);
      std::string name = prefix + slug(c.value("comment", expression)) + "/" + mode;
      benchmark::RegisterBenchmark(name.c_str(), [expression, mode, given](benchmark::State& state) {
        namespace jp = wb::expr::jmespath;
        if (mode == "parse") {
          for (auto _ : state) benchmark::DoNotOptimize(jp::compile(expression));
        } else if (mode == "interpret") {
          jp::Expression e = jp::compile(expression);
          for (auto _ : state) {
            json v = e.search(*given);
            benchmark::DoNotOptimize(v);
          }
        } else {
          for (auto _ : state) {
            json v = jp::compile(expression).search(*given);
            benchmark::DoNotOptimize(v);
          }
        }
      });
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  for (const Single& s : kSingles) {
    Single copy = s;
    benchmark::RegisterBenchmark(s.name, [copy](benchmark::State& state) {
      evaluate_one(state, copy.language, copy.text, copy.truth);
    });
  }
  if (!register_compliance_benchmarks()) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Differential test: the engine against Debian's python3-jmespath, the reference implementation.
//
// A seeded generator makes documents and expressions from the whole grammar (fields, quoted
// names, sub-expressions, indexes, slices, every projection, filters, multi-selects, literals,
// comparisons, and/or/not, pipes, every built-in function and RDI's custom ones). All pairs go to
// ONE run of /usr/bin/python3 tests/expr/jmespath_reference.py (JSON lines in, JSON lines out);
// each result is compared as a JSON value, and errors by kind. The script documents the few
// normalizations that make python-jmespath comparable (object key order, mixed-type ordering,
// bool/number equality, a parser bug).
//
// Debian's interpreter is called by path: another python3 earlier on PATH may lack the package.
// A missing interpreter or module fails the test with a clear message.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/jmespath/expression.h"
#include "harness/process.h"

namespace {

using nlohmann::json;
namespace jp = wb::expr::jmespath;

constexpr const char* kPython = "/usr/bin/python3";
constexpr std::uint32_t kSeed = 20240611;
constexpr int kCases = 6000;
constexpr int kMaxExpressionDepth = 4;
constexpr int kMaxDocumentDepth = 3;
constexpr std::size_t kMaxReportedMismatches = 25;
constexpr int kMutatedPercent = 15;  // cases whose expression gets one random edit

// Names used for document keys and expression fields, so that fields often exist.
const std::vector<std::string> kKeys = {"a", "b", "c", "foo", "bar", "n", "s", "x y", "é"};
const std::vector<std::string> kStrings = {"",      "a",  "b",   "abc", "Hello World", "é",
                                           "✓x",    "𝄞", "10",  "2.5", " 42 ",        "-3",
                                           "hELLo wORLD", "a,b,,c", "SGVsbG8=", "b"};
const std::vector<double> kFloats = {0.5, -1.25, 2.5, 3.0, 1e-05, 1e16, 1e15, 123.456, -0.0};

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint32_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }
  template <typename T>
  const T& one_of(const std::vector<T>& v) { return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))]; }

  json scalar() {
    switch (pick(6)) {
      case 0: return json();
      case 1: return json(chance(50));
      case 2: return json(pick(26) - 5);
      case 3: return json(one_of(kFloats));
      default: return json(one_of(kStrings));
    }
  }

  json document(int depth) {
    int kind = depth <= 0 ? 0 : pick(10);
    if (kind < 3) return scalar();
    if (kind < 5) {  // an object with keys from the vocabulary
      json o = json::object();
      int n = pick(5);
      for (int i = 0; i < n; ++i) o[one_of(kKeys)] = document(depth - 1);
      return o;
    }
    json a = json::array();
    int n = pick(5);
    switch (pick(5)) {
      case 0: for (int i = 0; i < n; ++i) a.push_back(pick(21) - 5); break;        // numbers
      case 1: for (int i = 0; i < n; ++i) a.push_back(one_of(kStrings)); break;    // strings
      case 2:  // records with common fields: what sort_by/max_by/filters work on
        for (int i = 0; i < n; ++i) {
          a.push_back(json{{"a", pick(10)}, {"b", one_of(kStrings)}, {"c", document(depth - 2)}});
        }
        break;
      default: for (int i = 0; i < n; ++i) a.push_back(document(depth - 1)); break;
    }
    return a;
  }

  std::string field() {
    const std::string& k = one_of(kKeys);
    if (k == "x y") return "\"x y\"";
    if (k == "é") return chance(50) ? "\"é\"" : "\"\\u00e9\"";
    return chance(10) ? "\"" + k + "\"" : k;
  }

  std::string literal() {
    if (chance(40)) return "'" + one_of(kStrings) + "'";
    json v = document(1);
    std::string text = v.dump();
    return "`" + text + "`";
  }

  std::string slice() {
    auto part = [&]() { return chance(50) ? std::to_string(pick(9) - 4) : std::string(); };
    std::string s = "[" + part() + ":" + part();
    if (chance(50)) {
      int step = pick(4) - 2;
      if (step >= 0) ++step;  // never 0
      s += ":" + std::to_string(step);
    }
    return s + "]";
  }

  // What may follow a projection: nothing, a field, an index, a sub-projection.
  std::string rhs(int depth) {
    switch (pick(5)) {
      case 0: return "";
      case 1: return "." + field();
      case 2: return "[" + std::to_string(pick(5) - 2) + "]";
      case 3: return "." + multi_select(depth - 1);
      default: return "." + field() + "." + field();
    }
  }

  std::string multi_select(int depth) {
    if (chance(50)) return "[" + expression(depth) + ", " + expression(depth) + "]";
    return "{k1: " + expression(depth) + ", " + one_of(std::vector<std::string>{"k2", "a", "\"x y\""}) +
           ": " + expression(depth) + "}";
  }

  std::string expref(int depth) { return "&" + operand(depth); }

  // An expression that binds tightly enough to be an argument or an operand.
  std::string operand(int depth) {
    std::string e = expression(depth);
    return chance(70) ? "(" + e + ")" : e;
  }

  std::string function(int depth) {
    int d = depth - 1;
    switch (pick(44)) {
      case 0: return "abs(" + operand(d) + ")";
      case 1: return "avg(" + operand(d) + ")";
      case 2: return "ceil(" + operand(d) + ")";
      case 3: return "floor(" + operand(d) + ")";
      case 4: return "contains(" + operand(d) + ", " + operand(d) + ")";
      case 5: return "starts_with(" + operand(d) + ", " + literal() + ")";
      case 6: return "ends_with(" + operand(d) + ", " + operand(d) + ")";
      case 7: return "join(', ', " + operand(d) + ")";
      case 8: return "keys(" + operand(d) + ")";
      case 9: return "values(" + operand(d) + ")";
      case 10: return "length(" + operand(d) + ")";
      case 11: return "map(" + expref(d) + ", " + operand(d) + ")";
      case 12: return "max(" + operand(d) + ")";
      case 13: return "min(" + operand(d) + ")";
      case 14: return "max_by(" + operand(d) + ", " + expref(d) + ")";
      case 15: return "min_by(" + operand(d) + ", " + expref(d) + ")";
      case 16: return "sort_by(" + operand(d) + ", " + expref(d) + ")";
      case 17: return "sort(" + operand(d) + ")";
      case 18: return "merge(" + operand(d) + ", " + operand(d) + ")";
      case 19: return "not_null(" + operand(d) + ", " + operand(d) + ")";
      case 20: return "reverse(" + operand(d) + ")";
      case 21: return "sum(" + operand(d) + ")";
      case 22: return "to_array(" + operand(d) + ")";
      case 23: return "to_string(" + operand(d) + ")";
      case 24: return "to_number(" + operand(d) + ")";
      case 25: return "type(" + operand(d) + ")";
      // RDI's custom functions.
      case 26: return "capitalize(" + operand(d) + ")";
      case 27: return (chance(50) ? "lower(" : "upper(") + operand(d) + ")";
      case 28: return "concat(" + operand(d) + ")";
      case 29: return "replace(" + operand(d) + ", " + literal() + ", '-')";
      case 30: return "left(" + operand(d) + ", `" + std::to_string(pick(9) - 4) + "`)";
      case 31: return "right(" + operand(d) + ", `" + std::to_string(pick(9) - 4) + "`)";
      case 32: return "mid(" + operand(d) + ", `" + std::to_string(pick(9) - 4) + "`, `" +
                      std::to_string(pick(5)) + "`)";
      case 33: return chance(50) ? "split(" + operand(d) + ")" : "split(" + operand(d) + ", ' ')";
      case 34: return "in(" + operand(d) + ", " + operand(d) + ")";
      case 35: return "to_entries(" + operand(d) + ")";
      case 36: return "from_entries(" + operand(d) + ")";
      case 37: return "json_parse(to_string(" + operand(d) + "))";
      case 38: return "hash(" + operand(d) + (chance(50) ? ", 'md5')" : ")");
      case 39: return "base64_decode(" + operand(d) + ")";
      case 40: return "filter_entries(" + operand(d) + ", " + expref(d) + ")";
      case 41: return "filter_entries(" + operand(d) + ", `key == 'a' || value == \\`1\\``)";
      case 42: return "regex_replace(" + operand(d) + ", '[aeiou]+', '<\\g<0>>')";
      default: return "from_entries(to_entries(" + operand(d) + "))";
    }
  }

  // One character deleted, inserted or replaced: mostly syntax errors, which both sides must
  // agree on.
  std::string mutate(std::string e) {
    static const std::string kChars = ".[]{}(),:|&!*@'`\"?=<>- 0a";
    std::size_t at = static_cast<std::size_t>(pick(static_cast<int>(e.size()) + 1));
    // Only at ASCII characters: the expression stays valid UTF-8.
    while (at < e.size() && static_cast<unsigned char>(e[at]) >= 0x80) ++at;
    char c = kChars[static_cast<std::size_t>(pick(static_cast<int>(kChars.size())))];
    switch (pick(3)) {
      case 0: if (at < e.size()) e.erase(at, 1); break;
      case 1: e.insert(at, 1, c); break;
      default: if (at < e.size()) e[at] = c; break;
    }
    return e;
  }

  std::string expression(int depth) {
    if (depth <= 0) {
      switch (pick(4)) {
        case 0: return literal();
        case 1: return "@";
        default: return field();
      }
    }
    int d = depth - 1;
    switch (pick(22)) {
      case 0: case 1: return field();
      case 2: return expression(d) + "." + field();
      case 3: return expression(d) + "[" + std::to_string(pick(7) - 3) + "]";
      case 4: return expression(d) + slice() + rhs(d);
      case 5: return expression(d) + "[*]" + rhs(d);
      case 6: return expression(d) + "[]" + rhs(d);
      case 7: return operand(d) + ".*" + rhs(d);
      case 8: return expression(d) + "[?" + expression(d) + "]" + rhs(d);
      case 9: return multi_select(d);
      case 10: return expression(d) + "." + multi_select(d);
      case 11: return literal();
      case 12: return "@";
      case 13: {
        static const std::vector<std::string> kOps = {"==", "!=", "<", "<=", ">", ">="};
        return operand(d) + " " + one_of(kOps) + " " + operand(d);
      }
      case 14: return operand(d) + " && " + operand(d);
      case 15: return operand(d) + " || " + operand(d);
      case 16: return "!" + operand(d);
      case 17: return expression(d) + " | " + expression(d);
      case 18: return "(" + expression(d) + ")";
      default: return function(depth);
    }
  }

 private:
  std::mt19937 rng_;
};

struct Outcome {
  bool is_error = false;
  std::string error;  // kind
  json result;
};

Outcome run_engine(const std::string& expression, const json& document) {
  Outcome o;
  try {
    o.result = jp::compile(expression).search(document);
  } catch (const jp::Error& e) {
    o.is_error = true;
    o.error = jp::to_string(e.error_kind());
  }
  return o;
}

std::string script_path() { return std::string(WB_EXPR_TEST_DIR) + "/jmespath_reference.py"; }

TEST(Differential, AgainstPythonJmespath) {
  ASSERT_EQ(access(kPython, X_OK), 0)
      << kPython << " is missing: install Debian's python3 and python3-jmespath (the reference)";

  // WB_DIFFERENTIAL_SEED / WB_DIFFERENTIAL_CASES explore other inputs; the default is fixed so
  // the test is reproducible.
  std::uint32_t seed = kSeed;
  int count = kCases;
  if (const char* s = std::getenv("WB_DIFFERENTIAL_SEED")) seed = static_cast<std::uint32_t>(std::stoul(s));
  if (const char* n = std::getenv("WB_DIFFERENTIAL_CASES")) count = std::stoi(n);
  Generator gen(seed);
  std::vector<std::pair<std::string, json>> cases;
  for (int i = 0; i < count; ++i) {
    json doc = gen.document(kMaxDocumentDepth);
    if (!doc.is_object() || gen.chance(20)) {  // mostly records, as transforms see them
      json record = json::object();
      for (const std::string& k : kKeys) {
        if (gen.chance(60)) record[k] = gen.document(kMaxDocumentDepth - 1);
      }
      doc = record;
    }
    std::string expression = gen.expression(1 + gen.pick(kMaxExpressionDepth));
    // Regex dialects differ (the engine's ECMAScript vs Python's re): a random edit inside a
    // pattern would compare the dialects, not the engines. Those expressions are not mutated.
    if (gen.chance(kMutatedPercent) && expression.find("regex_replace") == std::string::npos) {
      expression = gen.mutate(expression);
    }
    cases.emplace_back(std::move(expression), std::move(doc));
  }

  wbtest::TempDir dir("wb-expr-diff");
  {
    std::ofstream in(dir.file("cases.jsonl"));
    for (const auto& [expression, document] : cases) {
      in << json{{"expression", expression}, {"document", document}}.dump() << "\n";
    }
  }
  wbtest::ProcessOptions opts;
  opts.log_file = dir.file("python.log");
  int code = wbtest::run_command({kPython, script_path(), dir.file("cases.jsonl"), dir.file("out.jsonl")}, opts);
  ASSERT_NE(code, 3) << "python3-jmespath is not installed for " << kPython << ":\n"
                     << wbtest::read_text_file(opts.log_file);
  ASSERT_EQ(code, 0) << "the reference script failed:\n" << wbtest::tail_of(wbtest::read_text_file(opts.log_file));

  std::ifstream out(dir.file("out.jsonl"));
  std::vector<json> reference;
  for (std::string line; std::getline(out, line);) reference.push_back(json::parse(line));
  ASSERT_EQ(reference.size(), cases.size()) << "the reference answered a different number of cases";

  std::size_t mismatches = 0, results = 0, non_null = 0, errors = 0;
  std::ostringstream report;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [expression, document] = cases[i];
    Outcome mine = run_engine(expression, document);
    const json& ref = reference[i];
    bool ref_error = ref.contains("error");
    bool same = ref_error ? (mine.is_error && mine.error == ref["error"].get<std::string>())
                          : (!mine.is_error && mine.result == ref["result"]);
    if (ref_error) {
      ++errors;
    } else {
      ++results;
      if (!ref["result"].is_null()) ++non_null;
    }
    if (same) continue;
    if (++mismatches <= kMaxReportedMismatches) {
      report << "\n#" << i << " expression: " << expression << "\n   document: " << document.dump()
             << "\n   python:   " << ref.dump()
             << "\n   engine:   " << (mine.is_error ? "error " + mine.error : mine.result.dump()) << "\n";
    }
  }
  EXPECT_EQ(mismatches, 0u) << mismatches << " of " << cases.size() << " differ:" << report.str();
  // The generated cases must exercise both paths meaningfully.
  EXPECT_GT(non_null, cases.size() / 3) << "too few non-null results: the generator is off";
  EXPECT_GT(errors, cases.size() / 20) << "too few errors: the generator is off";
  RecordProperty("cases", static_cast<int>(cases.size()));
  RecordProperty("results", static_cast<int>(results));
  RecordProperty("errors", static_cast<int>(errors));
  std::cout << "[differential] " << cases.size() << " cases: " << results << " results (" << non_null
            << " non-null), " << errors << " errors, " << mismatches << " mismatches\n";
}

}  // namespace

// validate/deploy's expression checks with the real engines registered: every kind of expression
// (filter, add_field, map field, map expression, redis.write key, foreach) is compiled at load and
// a bad one is reported at file:line:col with the expression and a caret under the culprit.
#include <gtest/gtest.h>

#include "transform/expression_checks.h"
#include "transform_fixture.h"

namespace wbtest {
namespace {

const char* kBadJob =
    "source:\n"                                                      // 1
    "  redis:\n"                                                     // 2
    "    key_pattern: k:*\n"                                         // 3
    "transform:\n"                                                   // 4
    "  - uses: filter\n"                                             // 5
    "    with:\n"                                                    // 6
    "      language: jmespath\n"                                     // 7
    "      expression: concatt([a, b])\n"                            // 8
    "  - uses: add_field\n"                                          // 9
    "    with:\n"                                                    // 10
    "      field: x\n"                                               // 11
    "      language: sql\n"                                          // 12
    "      expression: a ||| b\n"                                    // 13
    "  - uses: map\n"                                                // 14
    "    with:\n"                                                    // 15
    "      language: jmespath\n"                                     // 16
    "      expression:\n"                                            // 17
    "        id: upper(name, `1`)\n"                                 // 18
    "output:\n"                                                      // 19
    "  - uses: redis.write\n"                                        // 20
    "    with:\n"                                                    // 21
    "      connection: target\n"                                     // 22
    "      key:\n"                                                   // 23
    "        language: jmespath\n"                                   // 24
    "        expression: concat(['a:', id]\n"                        // 25
    "  - uses: relational.write\n"                                   // 26
    "    with:\n"                                                    // 27
    "      connection: db\n"                                         // 28
    "      table: t\n"                                               // 29
    "      foreach: \"line: lines[?qty >]\"\n";                      // 30

TEST(ExpressionChecks, EveryKindOfExpressionIsCheckedWithACaret) {
  wb::config::PipelineFiles files;
  files["config.yaml"] = std::string(kTestConfig) + "  target:\n    type: redis\n    host: 127.0.0.1\n";
  files["jobs/j.yaml"] = kBadJob;
  wb::config::ExpressionCheckers checkers;
  wb::transform::register_expression_checkers(checkers);
  wb::config::LoadOptions options;
  options.checkers = &checkers;
  auto r = wb::config::load_pipeline(files, options);
  std::string all = r.diagnostics.to_string();
  ASSERT_EQ(r.diagnostics.error_count(), 5u) << all;
  std::vector<wb::config::Diagnostic> d;
  for (const auto& f : r.diagnostics.all()) {
    if (f.severity == wb::config::Severity::kError) d.push_back(f);
  }
  // filter: the unknown function, caret under its name.
  EXPECT_EQ(d[0].pos.to_string(), "jobs/j.yaml:8:19") << all;
  EXPECT_EQ(d[0].path, "transform[0].with.expression");
  EXPECT_NE(d[0].message.find("invalid jmespath expression: "), std::string::npos) << all;
  EXPECT_NE(d[0].message.find("concatt"), std::string::npos) << all;
  EXPECT_EQ(d[0].notes, std::vector<std::string>({"concatt([a, b])", "^"}));
  // add_field, SQL: SQLite's message, at the offending token.
  EXPECT_EQ(d[1].path, "transform[1].with.expression");
  EXPECT_NE(d[1].message.find("invalid sql expression: near \"|\": syntax error"), std::string::npos) << all;
  EXPECT_EQ(d[1].pos.line, 13);
  ASSERT_EQ(d[1].notes.size(), 2u);
  EXPECT_EQ(d[1].notes[0], "a ||| b");
  // map field: arity.
  EXPECT_EQ(d[2].path, "transform[2].with.expression.id");
  EXPECT_NE(d[2].message.find("invalid-arity: "), std::string::npos) << all;
  EXPECT_EQ(d[2].pos.line, 18);
  // redis.write key: unclosed call, caret at the end.
  EXPECT_EQ(d[3].path, "output[0].with.key.expression");
  EXPECT_EQ(d[3].pos.to_string(), "jobs/j.yaml:25:38") << all;
  EXPECT_EQ(d[3].notes, std::vector<std::string>({"concat(['a:', id]", "                 ^"}));
  // foreach: the JMESPath part after "alias:".
  EXPECT_EQ(d[4].path, "output[1].with.foreach");
  EXPECT_EQ(d[4].pos.line, 30);
  EXPECT_EQ(d[4].notes[0], "lines[?qty >]");
}

TEST(ExpressionChecks, GoodExpressionsPass) {
  auto r = load_jobs({{"j", job_yaml("  - uses: filter\n    with:\n      language: sql\n      expression: \"`a.b` > 1 AND c LIKE 'x%'\"\n"
                                     "  - uses: map\n    with:\n      language: jmespath\n      expression: \"{a: a, n: length(b)}\"\n")}});
  EXPECT_TRUE(r.ok()) << r.diagnostics.to_string();
}

TEST(ExpressionChecks, ByteOffsetsOfCodePointColumns) {
  EXPECT_EQ(wb::transform::byte_offset_of_column("abc", 1), 1u);
  EXPECT_EQ(wb::transform::byte_offset_of_column("éa", 1), 2u);  // é is two bytes
  EXPECT_EQ(wb::transform::byte_offset_of_column("éa", 5), 3u);  // past the end
}

}  // namespace
}  // namespace wbtest

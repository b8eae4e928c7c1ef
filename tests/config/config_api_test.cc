// The src/config API beyond what the corpus shows: loading from in-memory files (as from Redis),
// the expression-checker seam, positions of expressions, masking, deploy refusal, checksums,
// suggestions and identifiers.
#include <gtest/gtest.h>

#include "config/deployed_pipeline.h"
#include "config/expression_checks.h"
#include "config/identifiers.h"
#include "config/loader.h"
#include "config/render.h"
#include "config/suggest.h"
#include "config/supported_targets.h"

namespace {

using namespace wb::config;

const char* kConfig =
    "connections:\n"
    "  db:\n"
    "    type: sqlite\n"
    "    database: ./t.db\n"
    "  pg:\n"
    "    type: postgresql\n"
    "    host: h\n"
    "    database: d\n"
    "    password: hunter2-literal\n"
    "  mssql:\n"
    "    type: sqlserver\n"
    "    host: h\n"
    "    database: d\n";

const char* kJob =
    "source:\n"
    "  redis:\n"
    "    key_pattern: a:*\n"
    "transform:\n"
    "  - uses: filter\n"
    "    with:\n"
    "      language: jmespath\n"
    "      expression: \"age > `20` && bad!\"\n"
    "  - uses: add_field\n"
    "    with:\n"
    "      field: x\n"
    "      language: jmespath\n"
    "      expression: |\n"
    "        concat([a,\n"
    "          b!])\n"
    "output:\n"
    "  - uses: relational.write\n"
    "    with:\n"
    "      connection: db\n"
    "      table: a\n"
    "      foreach: \"item: items[?!x]\"\n";

PipelineFiles files(const std::string& job = kJob) {
  return {{"config.yaml", kConfig}, {"jobs/a.yaml", job}};
}

LoadOptions no_checks() {
  LoadOptions o;
  o.checkers = nullptr;
  return o;
}

TEST(LoadFromFiles, LoadsWhatADirectoryWouldHold) {
  LoadResult r = load_pipeline(files(), no_checks());
  ASSERT_TRUE(r.ok()) << r.diagnostics.to_string();
  ASSERT_EQ(r.pipeline.jobs.size(), 1u);
  const Job& job = r.pipeline.jobs[0];
  EXPECT_EQ(job.name, "a");
  EXPECT_EQ(job.file, "jobs/a.yaml");
  EXPECT_EQ(job.source.key_pattern, "a:*");
  ASSERT_EQ(job.transforms.size(), 2u);
  ASSERT_TRUE(job.transforms[0].expression.has_value());
  EXPECT_EQ(job.transforms[0].expression->text, "age > `20` && bad!");
  const RelationalWrite* w = job.outputs[0].relational();
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->effective_load_strategy(), LoadStrategy::kAppend);
  ASSERT_TRUE(w->foreach.has_value());
  EXPECT_EQ(w->foreach->alias, "item");
  EXPECT_EQ(w->foreach->expression.text, "items[?!x]");
  EXPECT_EQ(r.pipeline.find_connection("pg")->password, "hunter2-literal");
  EXPECT_EQ(r.pipeline.find_connection("pg")->port, 5432);
  EXPECT_EQ(r.pipeline.find_job("nope"), nullptr);
}

TEST(LoadFromFiles, WarnsAboutFilesThatAreNotPartOfAPipeline) {
  PipelineFiles f = files();
  f["notes/readme.md"] = "hello";
  LoadResult r = load_pipeline(f, no_checks());
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.warning_count(), 1u) << r.diagnostics.to_string();
  EXPECT_EQ(r.diagnostics.all()[0].to_string(),
            "notes/readme.md: warning: ignored: not config.yaml nor a job file under jobs/");
}

// A stand-in language checker: flags the first '!' — enough to prove that the loader reports a
// checker's finding at the right file:line:col with a caret, for every kind of expression.
std::optional<ExpressionProblem> flag_bang(const Expression& x) {
  size_t at = x.text.find('!');
  if (at == std::string::npos) return std::nullopt;
  return ExpressionProblem{at, "unexpected '!'"};
}

TEST(ExpressionCheckers, FindingsCarryFileLineColumnAndACaret) {
  ExpressionCheckers checkers;
  checkers.set(Language::kJmespath, flag_bang);
  LoadOptions options;
  options.checkers = &checkers;
  LoadResult r = load_pipeline(files(), options);
  ASSERT_EQ(r.diagnostics.error_count(), 3u) << r.diagnostics.to_string();
  const auto& all = r.diagnostics.all();
  // Quoted scalar on line 8 starting after the quote at column 20: '!' is the 18th character.
  EXPECT_EQ(all[0].to_string(),
            "jobs/a.yaml:8:37: transform[0].with.expression: invalid jmespath expression: unexpected '!'\n"
            "    age > `20` && bad!\n"
            "                     ^");
  // Literal block scalar: second line of the text, at the block's indentation (column 9) + 3.
  EXPECT_EQ(all[1].to_string(),
            "jobs/a.yaml:15:12: transform[1].with.expression: invalid jmespath expression: unexpected '!'\n"
            "      b!])\n"
            "       ^");
  // foreach: the expression part of "alias: expression".
  EXPECT_EQ(all[2].pos.to_string(), "jobs/a.yaml:21:30");
}

TEST(ExpressionCheckers, AThrowingCheckerIsAFindingNotACrash) {
  ExpressionCheckers checkers;
  checkers.set(Language::kJmespath, [](const Expression&) -> std::optional<ExpressionProblem> {
    throw std::runtime_error("checker broke");
  });
  LoadOptions options;
  options.checkers = &checkers;
  LoadResult r = load_pipeline(files(), options);
  EXPECT_EQ(r.diagnostics.error_count(), 3u);
  EXPECT_NE(r.diagnostics.to_string().find("checker broke"), std::string::npos);
}

TEST(ExpressionCheckers, OnlyTheRegisteredLanguageIsChecked) {
  ExpressionCheckers checkers;
  checkers.set(Language::kSql, flag_bang);
  LoadOptions options;
  options.checkers = &checkers;
  EXPECT_TRUE(load_pipeline(files(), options).ok());
}

TEST(ExpressionCheckers, TheDefaultRegistryIsUsedByDefault) {
  default_expression_checkers().set(Language::kJmespath, flag_bang);
  LoadResult r = load_pipeline(files());
  default_expression_checkers().clear();
  EXPECT_EQ(r.diagnostics.error_count(), 3u);
  EXPECT_TRUE(load_pipeline(files()).ok());
}

TEST(Render, MasksPasswordsAndKeepsSecretsUnresolved) {
  PipelineFiles f = files();
  f["config.yaml"] += "  other:\n    type: postgresql\n    host: h\n    database: d\n    password: ${env:HOME}\n";
  LoadResult r = load_pipeline(f, no_checks());
  ASSERT_TRUE(r.ok()) << r.diagnostics.to_string();
  std::string text = render_pipeline(r.pipeline);
  EXPECT_EQ(text.find("hunter2-literal"), std::string::npos);
  EXPECT_EQ(text.find("${env:HOME}"), std::string::npos);  // a password is masked even as a reference
  EXPECT_NE(text.find("\"password\": \"****\""), std::string::npos);
  EXPECT_EQ(render_pipeline(r.pipeline), text);  // deterministic
}

TEST(Deploy, RefusesTargetsThisBuildCannotWrite) {
  std::string job = kJob;
  job.replace(job.find("connection: db"), 14, "connection: mssql");
  LoadResult r = load_pipeline(files(job), no_checks());
  ASSERT_TRUE(r.ok()) << r.diagnostics.to_string();
  EXPECT_EQ(r.diagnostics.warning_count(), 1u) << r.diagnostics.to_string();
  Diagnostics refused = check_deployable(r.pipeline);
  ASSERT_EQ(refused.error_count(), 1u);
  EXPECT_EQ(refused.all()[0].to_string(),
            "jobs/a.yaml:19:19: output[0].with.connection: job \"a\" writes to connection \"mssql\" (sqlserver): "
            "not supported yet by this build");
  EXPECT_FALSE(check_deployable(load_pipeline(files(), no_checks()).pipeline).has_errors());
  EXPECT_TRUE(can_write_to(ConnectionType::kSqlite));
  EXPECT_FALSE(can_write_to(ConnectionType::kCassandra));
}

TEST(Checksum, DependsOnEveryPathAndContentOnly) {
  PipelineFiles a = files();
  EXPECT_EQ(pipeline_checksum(a), pipeline_checksum(files()));
  EXPECT_EQ(pipeline_checksum(a).size(), 64u);
  PipelineFiles b = a;
  b["jobs/a.yaml"] += " ";
  EXPECT_NE(pipeline_checksum(a), pipeline_checksum(b));
  PipelineFiles c = {{"config.yaml", std::string(kConfig) + "x"}, {"jobs/a.yaml", ""}};
  PipelineFiles d = {{"config.yaml", kConfig}, {"jobs/a.yaml", "x"}};
  EXPECT_NE(pipeline_checksum(c), pipeline_checksum(d));
  EXPECT_EQ(pipeline_key(), "wb:pipeline");
  EXPECT_EQ(pipeline_key("x:"), "x:pipeline");
}

TEST(Suggest, EditDistanceIgnoresCaseAndDashes) {
  EXPECT_EQ(edit_distance("table", "table"), 0u);
  EXPECT_EQ(edit_distance("tabel", "table"), 1u);  // a swap is one edit
  EXPECT_EQ(edit_distance("UPSERT", "upsert"), 0u);
  EXPECT_EQ(edit_distance("exclude-commands", "exclude_commands"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(closest_match("key_patern", {"key_pattern", "trigger"}), "key_pattern");
  EXPECT_EQ(closest_match("zzz", {"key_pattern", "trigger"}), std::nullopt);
  EXPECT_EQ(closest_match("ab", {"ac", "ad"}), std::nullopt);  // a tie suggests nothing
  EXPECT_EQ(did_you_mean("tabel", {"table"}), " (did you mean \"table\"?)");
  EXPECT_EQ(did_you_mean("xyz", {"table"}), "");
}

TEST(Identifiers, Rules) {
  EXPECT_FALSE(identifier_problem("users"));
  EXPECT_FALSE(identifier_problem("Order_Line$1"));
  EXPECT_FALSE(identifier_problem(std::string(kMaxIdentifierLength, 'a')));
  EXPECT_TRUE(identifier_problem(std::string(kMaxIdentifierLength + 1, 'a')));
  EXPECT_TRUE(identifier_problem(""));
  EXPECT_TRUE(identifier_problem("a b"));
  EXPECT_TRUE(identifier_problem("a.b"));
  EXPECT_TRUE(identifier_problem("a\"b"));
  EXPECT_FALSE(job_name_problem("user-actions.v2"));
  EXPECT_TRUE(job_name_problem("a:b"));
  EXPECT_TRUE(job_name_problem(std::string(kMaxJobNameLength + 1, 'j')));
}

}  // namespace

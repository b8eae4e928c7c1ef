// plan_from_config: the shared example pipelines (../shared/examples) become applier plans;
// TYPE2 settings are read from RDI's active_record_indicator / inactive_record_mapping; pipelines
// the applier cannot run are refused with a clear PlanError.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "applier/plan_from_config.h"
#include "applier/transform_chain.h"
#include "config/loader.h"
#include "harness/process.h"

using namespace wb::applier;

namespace {

wb::config::Pipeline load_example(const std::string& name) {
  auto result = wb::config::load_pipeline_dir(wbtest::shared_dir() + "/examples/" + name);
  EXPECT_TRUE(result.ok()) << result.diagnostics.to_string();
  return result.pipeline;
}

PlanOptions options(const std::string& dir = "") {
  PlanOptions o;
  o.redis = wb::RedisEndpoint::parse("redis://127.0.0.1:6379");
  o.instance_id = "i1";
  o.pipeline_dir = dir;
  return o;
}

TransformChainFactory identity_factory(const wb::config::Job&) {
  return [] { return std::make_unique<IdentityTransformChain>(); };
}

}  // namespace

TEST(PlanFromConfig, UserActionsIsAStreamAppendIntoSqlite) {
  std::string dir = wbtest::shared_dir() + "/examples/user-actions";
  ApplierPlan plan = plan_from_config(load_example("user-actions"), options(dir));
  EXPECT_EQ(plan.settings.read_batch_size, 500u);
  EXPECT_EQ(plan.settings.write_batch_size, 500u);
  EXPECT_EQ(plan.settings.duration, std::chrono::milliseconds(100));
  EXPECT_EQ(plan.settings.instance_id, "i1");
  ASSERT_EQ(plan.jobs.size(), 1u);
  const JobPlan& job = plan.jobs[0];
  EXPECT_EQ(job.name, "user_action");
  EXPECT_EQ(job.source_kind, wb::SourceKind::Stream);
  EXPECT_EQ(job.stream, "stream:user_action");
  EXPECT_EQ(job.start_id, "0-0");
  ASSERT_EQ(job.outputs.size(), 1u);
  const OutputPlan& out = job.outputs[0];
  EXPECT_EQ(out.strategy, LoadStrategy::Append);
  EXPECT_EQ(out.name, "events-db.user_actions");
  EXPECT_EQ(out.mapping.size(), 3u);
  EXPECT_EQ(out.mapping[0].column, "user_id");
  EXPECT_EQ(out.mapping[0].source, "user_id");
  ASSERT_TRUE(plan.connections.contains("events-db"));
  EXPECT_EQ(plan.connections["events-db"].type, "sqlite");
  EXPECT_EQ(plan.connections["events-db"].database, std::filesystem::path(dir + "/user_events.db").lexically_normal().string());
}

TEST(PlanFromConfig, QuickstartNeedsATransformEngineAndItsSecret) {
  auto pipeline = load_example("rdi-quickstart");
  EXPECT_THROW(plan_from_config(pipeline, options()), PlanError);  // rename_field, no engine given

  PlanOptions o = options();
  o.transforms = identity_factory;
  ::unsetenv("PG_PASSWORD");
  try {
    plan_from_config(pipeline, o);
    ADD_FAILURE() << "an unset secret must be refused";
  } catch (const PlanError& e) {
    EXPECT_NE(std::string(e.what()).find("PG_PASSWORD"), std::string::npos) << e.what();
  }
  ::setenv("PG_PASSWORD", "s3cret", 1);
  ApplierPlan plan = plan_from_config(pipeline, o);
  ::unsetenv("PG_PASSWORD");
  ASSERT_EQ(plan.jobs.size(), 1u);
  const JobPlan& job = plan.jobs[0];
  EXPECT_EQ(job.source_kind, wb::SourceKind::Captured);
  EXPECT_TRUE(job.stream.empty());  // asked from the module at run time
  EXPECT_TRUE(static_cast<bool>(job.transforms));
  const OutputPlan& out = job.outputs[0];
  EXPECT_EQ(out.strategy, LoadStrategy::Upsert);
  EXPECT_EQ(out.name, "my-postgres.public.emp");
  EXPECT_EQ(out.table.schema, "public");
  ASSERT_EQ(out.keys.size(), 2u);
  EXPECT_EQ(out.keys[1].column, "last_name");
  EXPECT_EQ(plan.connections["my-postgres"].password, "s3cret");
  EXPECT_EQ(plan.connections["my-postgres"].port, 5432);
  EXPECT_EQ(plan.settings.retry_interval, std::chrono::seconds(5));
  EXPECT_EQ(plan.settings.dlq_max_messages, 1000u);
  EXPECT_FALSE(plan.connections.contains("my-mysql"));  // not used by any job
}

TEST(PlanFromConfig, CurrentSpellingWithKeysFromAnotherField) {
  wbtest::TempDir dir("wbtest-plan");
  std::string secret = dir.file("shop-password");
  {
    std::ofstream(secret) << "pw\n";
  }
  auto pipeline = load_example("rdi-current");
  pipeline.connections["warehouse"].password = "${file:" + secret + "}";
  PlanOptions o = options();
  o.transforms = identity_factory;
  ApplierPlan plan = plan_from_config(pipeline, o);
  const OutputPlan& out = plan.jobs[0].outputs[0];
  ASSERT_EQ(out.keys.size(), 1u);
  EXPECT_EQ(out.keys[0].column, "customer_id");
  EXPECT_EQ(out.keys[0].source, "id");
  EXPECT_EQ(plan.connections["warehouse"].type, "mariadb");
  EXPECT_EQ(plan.connections["warehouse"].password, "pw");
  EXPECT_EQ(plan.settings.error_handling, ErrorHandling::DeadLetter);
}

TEST(PlanFromConfig, Type2SpecFromTheIndicatorAndInactiveMapping) {
  wb::config::RelationalWrite w;
  w.table = "h";
  w.active_record_indicator = "is_active = 'Y'";
  w.inactive_record_mapping = {{"is_active", "'N'", {}}, {"valid_to", "CURRENT_TIMESTAMP", {}}, {"reason", "'closed'", {}}};
  auto spec = type2_spec_from(w);
  EXPECT_EQ(spec.indicator_column, "is_active");
  EXPECT_EQ(spec.active_value, "Y");
  EXPECT_EQ(spec.inactive_value, "N");
  ASSERT_EQ(spec.close_columns.size(), 2u);
  EXPECT_EQ(spec.close_columns[0].column, "valid_to");
  EXPECT_TRUE(spec.close_columns[0].is_sql_expression);
  EXPECT_EQ(spec.close_columns[0].value, "CURRENT_TIMESTAMP");
  EXPECT_FALSE(spec.close_columns[1].is_sql_expression);
  EXPECT_EQ(spec.close_columns[1].value, "closed");

  w.active_record_indicator = "\"current\"=1";
  w.inactive_record_mapping.clear();
  spec = type2_spec_from(w);
  EXPECT_EQ(spec.indicator_column, "current");
  EXPECT_EQ(spec.active_value, "1");
  EXPECT_EQ(spec.inactive_value, "0");

  w.active_record_indicator = "valid_to IS NULL";
  EXPECT_THROW(type2_spec_from(w), PlanError);
  w.active_record_indicator = "a = upper(b)";
  EXPECT_THROW(type2_spec_from(w), PlanError);
}

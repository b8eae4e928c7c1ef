// foreach in the applier's OutputMapper (no servers): one row per element; with key tracking, the
// rows a Redis key wrote before and no longer produces are deleted and the tracked value lists all
// of its rows; without tracking each row coalesces alone; APPEND inserts every row; a record whose
// rows lack a key, or whose foreach expression fails, is rejected.
#include <gtest/gtest.h>

#include "applier/key_tracker.h"
#include "applier/output_mapper.h"
#include "transform/foreach_expander.h"
#include "transform_fixture.h"

namespace wbtest {
namespace {

using wb::Op;
using wb::applier::KeyTuple;
using wb::applier::LoadStrategy;
using wb::sink::Row;

wb::applier::OutputPlan lines_plan(LoadStrategy strategy = LoadStrategy::Upsert) {
  wb::config::RelationalWrite w;
  w.connection = "db";
  w.table = "lines";
  w.keys = {{"code", "line.code", {}}};
  w.mapping = {{"doc", "id", {}}, {"qty", "line.qty", {}}};
  w.foreach = wb::config::Foreach{"line", {}};
  w.foreach->expression.text = "lines";
  wb::applier::OutputPlan p;
  p.name = "db.lines";
  p.connection = "db";
  p.table = {"", "lines"};
  p.keys = {{"code", "line.code"}};
  p.mapping = {{"doc", "id"}, {"qty", "line.qty"}};
  p.strategy = strategy;
  p.foreach = wb::transform::row_expander(w);
  return p;
}

wb::ChangeRecord doc(const std::string& key, std::vector<std::pair<std::string, int>> lines, Op op = Op::Create) {
  json d = {{"id", key}, {"lines", json::array()}};
  for (auto& [code, qty] : lines) d["lines"].push_back({{"code", code}, {"qty", qty}});
  return make_record(d, wb::RowFormat::DataOnly, op, key);
}

Row row(std::initializer_list<wb::sink::Value> v) { return Row(v); }

TEST(ForeachMapper, TrackedKeysDeleteTheRowsTheirDocumentNoLongerHas) {
  wb::applier::KeyTracker tracker("wb:keys:j:db.lines");
  // Before this chunk, d:1 wrote rows A and B; d:2 wrote C.
  tracker.remember("d:1", KeyTuple{std::string("A"), std::string("B")});
  tracker.remember("d:2", KeyTuple{std::string("C")});
  wb::applier::OutputMapper m(lines_plan(), wb::RowFormat::DataOnly, &tracker);
  wb::ChangeRecord r1 = doc("d:1", {{"B", 5}, {"D", 1}});
  wb::ChangeRecord r2 = doc("d:2", {}, Op::Delete);
  ASSERT_EQ(m.check(r1), std::nullopt);
  auto plan = m.plan_chunk({&r1, &r2});
  ASSERT_EQ(plan.writes.size(), 1u);
  const auto& w = plan.writes[0];
  EXPECT_EQ(w.key_columns, std::vector<std::string>({"code"}));
  EXPECT_EQ(w.value_columns, std::vector<std::string>({"doc", "qty"}));
  EXPECT_EQ(w.deletes, std::vector<Row>({row({"A"}), row({"C"})}));
  EXPECT_EQ(w.upserts, std::vector<Row>({row({"B", "d:1", "5"}), row({"D", "d:1", "1"})}));
  ASSERT_EQ(plan.tracking.size(), 2u);
  EXPECT_EQ(plan.tracking[0].first, "d:1");
  EXPECT_EQ(plan.tracking[0].second, KeyTuple({std::string("B"), std::string("D")}));
  EXPECT_EQ(plan.tracking[1].first, "d:2");
  EXPECT_EQ(plan.tracking[1].second, std::nullopt);
}

TEST(ForeachMapper, ARowAnotherKeyNowWritesIsNotDeleted) {
  wb::applier::KeyTracker tracker("wb:keys:j:db.lines");
  tracker.remember("d:1", KeyTuple{std::string("A")});
  tracker.remember("d:2", std::nullopt);
  wb::applier::OutputMapper m(lines_plan(), wb::RowFormat::DataOnly, &tracker);
  wb::ChangeRecord r1 = doc("d:1", {});
  wb::ChangeRecord r2 = doc("d:2", {{"A", 7}});  // line A moved to another document
  auto plan = m.plan_chunk({&r1, &r2});
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_TRUE(plan.writes[0].deletes.empty());
  EXPECT_EQ(plan.writes[0].upserts, std::vector<Row>({row({"A", "d:2", "7"})}));
}

TEST(ForeachMapper, UntrackedRowsCoalesceAlone) {
  wb::applier::OutputMapper m(lines_plan(), wb::RowFormat::DataOnly, nullptr);
  wb::ChangeRecord r1 = doc("d:1", {{"A", 1}, {"B", 2}});
  wb::ChangeRecord r2 = doc("d:1", {{"A", 3}});
  auto plan = m.plan_chunk({&r1, &r2});
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].upserts, std::vector<Row>({row({"A", "d:1", "3"}), row({"B", "d:1", "2"})}));
  EXPECT_TRUE(plan.writes[0].deletes.empty());
  EXPECT_TRUE(plan.tracking.empty());
}

TEST(ForeachMapper, AppendInsertsEveryRow) {
  wb::applier::OutputMapper m(lines_plan(LoadStrategy::Append), wb::RowFormat::DataOnly, nullptr);
  wb::ChangeRecord r1 = doc("d:1", {{"A", 1}, {"B", 2}});
  wb::ChangeRecord r2 = doc("d:1", {{"A", 3}});
  wb::ChangeRecord r3 = doc("d:1", {}, Op::Delete);
  EXPECT_FALSE(m.writes(r3));
  auto plan = m.plan_chunk({&r1, &r2});
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].appends.size(), 3u);
}

TEST(ForeachMapper, RejectsRowsWithoutKeysAndFailingExpressions) {
  wb::applier::OutputMapper m(lines_plan(), wb::RowFormat::DataOnly, nullptr);
  wb::ChangeRecord no_code = make_record({{"id", "d:1"}, {"lines", {{{"qty", 1}}}}});
  auto why = m.check(no_code);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "foreach row: no value for key column 'code' (source 'line.code')");
  EXPECT_EQ(m.check(doc("d:1", {}, Op::Delete)), std::nullopt);

  wb::config::RelationalWrite w;
  w.table = "x";
  w.foreach = wb::config::Foreach{"v", {}};
  w.foreach->expression.text = "sort(values)";
  wb::applier::OutputPlan p = lines_plan();
  p.foreach = wb::transform::row_expander(w);
  wb::applier::OutputMapper bad(p, wb::RowFormat::DataOnly, nullptr);
  auto fail = bad.check(make_record({{"values", {1, "a"}}}));
  ASSERT_TRUE(fail.has_value());
  EXPECT_EQ(fail->rfind("foreach: invalid-type", 0), 0u) << *fail;
}

}  // namespace
}  // namespace wbtest

// relational.write's foreach: RDI's order example (one JSON order document -> one row per order
// line), what rows carry, and the edges (missing array, deletes, alias shadowing, full format).
#include <gtest/gtest.h>

#include "source/record_path.h"
#include "transform/foreach_expander.h"
#include "transform_fixture.h"

namespace wbtest {
namespace {

using wb::Op;
using wb::RowFormat;

// RDI's foreach example (redis.io write-behind foreach example), with the commas JMESPath's
// multi-select hash requires.
const char* kOrderJob =
    "source:\n"
    "  redis:\n"
    "    key_pattern: orderdetail:*\n"
    "    trigger: write-behind\n"
    "    exclude_commands: [\"json.del\"]\n"
    "transform:\n"
    "  - uses: add_field\n"
    "    with:\n"
    "      fields:\n"
    "        - field: my_orders\n"
    "          language: jmespath\n"
    "          expression: |\n"
    "            orders[*].{\n"
    "              code: code,\n"
    "              periodStartTime: periodStartTime,\n"
    "              periodEndTime: periodEndTime,\n"
    "              specs: to_string(specs)\n"
    "            }\n"
    "output:\n"
    "  - uses: relational.write\n"
    "    with:\n"
    "      connection: db\n"
    "      table: OrderMaster\n"
    "      keys:\n"
    "        - Code: orderDetail.code\n"
    "      mapping:\n"
    "        - DeliveryDate: orderDetail.deliveryDate\n"
    "  - uses: relational.write\n"
    "    with:\n"
    "      connection: db\n"
    "      table: Orders\n"
    "      foreach: \"order: my_orders[]\"\n"
    "      keys:\n"
    "        - Code: order.code\n"
    "      mapping:\n"
    "        - OrderDetailCode: orderDetail.code\n"
    "        - PeriodStartTime: order.periodStartTime\n"
    "        - Specs: order.specs\n";

json order_document() {
  return json::parse(R"({
    "orderDetail": {"code": "OD1", "deliveryDate": "2024-05-01", "productCode": "P", "countryCode": "FR"},
    "orders": [
      {"code": "O1", "periodStartTime": "08:00", "periodEndTime": "09:00", "specs": [{"k": "a"}]},
      {"code": "O2", "periodStartTime": "10:00", "periodEndTime": "11:00", "specs": []}
    ],
    "bulky": {"notes": "not read by any mapping"}
  })");
}

TEST(Foreach, RdiOrderExampleGivesOneRowPerOrderLine) {
  wb::config::Job job = load_job(kOrderJob);
  auto transforms = wb::transform::JobTransforms::compile(job);
  const wb::config::RelationalWrite* lines = job.outputs[1].relational();
  ASSERT_NE(lines, nullptr);
  ASSERT_TRUE(lines->foreach.has_value());
  wb::transform::ForeachExpander expander(*lines->foreach, wb::transform::source_paths_of(*lines));
  EXPECT_EQ(expander.alias(), "order");

  wb::ChangeRecord rec = make_record(order_document(), RowFormat::DataOnly, Op::Create, "orderdetail:1");
  ASSERT_EQ(transforms->apply(rec).verdict, Verdict::Keep);
  std::vector<wb::ChangeRecord> rows = expander.expand(rec);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(wb::resolve_text(rows[0], "order.code"), "O1");
  EXPECT_EQ(wb::resolve_text(rows[1], "order.code"), "O2");
  EXPECT_EQ(wb::resolve_text(rows[0], "orderDetail.code"), "OD1");
  EXPECT_EQ(wb::resolve_text(rows[1], "orderDetail.code"), "OD1");
  EXPECT_EQ(wb::resolve_text(rows[0], "order.periodStartTime"), "08:00");
  EXPECT_EQ(wb::resolve_text(rows[0], "order.specs"), "[{\"k\":\"a\"}]");
  EXPECT_EQ(wb::resolve_text(rows[1], "order.specs"), "[]");
  for (const auto& r : rows) {
    EXPECT_EQ(r.redis_key, "orderdetail:1");
    EXPECT_EQ(r.entry_id, rec.entry_id);
    EXPECT_EQ(r.op, Op::Create);
    EXPECT_EQ(wb::resolve_text(r, "key.key"), "orderdetail:1");
    // Only the members the output's paths reach are carried.
    EXPECT_FALSE(r.record().contains("bulky"));
    EXPECT_FALSE(r.record().contains("orders"));
  }
}

TEST(Foreach, MissingOrEmptyArraysAndDeletesGiveNoRows) {
  wb::config::Foreach spec{"item", {}};
  spec.expression.text = "items";
  wb::transform::ForeachExpander e(spec, {"item.sku"});
  EXPECT_TRUE(e.expand(make_record({{"other", 1}})).empty());
  EXPECT_TRUE(e.expand(make_record({{"items", json::array()}})).empty());
  EXPECT_TRUE(e.expand(make_record({{"items", "not an array"}})).empty());
  EXPECT_TRUE(e.expand(make_record({{"items", {{{"sku", "a"}}}}}, RowFormat::DataOnly, Op::Delete)).empty());
  EXPECT_EQ(e.expand(make_record({{"items", {{{"sku", "a"}}, {{"sku", "b"}}}}})).size(), 2u);
}

TEST(Foreach, ScalarElementsAndAliasShadowingAParentField) {
  wb::config::Foreach spec{"tag", {}};
  spec.expression.text = "tags";
  wb::transform::ForeachExpander e(spec, {"tag", "id"});
  auto rows = e.expand(make_record({{"id", "7"}, {"tag", "parent"}, {"tags", {"x", "y"}}}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(wb::resolve_text(rows[0], "tag"), "x");
  EXPECT_EQ(wb::resolve_text(rows[1], "tag"), "y");
  EXPECT_EQ(wb::resolve_text(rows[1], "id"), "7");
}

TEST(Foreach, NoMappingCarriesTheWholeRecord) {
  wb::config::Foreach spec{"line", {}};
  spec.expression.text = "lines[?qty > `0`]";
  wb::transform::ForeachExpander e(spec, {});
  auto rows = e.expand(make_record({{"id", "7"}, {"lines", {{{"qty", 1}}, {{"qty", 0}}, {{"qty", 3}}}}}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].record().at("line"), json({{"qty", 3}}));
  EXPECT_EQ(rows[1].record().at("id"), "7");
  EXPECT_TRUE(rows[1].record().contains("lines"));
}

TEST(Foreach, FullRowFormatAndDataOnlyAfterPrefix) {
  wb::config::Foreach spec{"line", {}};
  spec.expression.text = "after.lines";
  wb::transform::ForeachExpander e(spec, {"line.sku", "after.id"});
  auto full = e.expand(full_record({{"id", "7"}, {"lines", {{{"sku", "a"}}}}}));
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(wb::resolve_text(full[0], "line.sku"), "a");
  EXPECT_EQ(wb::resolve_text(full[0], "after.id"), "7");
  // data_only: after.lines and after.id mean the record's own fields.
  auto data_only = e.expand(make_record({{"id", "8"}, {"lines", {{{"sku", "b"}}, {{"sku", "c"}}}}}));
  ASSERT_EQ(data_only.size(), 2u);
  EXPECT_EQ(wb::resolve_text(data_only[1], "line.sku"), "c");
  EXPECT_EQ(wb::resolve_text(data_only[1], "after.id"), "8");
}

TEST(Foreach, AnExpressionThatFailsThrows) {
  wb::config::Foreach spec{"x", {}};
  spec.expression.text = "sort(items)";
  wb::transform::ForeachExpander e(spec, {});
  EXPECT_THROW(e.expand(make_record({{"items", {1, "a"}}})), wb::expr::ExpressionError);
}

}  // namespace
}  // namespace wbtest

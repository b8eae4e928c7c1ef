// OutputMapper without servers: rows (keys first, values as text), coalescing by key with key
// tracking (deletes, key changes, renames), load strategies, columns without a mapping, and flat
// records (decoded hashes and stream entries) planned exactly like their JSON form.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "applier/output_mapper.h"
#include "source/entry_decoder.h"

using namespace wb;
using namespace wb::applier;
using nlohmann::json;
using sink::Row;
using sink::Value;

namespace {

ChangeRecord rec(const std::string& key, Op op, json data, int seq = 0) {
  ChangeRecord r;
  r.entry_id = "1-" + std::to_string(seq);
  r.redis_key = key;
  r.op = op;
  r.set_record(std::move(data));
  return r;
}

OutputPlan upsert_plan() {
  OutputPlan p;
  p.name = "db.users";
  p.connection = "db";
  p.table = {"", "users"};
  p.keys = {{"id", "id"}};
  p.mapping = {{"id", "id"}, {"name", "name"}, {"city", "address.city"}};
  p.strategy = LoadStrategy::Upsert;
  return p;
}

std::vector<const ChangeRecord*> ptrs(const std::vector<ChangeRecord>& v) {
  std::vector<const ChangeRecord*> out;
  for (const auto& r : v) out.push_back(&r);
  return out;
}

Row row(std::initializer_list<Value> values) { return Row(values); }

std::vector<sink::Column> columns(std::initializer_list<const char*> names) {
  std::vector<sink::Column> cols;
  for (const char* n : names) cols.push_back({n, "text", true, false});
  return cols;
}

}  // namespace

TEST(KeyTupleEncoding, RoundTrips) {
  KeyTuple t{std::string("a\"b"), std::nullopt, std::string("ü"), std::string("")};
  std::string text = encode_key_tuple(t);
  EXPECT_EQ(text, R"(["a\"b",null,"ü",""])");
  EXPECT_EQ(decode_key_tuple(text), t);
  EXPECT_EQ(decode_key_tuple("not json"), std::nullopt);
  EXPECT_EQ(decode_key_tuple("[1]"), std::nullopt);
}

TEST(OutputMapper, RowsPutKeysFirstAndValuesAsText) {
  KeyTracker tracker("wb:keys:j:db.users");
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Create, {{"id", 1}, {"name", "Ann"}, {"address", {{"city", "Oslo"}}}}),
                              rec("user:2", Op::Create, {{"id", "2"}, {"name", ""}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  const auto& w = plan.writes[0];
  EXPECT_EQ(w.key_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(w.value_columns, (std::vector<std::string>{"name", "city"}));  // the key is not repeated
  EXPECT_EQ(w.upserts, (std::vector<Row>{row({"1", "Ann", "Oslo"}), row({"2", "", std::nullopt})}));
  EXPECT_TRUE(w.deletes.empty());
  ASSERT_EQ(plan.tracking.size(), 2u);
  EXPECT_EQ(plan.tracking[0], (std::pair<std::string, std::optional<KeyTuple>>{"user:1", KeyTuple{"1"}}));
}

TEST(OutputMapper, LastOpOfAKeyWins) {
  KeyTracker tracker("t");
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Create, {{"id", "1"}, {"name", "a"}}),
                              rec("user:1", Op::Update, {{"id", "1"}, {"name", "b"}}),
                              rec("user:1", Op::Update, {{"id", "1"}, {"name", "c"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"1", "c", std::nullopt})}));
}

TEST(OutputMapper, DeleteThenCreateEndsAsTheCreate) {
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"1"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Delete, json::object()),
                              rec("user:1", Op::Create, {{"id", "1"}, {"name", "new"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_TRUE(plan.writes[0].deletes.empty());
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"1", "new", std::nullopt})}));
}

TEST(OutputMapper, CreateThenDeleteEndsDeleted) {
  KeyTracker tracker("t");
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Create, {{"id", "1"}}), rec("user:1", Op::Delete, json::object())};
  auto plan = m.plan_chunk(ptrs(v));
  EXPECT_TRUE(plan.writes.empty());  // the row never reached the table: nothing to write or delete
  ASSERT_EQ(plan.tracking.size(), 1u);
  EXPECT_EQ(plan.tracking[0].second, std::nullopt);

  tracker.remember("user:1", KeyTuple{"1"});  // it had been written before this chunk
  auto again = m.plan_chunk(ptrs(v));
  ASSERT_EQ(again.writes.size(), 1u);
  EXPECT_TRUE(again.writes[0].upserts.empty());
  EXPECT_EQ(again.writes[0].deletes, (std::vector<Row>{row({"1"})}));
}

TEST(OutputMapper, DeleteUsesTheTrackedKey) {
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"41"});
  tracker.remember("user:2", std::nullopt);
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Delete, json::object()), rec("user:2", Op::Delete, json::object())};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"41"})}));  // user:2 never wrote a row
  EXPECT_EQ(plan.tracking.size(), 2u);
}

TEST(OutputMapper, ChangedKeyColumnsDeleteTheOldRow) {
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"1"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Update, {{"id", "2"}, {"name", "Ann"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"1"})}));
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"2", "Ann", std::nullopt})}));
  EXPECT_EQ(plan.tracking[0].second, KeyTuple{"2"});
}

TEST(OutputMapper, UnchangedKeyDeletesNothing) {
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"1"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Update, {{"id", "1"}, {"name", "x"}})};
  auto plan = m.plan_chunk(ptrs(v));
  EXPECT_TRUE(plan.writes[0].deletes.empty());
}

TEST(OutputMapper, IntermediateKeyValuesAreNeverDeleted) {
  // user:1 goes 1 -> 2 -> 3 in one chunk: only row 1 (written before) is deleted; row 2 never existed.
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"1"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Update, {{"id", "2"}}), rec("user:1", Op::Update, {{"id", "3"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"1"})}));
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"3", std::nullopt, std::nullopt})}));
}

TEST(OutputMapper, TwoKeysEndingOnOneRowTheLaterRecordWins) {
  KeyTracker tracker("t");
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:2", Op::Create, {{"id", "7"}, {"name", "first"}}),
                              rec("user:1", Op::Create, {{"id", "7"}, {"name", "second"}}),
                              rec("user:2", Op::Update, {{"id", "7"}, {"name", "third"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"7", "third", std::nullopt})}));
}

TEST(OutputMapper, ARowAnotherKeyEndsWithIsNotDeleted) {
  // user:1 wrote row 7 and is deleted; user:2 is created with id 7 in the same chunk.
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"7"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:2", Op::Create, {{"id", "7"}, {"name", "two"}}),
                              rec("user:1", Op::Delete, json::object())};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_TRUE(plan.writes[0].deletes.empty());
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"7", "two", std::nullopt})}));
}

TEST(OutputMapper, RenameOverAnExistingKeyRemovesItsOldRow) {
  // RENAME user:1 user:2 (both exist): the module emits d user:1, then u user:2 with user:1's value.
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"1"});
  tracker.remember("user:2", KeyTuple{"2"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Delete, json::object()),
                              rec("user:2", Op::Update, {{"id", "1"}, {"name", "one"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"2"})}));
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"1", "one", std::nullopt})}));
}

TEST(OutputMapper, TrackedTupleOfAnotherArityIsIgnored) {
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"a", "b"});  // written when the job had two key columns
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Delete, json::object())};
  auto plan = m.plan_chunk(ptrs(v));
  EXPECT_TRUE(plan.writes.empty());
}

TEST(OutputMapper, DeleteWithoutTrackingUsesKeyFromTheRecord) {
  OutputPlan p = upsert_plan();
  p.keys = {{"rkey", "key.key"}};
  KeyTracker tracker("t");
  OutputMapper m(p, RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:9", Op::Delete, json::object())};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"user:9"})}));
}

TEST(OutputMapper, ReplaceStrategy) {
  OutputPlan p = upsert_plan();
  p.strategy = LoadStrategy::Replace;
  KeyTracker tracker("t");
  OutputMapper m(p, RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Create, {{"id", "1"}, {"name", "a"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_TRUE(plan.writes[0].upserts.empty());
  EXPECT_EQ(plan.writes[0].replaces, (std::vector<Row>{row({"1", "a", std::nullopt})}));
}

TEST(OutputMapper, AppendKeepsEveryRecordAndFiltersDeletes) {
  OutputPlan p;
  p.name = "db.events";
  p.table = {"", "events"};
  p.mapping = {{"user_id", "user_id"}, {"action", "action"}};
  p.strategy = LoadStrategy::Append;
  OutputMapper m(p, RowFormat::DataOnly, nullptr);
  std::vector<ChangeRecord> v{rec("", Op::Create, {{"user_id", "u1"}, {"action", "login"}}),
                              rec("", Op::Create, {{"user_id", "u1"}, {"action", "login"}}),
                              rec("", Op::Delete, json::object())};
  EXPECT_TRUE(m.writes(v[0]));
  EXPECT_FALSE(m.writes(v[2]));
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_TRUE(plan.writes[0].key_columns.empty());
  EXPECT_EQ(plan.writes[0].appends, (std::vector<Row>{row({"u1", "login"}), row({"u1", "login"})}));
  EXPECT_TRUE(plan.tracking.empty());
}

TEST(OutputMapper, WithoutRedisKeysLastOpPerTargetKeyWins) {
  OutputPlan p = upsert_plan();
  p.opcode_field = "op";
  OutputMapper m(p, RowFormat::DataOnly, nullptr);
  std::vector<ChangeRecord> v{rec("", Op::Create, {{"id", "1"}, {"name", "a"}, {"op", "c"}}),
                              rec("", Op::Create, {{"id", "2"}, {"name", "b"}, {"op", "u"}}),
                              rec("", Op::Create, {{"id", "1"}, {"op", "d"}}),
                              rec("", Op::Create, {{"id", "3"}, {"op", "d"}}),
                              rec("", Op::Create, {{"id", "3"}, {"name", "c"}, {"op", "r"}})};
  EXPECT_EQ(m.op_of(v[2]), Op::Delete);
  EXPECT_EQ(m.op_of(v[4]), Op::Create);
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"1"})}));
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"2", "b", std::nullopt}), row({"3", "c", std::nullopt})}));
}

TEST(OutputMapper, WithoutRedisKeysADeleteWithoutKeyValuesDeletesNothing) {
  OutputPlan p = upsert_plan();
  p.opcode_field = "op";
  OutputMapper m(p, RowFormat::DataOnly, nullptr);
  std::vector<ChangeRecord> v{rec("", Op::Create, {{"op", "d"}}), rec("", Op::Create, {{"id", "1"}, {"op", "c"}}),
                              rec("", Op::Create, {{"op", "d"}})};
  ASSERT_FALSE(m.check(v[0]).has_value());
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_TRUE(plan.writes[0].deletes.empty()) << "never DELETE ... WHERE id IS NULL";
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"1", std::nullopt, std::nullopt})}));
}

TEST(OutputMapper, TrackingListsKeysInStreamOrder) {
  KeyTracker tracker("t");
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:9", Op::Create, {{"id", "9"}}, 1), rec("user:10", Op::Create, {{"id", "10"}}, 2),
                              rec("user:1", Op::Create, {{"id", "1"}}, 3), rec("user:9", Op::Update, {{"id", "90"}}, 4)};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.tracking.size(), 3u);
  EXPECT_EQ(plan.tracking[0], (std::pair<std::string, std::optional<KeyTuple>>{"user:9", KeyTuple{"90"}}));
  EXPECT_EQ(plan.tracking[1].first, "user:10");
  EXPECT_EQ(plan.tracking[2].first, "user:1");
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"1", std::nullopt, std::nullopt}), row({"10", std::nullopt, std::nullopt}),
                                                      row({"90", std::nullopt, std::nullopt})}));
}

TEST(OutputMapper, CheckRejectsBadOpcodesAndMissingKeys) {
  OutputPlan p = upsert_plan();
  p.opcode_field = "op";
  OutputMapper m(p, RowFormat::DataOnly, nullptr);
  EXPECT_TRUE(m.check(rec("", Op::Create, {{"id", "1"}, {"op", "x"}})).has_value());
  EXPECT_TRUE(m.check(rec("", Op::Create, {{"id", "1"}})).has_value());
  EXPECT_TRUE(m.check(rec("", Op::Create, {{"name", "no id"}, {"op", "c"}})).has_value());
  EXPECT_FALSE(m.check(rec("", Op::Create, {{"op", "d"}})).has_value());  // a delete needs no values
  EXPECT_FALSE(m.check(rec("", Op::Create, {{"id", 5}, {"op", "u"}})).has_value());
}

TEST(OutputMapper, WithoutMappingWritesFieldsWhoseColumnsExist) {
  OutputPlan p = upsert_plan();
  p.mapping.clear();
  KeyTracker tracker("t");
  OutputMapper m(p, RowFormat::DataOnly, &tracker);
  m.set_table_columns(columns({"id", "name", "Age", "created_at"}));
  std::vector<ChangeRecord> a{rec("user:1", Op::Create, {{"id", "1"}, {"name", "Ann"}, {"unknown", "x"}})};
  auto first = m.plan_chunk(ptrs(a));
  ASSERT_EQ(first.writes.size(), 1u);
  EXPECT_EQ(first.writes[0].value_columns, std::vector<std::string>{"name"});  // created_at untouched
  std::vector<ChangeRecord> b{rec("user:2", Op::Create, {{"id", "2"}, {"age", 30}})};
  auto second = m.plan_chunk(ptrs(b));
  EXPECT_EQ(second.writes[0].value_columns, (std::vector<std::string>{"name", "Age"}));
  EXPECT_EQ(second.writes[0].upserts, (std::vector<Row>{row({"2", std::nullopt, "30"})}));
  // A field removed later (HDEL) clears its column: it was seen before.
  std::vector<ChangeRecord> c{rec("user:2", Op::Update, {{"id", "2"}, {"name", "Bo"}})};
  auto third = m.plan_chunk(ptrs(c));
  EXPECT_EQ(third.writes[0].upserts, (std::vector<Row>{row({"2", "Bo", std::nullopt})}));
}

TEST(OutputMapper, FullRowFormatMapsAfterAndKey) {
  OutputPlan p = upsert_plan();
  p.keys = {{"rkey", "key.key"}};
  p.mapping = {{"name", "after.name"}, {"op", "opcode"}};
  KeyTracker tracker("t");
  OutputMapper m(p, RowFormat::Full, &tracker);
  ChangeRecord r = rec("user:1", Op::Create, {{"key", {{"key", "user:1"}}}, {"before", nullptr},
                                              {"after", {{"name", "Ann"}}}, {"opcode", "c"}});
  r.format = RowFormat::Full;
  std::vector<ChangeRecord> v{r};
  auto plan = m.plan_chunk(ptrs(v));
  EXPECT_EQ(plan.writes[0].upserts, (std::vector<Row>{row({"user:1", "Ann", "c"})}));

  p.mapping.clear();
  OutputMapper automatic(p, RowFormat::Full, &tracker);
  automatic.set_table_columns(columns({"rkey", "name"}));
  auto plan2 = automatic.plan_chunk(ptrs(v));
  EXPECT_EQ(plan2.writes[0].value_columns, std::vector<std::string>{"name"});
  EXPECT_EQ(plan2.writes[0].upserts, (std::vector<Row>{row({"user:1", "Ann"})}));
}

TEST(OutputMapper, Type2KeepsEveryVersionInOrder) {
  OutputPlan p = upsert_plan();
  p.strategy = LoadStrategy::Type2;
  p.type2 = sink::Type2Spec{"active", "Y", "N", {}};
  KeyTracker tracker("t");
  tracker.remember("user:3", KeyTuple{"3"});
  tracker.remember("user:4", KeyTuple{"4"});
  OutputMapper m(p, RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v{rec("user:1", Op::Create, {{"id", "1"}, {"name", "v1"}}),
                              rec("user:1", Op::Update, {{"id", "1"}, {"name", "v2"}}),
                              rec("user:3", Op::Delete, json::object()),
                              rec("user:4", Op::Update, {{"id", "5"}, {"name", "moved"}})};
  auto plan = m.plan_chunk(ptrs(v));
  ASSERT_EQ(plan.writes.size(), 2u);
  const auto& g0 = plan.writes[0];
  ASSERT_TRUE(g0.type2.has_value());
  EXPECT_EQ(g0.type2_inserts, (std::vector<Row>{row({"1", "v1", std::nullopt}), row({"5", "moved", std::nullopt})}));
  EXPECT_EQ(g0.type2_closes, (std::vector<Row>{row({"3"}), row({"4"})}));
  EXPECT_EQ(plan.writes[1].type2_inserts, (std::vector<Row>{row({"1", "v2", std::nullopt})}));
  EXPECT_TRUE(plan.writes[1].type2_closes.empty());
}

TEST(OutputMapper, ARowTakenOverEarlierInTheBatchIsNotDeletedLater) {
  // One batch: RENAME user:736 user:661 (moves row 5051), then user:736 is created again with id 9.
  // Coalescing keeps only user:736's last record; it must not delete row 5051 as its "old" row,
  // even when user:661's transaction came first.
  KeyTracker tracker("t");
  tracker.remember("user:736", KeyTuple{"5051"});
  tracker.remember("user:661", std::nullopt);
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> first{rec("user:661", Op::Create, {{"id", "5051"}})};
  auto a = m.plan_chunk(ptrs(first));
  for (auto& [k, t] : a.tracking) tracker.stage(k, t);  // committed
  std::vector<ChangeRecord> second{rec("user:736", Op::Create, {{"id", "9"}})};
  auto b = m.plan_chunk(ptrs(second));
  ASSERT_EQ(b.writes.size(), 1u);
  EXPECT_TRUE(b.writes[0].deletes.empty());
  EXPECT_EQ(b.writes[0].upserts, (std::vector<Row>{row({"9", std::nullopt, std::nullopt})}));
  // Once user:661 lets go of the row (a later transaction), a stale owner may delete it again.
  tracker.stage("user:661", KeyTuple{"7"});
  auto c = m.plan_chunk(ptrs(second));
  EXPECT_EQ(c.writes[0].deletes, (std::vector<Row>{row({"5051"})}));
}

namespace {

// A foreach over the `lines` array as `line` (what src/transform's expander produces: one record per
// element, with the parent's metadata).
RowExpander lines_expander() {
  return [](const ChangeRecord& parent) {
    std::vector<ChangeRecord> rows;
    auto it = parent.record().find("lines");
    if (parent.op == Op::Delete || it == parent.record().end() || !it->is_array()) return rows;
    for (const auto& line : *it) {
      ChangeRecord row = parent;
      row.set_record(json{{"order", parent.record().value("order", json())}, {"line", line}});
      rows.push_back(std::move(row));
    }
    return rows;
  };
}

OutputPlan order_lines_plan() {
  OutputPlan p;
  p.name = "db.lines";
  p.table = {"", "lines"};
  p.keys = {{"order_id", "order"}, {"sku", "line.sku"}};
  p.mapping = {{"qty", "line.qty"}};
  p.foreach = lines_expander();
  return p;
}

}  // namespace

TEST(OutputMapper, ForeachWritesARowPerElementAndDeletesTheLinesADocumentDropped) {
  KeyTracker tracker("t");
  OutputMapper m(order_lines_plan(), RowFormat::DataOnly, &tracker);
  std::vector<ChangeRecord> v1{rec("order:1", Op::Create,
                                   json::parse(R"({"order": "o1", "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]})"))};
  EXPECT_FALSE(m.check(v1[0]).has_value());
  auto p1 = m.plan_chunk(ptrs(v1));
  ASSERT_EQ(p1.writes.size(), 1u);
  EXPECT_EQ(p1.writes[0].upserts, (std::vector<Row>{row({"o1", "a", "1"}), row({"o1", "b", "2"})}));
  for (auto& [k, t] : p1.tracking) tracker.stage(k, t);
  tracker.commit_staged();

  // Line b removed, line c added: b's row goes.
  std::vector<ChangeRecord> v2{rec("order:1", Op::Update,
                                   json::parse(R"({"order": "o1", "lines": [{"sku": "a", "qty": 5}, {"sku": "c", "qty": 1}]})"))};
  auto p2 = m.plan_chunk(ptrs(v2));
  ASSERT_EQ(p2.writes.size(), 1u);
  EXPECT_EQ(p2.writes[0].deletes, (std::vector<Row>{row({"o1", "b"})}));
  EXPECT_EQ(p2.writes[0].upserts, (std::vector<Row>{row({"o1", "a", "5"}), row({"o1", "c", "1"})}));
  for (auto& [k, t] : p2.tracking) tracker.stage(k, t);
  tracker.commit_staged();

  // The document is deleted: every row it wrote goes.
  std::vector<ChangeRecord> v3{rec("order:1", Op::Delete, json::object())};
  auto p3 = m.plan_chunk(ptrs(v3));
  ASSERT_EQ(p3.writes.size(), 1u);
  EXPECT_EQ(p3.writes[0].deletes, (std::vector<Row>{row({"o1", "a"}), row({"o1", "c"})}));
  ASSERT_EQ(p3.tracking.size(), 1u);
  EXPECT_EQ(p3.tracking[0].second, std::nullopt);
}

TEST(OutputMapper, ForeachRowsWithoutAKeyValueRejectTheRecord) {
  OutputMapper m(order_lines_plan(), RowFormat::DataOnly, nullptr);
  ChangeRecord bad = rec("order:2", Op::Create, json::parse(R"({"order": "o2", "lines": [{"qty": 1}]})"));
  EXPECT_TRUE(m.check(bad).has_value());
}

// ---------------------------------------------------------------------------------------------
// Flat records (source/change_record.h): the mapper reads them without building their JSON, and
// must plan exactly what it plans for the same records in JSON form — mapped paths, columns
// without a mapping (case-insensitive matches included), key.key, after., deletes, repeats.

namespace {

constexpr int kRandomChunks = 300;

bool same_writes(const sink::TableWrite& a, const sink::TableWrite& b) {
  return a.key_columns == b.key_columns && a.value_columns == b.value_columns && a.upserts == b.upserts &&
         a.deletes == b.deletes && a.appends == b.appends && a.replaces == b.replaces &&
         a.type2_closes == b.type2_closes && a.type2_inserts == b.type2_inserts;
}

std::string describe(const OutputChunkPlan& p) {
  std::string out;
  for (const auto& w : p.writes) {
    out += "[cols";
    for (const auto& c : w.value_columns) out += " " + c;
    for (const auto& r : w.upserts) out += " up:" + encode_key_tuple(r);
    for (const auto& r : w.appends) out += " app:" + encode_key_tuple(r);
    for (const auto& r : w.deletes) out += " del:" + encode_key_tuple(r);
    out += "]";
  }
  return out;
}

struct FlatCase {
  const char* name;
  OutputPlan plan;
  SourceKind kind;
  bool tracked;
};

std::vector<FlatCase> flat_cases() {
  std::vector<FlatCase> cases;
  OutputPlan mapped;
  mapped.name = "db.t";
  mapped.table = {"", "t"};
  mapped.keys = {{"id", "key.key"}};
  mapped.mapping = {{"name", "name"}, {"city", "after.city"}, {"dotted", "a.b"}, {"nested", "a.c"}, {"key_field", "key"}};
  mapped.strategy = LoadStrategy::Upsert;
  cases.push_back({"mapped, tracked", mapped, SourceKind::Captured, true});
  OutputPlan auto_cols = mapped;
  auto_cols.mapping.clear();
  cases.push_back({"auto columns, tracked", auto_cols, SourceKind::Captured, true});
  OutputPlan by_field = auto_cols;
  by_field.keys = {{"id", "name"}};
  cases.push_back({"stream, auto columns, key from a field", by_field, SourceKind::Stream, false});
  OutputPlan append = auto_cols;
  append.keys.clear();
  append.strategy = LoadStrategy::Append;
  cases.push_back({"stream, append", append, SourceKind::Stream, false});
  OutputPlan opcode = mapped;
  opcode.opcode_field = "op";
  cases.push_back({"opcode_field", opcode, SourceKind::Captured, true});
  return cases;
}

}  // namespace

TEST(OutputMapperFlat, PlansFlatRecordsLikeTheirJson) {
  const std::vector<std::string> names = {"name", "Name", "NAME", "city", "CITY", "a.b", "a", "key", "key.key",
                                          "after", "op", "ID", "id"};
  const std::vector<std::string> values = {"", "x", "y", "c", "u", "d", "a value longer than the small string buffer"};
  const std::vector<sink::Column> table = columns({"id", "name", "NAME", "city", "a.b", "op", "key"});
  std::mt19937 rng(7);
  auto pick = [&rng](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  for (const FlatCase& c : flat_cases()) {
    KeyTracker flat_tracker("f"), json_tracker("j");
    OutputMapper flat_mapper(c.plan, RowFormat::DataOnly, c.tracked ? &flat_tracker : nullptr);
    OutputMapper json_mapper(c.plan, RowFormat::DataOnly, c.tracked ? &json_tracker : nullptr);
    flat_mapper.set_table_columns(table);
    json_mapper.set_table_columns(table);
    size_t rows_seen = 0, rejected = 0;
    for (int n = 0; n < kRandomChunks; ++n) {
      std::vector<ChangeRecord> flat, as_json;
      const size_t size = 1 + rng() % 8;
      for (size_t i = 0; i < size; ++i) {
        StreamEntry e;
        e.id = "1-" + std::to_string(n * 10 + static_cast<int>(i));
        const bool is_delete = c.kind == SourceKind::Captured && rng() % 5 == 0;
        if (c.kind == SourceKind::Captured) {
          e.fields = {{"key", "k:" + std::to_string(rng() % 4)}, {"op", is_delete ? "d" : "u"}, {"cmd", "hset"},
                      {"type", is_delete ? "none" : "hash"}, {"ts", "1"}};
        }
        std::set<std::string> used;
        for (size_t f = rng() % 7; f > 0; --f) {
          std::string name = pick(names);
          if (c.kind == SourceKind::Captured && !used.insert(name).second) continue;  // hash fields are unique
          e.fields.emplace_back(name, pick(values));
        }
        auto decoded = decode_entry(std::move(e), c.kind, RowFormat::DataOnly);
        ASSERT_TRUE(decoded.record) << decoded.error;
        ASSERT_TRUE(decoded.record->is_flat());
        ChangeRecord j = *decoded.record;
        j.set_record(decoded.record->record());
        auto why_flat = flat_mapper.check(*decoded.record);
        auto why_json = json_mapper.check(j);
        ASSERT_EQ(why_flat, why_json) << c.name;
        if (why_flat) {
          ++rejected;
          continue;
        }
        EXPECT_EQ(flat_mapper.writes(*decoded.record), json_mapper.writes(j));
        flat.push_back(std::move(*decoded.record));
        as_json.push_back(std::move(j));
      }
      for (const auto& r : flat) ASSERT_TRUE(r.is_flat());
      OutputChunkPlan a = flat_mapper.plan_chunk(ptrs(flat));
      OutputChunkPlan b = json_mapper.plan_chunk(ptrs(as_json));
      ASSERT_EQ(a.writes.size(), b.writes.size()) << c.name << ": " << describe(a) << " vs " << describe(b);
      for (size_t w = 0; w < a.writes.size(); ++w) {
        EXPECT_TRUE(same_writes(a.writes[w], b.writes[w])) << c.name << ": " << describe(a) << " vs " << describe(b);
        rows_seen += a.writes[w].upserts.size() + a.writes[w].appends.size();
      }
      EXPECT_EQ(a.tracking, b.tracking) << c.name;
      for (auto& [key, tuple] : a.tracking) flat_tracker.remember(key, tuple);
      for (auto& [key, tuple] : b.tracking) json_tracker.remember(key, tuple);
    }
    // Both outcomes occur, or the comparison proves little.
    EXPECT_GT(rows_seen, static_cast<size_t>(kRandomChunks / 10)) << c.name;
    if (!c.plan.opcode_field.empty()) {
      EXPECT_GT(rejected, 0u) << c.name;
    }
  }
}

TEST(OutputMapperFlat, ColumnsWithoutMappingMatchFieldsIgnoringCaseLikeTheJsonOrder) {
  // Two fields match column "name" ignoring case: the JSON object answers with the one that sorts
  // first ("NAME" < "Name"); a repeated stream field answers with its last value.
  OutputPlan p;
  p.name = "db.t";
  p.table = {"", "t"};
  p.strategy = LoadStrategy::Append;
  OutputMapper m(p, RowFormat::DataOnly, nullptr);
  m.set_table_columns(columns({"name"}));
  StreamEntry e;
  e.id = "5-1";
  e.fields = {{"Name", "mixed"}, {"NAME", "upper"}, {"NAME", "upper again"}};
  auto decoded = decode_entry(e, SourceKind::Stream, RowFormat::DataOnly);
  ASSERT_TRUE(decoded.record && decoded.record->is_flat());
  auto plan = m.plan_chunk({&*decoded.record});
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].appends, (std::vector<Row>{row({"upper again"})}));
  EXPECT_TRUE(decoded.record->is_flat());
}

// A chunk that holds each Redis key once, keyed by the Redis key itself and untracked: the
// OnePerRedisKey shortcut writes exactly the rows the general coalescing writes (as sets — the
// order of rows within a list is free), for UPSERT and REPLACE, mapped and auto columns.
TEST(OutputMapper, OnePerRedisKeyShortcutMatchesGeneralCoalescing) {
  std::mt19937 random(7);
  for (auto strategy : {LoadStrategy::Upsert, LoadStrategy::Replace}) {
    for (bool auto_columns : {false, true}) {
      OutputPlan p = upsert_plan();
      p.keys = {{"rkey", "key.key"}};
      p.mapping = auto_columns ? std::vector<ColumnSource>{} : std::vector<ColumnSource>{{"name", "name"}, {"city", "address.city"}};
      p.strategy = strategy;
      OutputMapper general(p, RowFormat::DataOnly, nullptr);
      OutputMapper shortcut(p, RowFormat::DataOnly, nullptr);
      ASSERT_TRUE(shortcut.keys_are_redis_key());
      if (auto_columns) {
        general.set_table_columns(columns({"rkey", "name", "city"}));
        shortcut.set_table_columns(columns({"rkey", "name", "city"}));
      }
      std::vector<ChangeRecord> v;
      for (int i = 0; i < 300; ++i) {
        std::string key = "user:" + std::to_string(i);
        switch (random() % 3) {
          case 0:
            v.push_back(rec(key, Op::Delete, json::object(), i));
            break;
          case 1:
            v.push_back(rec(key, Op::Create, {{"name", "n" + std::to_string(i)}}, i));
            break;
          default:
            v.push_back(rec(key, Op::Update, {{"name", "m"}, {"city", "c" + std::to_string(i)}, {"extra", 1}}, i));
        }
      }
      std::shuffle(v.begin(), v.end(), random);
      auto a = general.plan_chunk(ptrs(v), OutputMapper::ChunkShape::Any);
      auto b = shortcut.plan_chunk(ptrs(v), OutputMapper::ChunkShape::OnePerRedisKey);
      ASSERT_EQ(a.writes.size(), 1u);
      ASSERT_EQ(b.writes.size(), 1u);
      const auto& wa = a.writes[0];
      const auto& wb = b.writes[0];
      EXPECT_EQ(wa.key_columns, wb.key_columns);
      EXPECT_EQ(wa.value_columns, wb.value_columns);
      auto as_set = [](const std::vector<Row>& rows) { return std::multiset<Row>(rows.begin(), rows.end()); };
      EXPECT_EQ(as_set(wa.upserts), as_set(wb.upserts));
      EXPECT_EQ(as_set(wa.replaces), as_set(wb.replaces));
      EXPECT_EQ(as_set(wa.deletes), as_set(wb.deletes));
      EXPECT_FALSE(wb.deletes.empty());
      EXPECT_FALSE((strategy == LoadStrategy::Upsert ? wb.upserts : wb.replaces).empty());
      EXPECT_TRUE(b.tracking.empty());
    }
  }
}

// Keys from hash fields, or key tracking on: the shortcut never applies (coalescing is needed).
TEST(OutputMapper, OnePerRedisKeyIgnoredWhenKeysAreFields) {
  KeyTracker tracker("t");
  tracker.remember("user:1", KeyTuple{"1"});
  OutputMapper m(upsert_plan(), RowFormat::DataOnly, &tracker);
  EXPECT_FALSE(m.keys_are_redis_key());
  std::vector<ChangeRecord> v{rec("user:1", Op::Update, {{"id", "2"}, {"name", "moved"}})};
  auto plan = m.plan_chunk(ptrs(v), OutputMapper::ChunkShape::OnePerRedisKey);
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(plan.writes[0].deletes, (std::vector<Row>{row({"1"})}));  // the key change still deletes the old row
}

// Values read ahead for the next batch are cached only where the tracker cannot know better: not
// over a cached value, and not for a key the batch acknowledged meanwhile changed (the read may have
// run before that acknowledgement reached Redis).
TEST(KeyTracker, AdoptsReadAheadValuesOnlyWhereItKnowsNothingNewer) {
  KeyTracker t("wb:keys:j:o");
  t.remember("cached", KeyTuple{"new"});
  t.stage("changed", KeyTuple{"2"});  // the batch in flight moves "changed" to 2 ...
  t.commit_staged();                  // ... and is acknowledged
  KeyTracker::Prefetched ahead;
  ahead.emplace_back("cached", KeyTuple{"old"});
  ahead.emplace_back("changed", KeyTuple{"1"});  // read before that acknowledgement
  ahead.emplace_back("fresh", KeyTuple{"7"});
  ahead.emplace_back("absent", std::nullopt);
  EXPECT_TRUE(t.adopt(std::move(ahead)));
  ASSERT_NE(t.current("cached"), nullptr);
  EXPECT_EQ(*t.current("cached"), KeyTuple{"new"});
  ASSERT_NE(t.current("changed"), nullptr);
  EXPECT_EQ(*t.current("changed"), KeyTuple{"2"});
  ASSERT_NE(t.current("fresh"), nullptr);
  EXPECT_EQ(*t.current("fresh"), KeyTuple{"7"});
  EXPECT_EQ(t.current("absent"), nullptr);
  EXPECT_EQ(t.cached_keys(), 3u);  // "absent" is not held: after an adopt() that is "untracked", as Redis says
}

// Over its cap the cache keeps the keys of the last two commits (their acknowledgements may not have
// landed yet, so Redis may hold older values) and drops the rest.
TEST(KeyTracker, OverTheCapKeepsTheKeysOfTheLastTwoCommits) {
  KeyTracker t("wb:keys:j:o", /*max_cached_keys=*/3);
  t.remember("a", KeyTuple{"0"});
  t.remember("b", KeyTuple{"0"});
  t.stage("older", KeyTuple{"1"});
  t.commit_staged();
  t.stage("newer", KeyTuple{"2"});
  t.commit_staged();  // four keys > 3: a and b go
  EXPECT_EQ(t.cached_keys(), 2u);
  EXPECT_EQ(t.current("a"), nullptr);
  KeyTracker::Prefetched ahead;
  ahead.emplace_back("older", KeyTuple{"0"});  // stale: read before the acknowledgements landed
  ahead.emplace_back("newer", KeyTuple{"0"});
  ahead.emplace_back("a", KeyTuple{"0"});
  t.adopt(std::move(ahead));
  ASSERT_NE(t.current("older"), nullptr);
  EXPECT_EQ(*t.current("older"), KeyTuple{"1"});
  ASSERT_NE(t.current("newer"), nullptr);
  EXPECT_EQ(*t.current("newer"), KeyTuple{"2"});
  ASSERT_NE(t.current("a"), nullptr);
  EXPECT_EQ(*t.current("a"), KeyTuple{"0"});
}

// After forget_all() (a failed acknowledgement: Redis's state unknown) the keys of the last two
// commits are no longer cached, and a value read ahead may predate their acknowledgements: nothing
// is adopted until two more batches have committed (load() reads from Redis instead).
TEST(KeyTracker, AdoptsNothingUntilTwoCommitsAfterForgetAll) {
  KeyTracker t("wb:keys:j:o");
  t.stage("older", KeyTuple{"2"});
  t.commit_staged();
  t.stage("newer", KeyTuple{"5"});
  t.commit_staged();
  t.forget_all();
  auto stale = [] {
    KeyTracker::Prefetched ahead;
    ahead.emplace_back("older", KeyTuple{"1"});
    ahead.emplace_back("newer", KeyTuple{"4"});
    return ahead;
  };
  EXPECT_FALSE(t.adopt(stale()));  // the worker load()s the batch's keys instead
  EXPECT_EQ(t.current("older"), nullptr);
  EXPECT_EQ(t.current("newer"), nullptr);
  EXPECT_EQ(t.cached_keys(), 0u);

  t.stage("z", KeyTuple{"0"});
  t.commit_staged();
  EXPECT_FALSE(t.adopt(stale()));  // one commit is not enough
  EXPECT_EQ(t.current("older"), nullptr);
  t.stage("w", KeyTuple{"0"});
  t.commit_staged();
  KeyTracker::Prefetched later;
  later.emplace_back("older", KeyTuple{"2"});
  EXPECT_TRUE(t.adopt(std::move(later)));
  ASSERT_NE(t.current("older"), nullptr);
  EXPECT_EQ(*t.current("older"), KeyTuple{"2"});
}

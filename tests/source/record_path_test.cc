// Source paths: dotted lookup, the data_only "after." rule, the key.key pseudo-field, and the text
// a value is bound as.
#include <gtest/gtest.h>

#include "source/entry_decoder.h"
#include "source/record_path.h"

using nlohmann::json;
using wb::resolve_text;
using wb::RowFormat;

namespace {

wb::ChangeRecord record(json data, RowFormat format = RowFormat::DataOnly, std::string key = "emp:1") {
  wb::ChangeRecord r;
  r.entry_id = "5-0";
  r.redis_key = std::move(key);
  r.format = format;
  r.set_record(std::move(data));
  return r;
}

}  // namespace

TEST(FindPath, ReachesIntoObjectsAndArrays) {
  json doc = json::parse(R"({"a": {"b": {"c": 3}}, "items": [{"sku": "x"}, {"sku": "y"}], "d.e": 9})");
  ASSERT_NE(wb::find_path(doc, "a.b.c"), nullptr);
  EXPECT_EQ(*wb::find_path(doc, "a.b.c"), 3);
  EXPECT_EQ(*wb::find_path(doc, "items.1.sku"), "y");
  EXPECT_EQ(*wb::find_path(doc, "d.e"), 9);  // a member named with a dot
  EXPECT_EQ(wb::find_path(doc, "a.x"), nullptr);
  EXPECT_EQ(wb::find_path(doc, "items.2.sku"), nullptr);
  EXPECT_EQ(wb::find_path(doc, "a.b.c.d"), nullptr);
}

TEST(ResolveText, AfterPrefixMeansOwnFieldInDataOnly) {
  auto rec = record({{"country", "NL"}, {"first_name", "Ann"}});
  EXPECT_EQ(resolve_text(rec, "after.country"), "NL");
  EXPECT_EQ(resolve_text(rec, "country"), "NL");
  EXPECT_EQ(resolve_text(rec, "after.missing"), std::nullopt);
}

TEST(ResolveText, RealAfterFieldWins) {
  auto rec = record({{"after", {{"country", "BE"}}}, {"country", "NL"}});
  EXPECT_EQ(resolve_text(rec, "after.country"), "BE");
}

TEST(ResolveText, FullFormatPathsAreLiteral) {
  auto rec = record({{"key", {{"key", "emp:1"}}}, {"before", nullptr}, {"after", {{"country", "NL"}}}, {"opcode", "c"}},
                    RowFormat::Full);
  EXPECT_EQ(resolve_text(rec, "after.country"), "NL");
  EXPECT_EQ(resolve_text(rec, "country"), std::nullopt);
  EXPECT_EQ(resolve_text(rec, "key.key"), "emp:1");
  EXPECT_EQ(resolve_text(rec, "opcode"), "c");
}

TEST(ResolveText, RedisKeyPseudoFieldInDataOnly) {
  EXPECT_EQ(resolve_text(record({{"a", "1"}}), "key.key"), "emp:1");
  // A record with its own "key" field keeps it: the pseudo-field steps aside.
  EXPECT_EQ(resolve_text(record({{"key", {{"key", "mine"}}}}), "key.key"), "mine");
  EXPECT_EQ(resolve_text(record({{"key", "flat"}}), "key.key"), std::nullopt);
  // Stream-source records: the entry id stands for the key.
  EXPECT_EQ(resolve_text(record({{"a", "1"}}, RowFormat::DataOnly, ""), "key.key"), "5-0");
}

TEST(ResolveText, ValuesBecomeText) {
  auto rec = record(json::parse(R"({"s": "", "i": 42, "f": 1.5, "t": true, "n": null, "o": {"x": [1, "a"]}, "big": 12345678901234567890})"));
  EXPECT_EQ(resolve_text(rec, "s"), "");  // an empty string stays empty, it is not NULL
  EXPECT_EQ(resolve_text(rec, "i"), "42");
  EXPECT_EQ(resolve_text(rec, "f"), "1.5");
  EXPECT_EQ(resolve_text(rec, "t"), "true");
  EXPECT_EQ(resolve_text(rec, "n"), std::nullopt);
  EXPECT_EQ(resolve_text(rec, "o"), R"({"x":[1,"a"]})");
  EXPECT_EQ(resolve_text(rec, "big"), "12345678901234567890");
}

TEST(ResolveText, DecodedHashThroughQuickstartPath) {
  wb::StreamEntry e;
  e.id = "9-0";
  e.fields = {{"key", "emp:7"}, {"op", "c"}, {"cmd", "hset"}, {"type", "hash"}, {"ts", "9"},
              {"first_name", "Ann"}, {"country", "NL"}};
  auto r = wb::decode_entry(e, wb::SourceKind::Captured, RowFormat::DataOnly);
  ASSERT_TRUE(r.record);
  EXPECT_EQ(resolve_text(*r.record, "after.country"), "NL");
  EXPECT_EQ(resolve_text(*r.record, "key.key"), "emp:7");
}

// Entry decoding: every value type of the module's stream format in both row formats, stream-source
// entries, and malformed entries (which must become errors, never crashes).
#include <gtest/gtest.h>

#include "source/entry_decoder.h"

using nlohmann::json;
using wb::decode_entry;
using wb::Op;
using wb::RowFormat;
using wb::SourceKind;
using wb::StreamEntry;

namespace {

StreamEntry captured(const std::string& key, const std::string& op, const std::string& type,
                     wb::EntryFields value = {}, const std::string& cmd = "hset") {
  StreamEntry e;
  e.id = "1700000000123-4";
  e.fields = {{"key", key}, {"op", op}, {"cmd", cmd}, {"type", type}, {"ts", "1700000000120"}};
  for (auto& f : value) e.fields.push_back(std::move(f));
  return e;
}

wb::ChangeRecord decode_ok(StreamEntry e, RowFormat format, SourceKind kind = SourceKind::Captured) {
  auto r = decode_entry(std::move(e), kind, format);
  EXPECT_TRUE(r.record.has_value()) << r.error;
  return r.record.value_or(wb::ChangeRecord{});
}

}  // namespace

TEST(DecodeCaptured, HashDataOnlyPutsFieldsAtTopLevel) {
  auto e = captured("user:1", "c", "hash", {{"name", "Ann"}, {"age", "41"}, {"key", "k-field"}});
  auto rec = decode_ok(e, RowFormat::DataOnly);
  EXPECT_EQ(rec.entry_id, "1700000000123-4");
  EXPECT_EQ(rec.redis_key, "user:1");
  EXPECT_EQ(rec.op, Op::Create);
  EXPECT_EQ(rec.cmd, "hset");
  EXPECT_EQ(rec.ts_ms, 1700000000120);
  EXPECT_EQ(rec.record(), (json{{"name", "Ann"}, {"age", "41"}, {"key", "k-field"}}));
  EXPECT_EQ(rec.original, e.fields);  // kept verbatim for the dead-letter stream
}

TEST(DecodeCaptured, HashFullFormatWrapsKeyBeforeAfterOpcode) {
  auto rec = decode_ok(captured("user:1", "u", "hash", {{"name", "Ann"}}), RowFormat::Full);
  EXPECT_EQ(rec.op, Op::Update);
  EXPECT_EQ(rec.record(), (json{{"key", {{"key", "user:1"}}},
                              {"before", nullptr},
                              {"after", {{"name", "Ann"}}},
                              {"opcode", "u"}}));
}

TEST(DecodeCaptured, StringHoldingJsonObjectGivesItsMembers) {
  auto rec = decode_ok(captured("doc:1", "c", "string", {{"value", R"( {"a": 1, "b": {"c": [true, null]}})"}}, "set"),
                       RowFormat::DataOnly);
  EXPECT_EQ(rec.record(), json::parse(R"({"a": 1, "b": {"c": [true, null]}})"));
}

TEST(DecodeCaptured, OtherStringsBecomeValue) {
  for (std::string text : {"plain", "42", "[1,2]", "{not json", "", "\"quoted\""}) {
    auto rec = decode_ok(captured("s:1", "u", "string", {{"value", text}}, "set"), RowFormat::DataOnly);
    EXPECT_EQ(rec.record(), (json{{"value", text}})) << text;
  }
}

TEST(DecodeCaptured, StringFullFormat) {
  auto rec = decode_ok(captured("s:1", "c", "string", {{"value", "hello"}}, "set"), RowFormat::Full);
  EXPECT_EQ(rec.record().at("after"), (json{{"value", "hello"}}));
  EXPECT_EQ(rec.record().at("key").at("key"), "s:1");
  EXPECT_EQ(rec.record().at("opcode"), "c");
}

TEST(DecodeCaptured, JsonDocumentGivesItsMembers) {
  auto rec = decode_ok(captured("j:1", "c", "json", {{"value", R"({"n":1.5,"tags":["x"]})"}}, "json.set"),
                       RowFormat::DataOnly);
  EXPECT_EQ(rec.record(), json::parse(R"({"n":1.5,"tags":["x"]})"));
  auto scalar = decode_ok(captured("j:2", "u", "json", {{"value", "7"}}, "json.set"), RowFormat::DataOnly);
  EXPECT_EQ(scalar.record(), (json{{"value", 7}}));
  auto full = decode_ok(captured("j:1", "u", "json", {{"value", R"({"n":2})"}}, "json.set"), RowFormat::Full);
  EXPECT_EQ(full.record().at("after"), (json{{"n", 2}}));
}

TEST(DecodeCaptured, DeleteCarriesNoData) {
  auto rec = decode_ok(captured("user:1", "d", "none", {}, "del"), RowFormat::DataOnly);
  EXPECT_EQ(rec.op, Op::Delete);
  EXPECT_EQ(rec.cmd, "del");
  EXPECT_EQ(rec.record(), json::object());
  auto full = decode_ok(captured("user:1", "d", "none", {}, "del"), RowFormat::Full);
  EXPECT_EQ(full.record(), (json{{"key", {{"key", "user:1"}}}, {"before", nullptr}, {"after", nullptr}, {"opcode", "d"}}));
}

TEST(DecodeCaptured, MalformedEntriesAreErrors) {
  StreamEntry missing;
  missing.id = "1-1";
  missing.fields = {{"key", "a"}, {"op", "c"}};
  EXPECT_FALSE(decode_entry(missing, SourceKind::Captured, RowFormat::DataOnly).record);

  auto bad_op = captured("a", "x", "hash", {{"f", "v"}});
  auto r = decode_entry(bad_op, SourceKind::Captured, RowFormat::DataOnly);
  EXPECT_FALSE(r.record);
  EXPECT_NE(r.error.find("op"), std::string::npos) << r.error;
  EXPECT_EQ(r.entry_id, "1700000000123-4") << "a failure hands back the id and the fields, for the dead-letter stream";
  EXPECT_EQ(r.original, bad_op.fields);

  auto bad_order = captured("a", "c", "hash");
  std::swap(bad_order.fields[0], bad_order.fields[1]);
  EXPECT_FALSE(decode_entry(bad_order, SourceKind::Captured, RowFormat::DataOnly).record);

  EXPECT_FALSE(decode_entry(captured("a", "c", "json", {{"value", "{bad"}}), SourceKind::Captured,
                            RowFormat::DataOnly).record);
  EXPECT_FALSE(decode_entry(captured("a", "c", "string"), SourceKind::Captured, RowFormat::DataOnly).record);
  EXPECT_FALSE(decode_entry(captured("a", "c", "zset", {{"m", "1"}}), SourceKind::Captured, RowFormat::DataOnly).record);

  auto bad_ts = captured("a", "c", "hash", {{"f", "v"}});
  bad_ts.fields[4].second = "soon";
  EXPECT_FALSE(decode_entry(bad_ts, SourceKind::Captured, RowFormat::DataOnly).record);

  StreamEntry gone;
  gone.id = "1-2";
  gone.deleted = true;
  auto deleted = decode_entry(gone, SourceKind::Captured, RowFormat::DataOnly);
  EXPECT_FALSE(deleted.record);
  EXPECT_EQ(deleted.entry_id, "1-2");
}

TEST(DecodeStreamSource, FieldsAreTheRecordAndOpIsCreate) {
  StreamEntry e;
  e.id = "1735725600000-0";
  e.fields = {{"user_id", "u1"}, {"action", "login"}, {"ts", "2025-01-01T10:00:00Z"}};
  auto rec = decode_ok(e, RowFormat::DataOnly, SourceKind::Stream);
  EXPECT_EQ(rec.op, Op::Create);
  EXPECT_EQ(rec.redis_key, "");
  EXPECT_EQ(rec.ts_ms, 1735725600000);
  EXPECT_EQ(rec.record(), (json{{"user_id", "u1"}, {"action", "login"}, {"ts", "2025-01-01T10:00:00Z"}}));
  auto full = decode_ok(e, RowFormat::Full, SourceKind::Stream);
  EXPECT_EQ(full.record().at("after").at("action"), "login");
  EXPECT_EQ(full.record().at("key").at("key"), "1735725600000-0");
}

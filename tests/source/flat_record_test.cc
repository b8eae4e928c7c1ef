// Flat records (change_record.h): a data_only hash, a d, a stream-source entry keep their fields in
// `original` and build the JSON only when asked. Every answer must be the one the JSON record
// gives: each path rule of record_path.h is checked on the flat form against the same record
// materialized, by hand for the edge cases and on random records and paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "source/entry_decoder.h"
#include "source/record_path.h"

using nlohmann::json;
using wb::ChangeRecord;
using wb::decode_entry;
using wb::EntryFields;
using wb::Op;
using wb::resolve_text;
using wb::RowFormat;
using wb::SourceKind;
using wb::StreamEntry;

namespace {

constexpr int kRandomRecords = 2000;
constexpr int kPathsPerRecord = 40;

StreamEntry captured(const std::string& op, const std::string& type, EntryFields data, const std::string& key = "emp:1") {
  StreamEntry e;
  e.id = "1700000000000-7";
  e.fields = {{"key", key}, {"op", op}, {"cmd", "hset"}, {"type", type}, {"ts", "1700000000000"}};
  for (auto& f : data) e.fields.push_back(std::move(f));
  return e;
}

StreamEntry app_event(EntryFields fields) {
  StreamEntry e;
  e.id = "1735725600000-3";
  e.fields = std::move(fields);
  return e;
}

ChangeRecord decode(StreamEntry e, SourceKind kind = SourceKind::Captured, RowFormat format = RowFormat::DataOnly) {
  auto r = decode_entry(std::move(e), kind, format);
  EXPECT_TRUE(r.record.has_value()) << r.error;
  return r.record.value_or(ChangeRecord{});
}

// The same record with its JSON as the truth (what a transform leaves behind).
ChangeRecord materialized(const ChangeRecord& flat) {
  ChangeRecord m = flat;
  m.set_record(flat.record());
  EXPECT_FALSE(m.is_flat());
  return m;
}

// The JSON object the fields make when assigned in order (a repeated name: the last value).
json object_of(const EntryFields& fields) {
  json o = json::object();
  for (const auto& [f, v] : fields) o[f] = v;
  return o;
}

}  // namespace

TEST(FlatRecord, DecoderKeepsDataOnlyHashesDeletesAndStreamEntriesFlat) {
  EXPECT_TRUE(decode(captured("c", "hash", {{"a", "1"}})).is_flat());
  EXPECT_TRUE(decode(captured("d", "none", {})).is_flat());
  EXPECT_TRUE(decode(app_event({{"a", "1"}}), SourceKind::Stream).is_flat());
  // Everything else is JSON from the start.
  EXPECT_FALSE(decode(captured("c", "hash", {{"a", "1"}}), SourceKind::Captured, RowFormat::Full).is_flat());
  EXPECT_FALSE(decode(captured("d", "none", {}), SourceKind::Captured, RowFormat::Full).is_flat());
  EXPECT_FALSE(decode(captured("c", "string", {{"value", "x"}})).is_flat());
  EXPECT_FALSE(decode(captured("c", "json", {{"value", "{}"}})).is_flat());
  EXPECT_FALSE(decode(app_event({{"a", "1"}}), SourceKind::Stream, RowFormat::Full).is_flat());
}

TEST(FlatRecord, FieldsAreTheDataPartOfTheEntry) {
  auto rec = decode(captured("u", "hash", {{"name", "Ann"}, {"city", "Paris"}}));
  ASSERT_EQ(rec.flat_fields().size(), 2u);
  EXPECT_EQ(rec.flat_fields()[0].first, "name");
  EXPECT_EQ(*rec.flat_field("city"), "Paris");
  EXPECT_EQ(rec.flat_field("op"), nullptr) << "the header pairs are not fields";
  EXPECT_EQ(rec.flat_field("key"), nullptr);
  EXPECT_EQ(rec.original.size(), 7u) << "original keeps the whole entry";
  EXPECT_EQ(rec.record(), (json{{"name", "Ann"}, {"city", "Paris"}}));
  EXPECT_TRUE(rec.is_flat()) << "record() caches the JSON; the record stays flat";
  EXPECT_EQ(*rec.flat_field("name"), "Ann");
}

TEST(FlatRecord, DeleteHasNoFieldsButKeepsTheRedisKey) {
  // A d that (against the format) carries fields: they are not data, as before.
  auto rec = decode(captured("d", "hash", {{"name", "Ann"}}));
  EXPECT_EQ(rec.op, Op::Delete);
  EXPECT_TRUE(rec.flat_fields().empty());
  EXPECT_EQ(rec.record(), json::object());
  EXPECT_EQ(resolve_text(rec, "key.key"), "emp:1");
  EXPECT_EQ(resolve_text(rec, "name"), std::nullopt);
  EXPECT_EQ(resolve_text(rec, "after.name"), std::nullopt);
}

TEST(FlatRecord, RepeatedStreamFieldMeansItsLastValue) {
  auto rec = decode(app_event({{"a", "1"}, {"b", "2"}, {"a", "3"}}), SourceKind::Stream);
  ASSERT_TRUE(rec.is_flat());
  EXPECT_EQ(rec.flat_fields().size(), 3u);
  EXPECT_EQ(*rec.flat_field("a"), "3");
  EXPECT_EQ(resolve_text(rec, "a"), "3");
  EXPECT_EQ(resolve_text(rec, "after.a"), "3");
  EXPECT_EQ(rec.record(), (json{{"a", "3"}, {"b", "2"}}));
  EXPECT_EQ(resolve_text(materialized(rec), "a"), "3");
  EXPECT_EQ(resolve_text(rec, "key.key"), "1735725600000-3") << "stream-source: the entry id stands for the key";
}

TEST(FlatRecord, AfterPrefixRules) {
  // No `after` field: after.x is x, even when a field is literally named "after.x".
  auto plain = decode(captured("c", "hash", {{"x", "own"}, {"after.x", "dotted"}}));
  EXPECT_EQ(resolve_text(plain, "after.x"), "own");
  EXPECT_EQ(resolve_text(plain, "after."), std::nullopt) << "nothing after the prefix: a literal path";
  // An `after` field (a string): the prefix is literal, and a string has no members.
  auto with_after = decode(captured("c", "hash", {{"after", "s"}, {"x", "own"}, {"after.y", "dotted"}}));
  EXPECT_EQ(resolve_text(with_after, "after.x"), std::nullopt);
  EXPECT_EQ(resolve_text(with_after, "after.y"), "dotted") << "the whole remaining path as a field name wins";
  EXPECT_EQ(resolve_text(with_after, "after"), "s");
  for (const ChangeRecord* r : {&plain, &with_after}) {
    ChangeRecord m = materialized(*r);
    for (const char* p : {"after.x", "after.", "after.y", "after", "x", "after.after.x"}) {
      EXPECT_EQ(resolve_text(*r, p), resolve_text(m, p)) << p;
    }
  }
}

TEST(FlatRecord, RedisKeyPseudoFieldRules) {
  auto plain = decode(captured("c", "hash", {{"a", "1"}}));
  EXPECT_EQ(resolve_text(plain, "key.key"), "emp:1");
  EXPECT_EQ(resolve_text(plain, "after.key.key"), std::nullopt) << "after.key.key means the field key.key";
  // A field named key hides the pseudo-field; a string has no member key.
  auto own_key = decode(captured("c", "hash", {{"key", "mine"}}));
  EXPECT_EQ(resolve_text(own_key, "key.key"), std::nullopt);
  EXPECT_EQ(resolve_text(own_key, "key"), "mine");
  // ... unless a field is literally named key.key.
  auto dotted = decode(captured("c", "hash", {{"key", "mine"}, {"key.key", "dotted"}}));
  EXPECT_EQ(resolve_text(dotted, "key.key"), "dotted");
  auto only_dotted = decode(captured("c", "hash", {{"key.key", "dotted"}}));
  EXPECT_EQ(resolve_text(only_dotted, "key.key"), "emp:1") << "no field named key: the pseudo-field";
  for (const ChangeRecord* r : {&plain, &own_key, &dotted, &only_dotted}) {
    ChangeRecord m = materialized(*r);
    for (const char* p : {"key.key", "key", "after.key.key", "after.key", "key.key.key"}) {
      EXPECT_EQ(resolve_text(*r, p), resolve_text(m, p)) << p;
    }
  }
}

TEST(FlatRecord, MutableRecordAfterAFlatResolveMakesTheJsonTheTruth) {
  auto rec = decode(captured("c", "hash", {{"name", "Ann"}, {"age", "41"}}));
  EXPECT_EQ(resolve_text(rec, "name"), "Ann");
  EXPECT_EQ(rec.record().size(), 2u);  // cached
  rec.mutable_record()["name"] = "Bob";
  rec.mutable_record()["n"] = 7;
  rec.mutable_record().erase("age");
  EXPECT_FALSE(rec.is_flat());
  EXPECT_EQ(rec.flat_field("name"), nullptr);
  EXPECT_TRUE(rec.flat_fields().empty());
  EXPECT_EQ(resolve_text(rec, "name"), "Bob");
  EXPECT_EQ(resolve_text(rec, "n"), "7");
  EXPECT_EQ(resolve_text(rec, "age"), std::nullopt);
  EXPECT_EQ(resolve_text(rec, "key.key"), "emp:1");
  EXPECT_EQ(rec.original[5], (wb::EntryField{"name", "Ann"})) << "the entry as read is untouched";
  // A copy keeps the JSON; set_record replaces it.
  ChangeRecord copy = rec;
  EXPECT_EQ(resolve_text(copy, "name"), "Bob");
  copy.set_record(json{{"name", "Cy"}});
  EXPECT_EQ(resolve_text(copy, "name"), "Cy");
  EXPECT_EQ(resolve_text(rec, "name"), "Bob");
}

TEST(FlatRecord, CopiesAndMovesKeepTheFlatView) {
  auto rec = decode(captured("c", "hash", {{"name", "Ann"}}));
  ChangeRecord copy = rec;
  ChangeRecord moved = std::move(rec);
  EXPECT_EQ(resolve_text(copy, "name"), "Ann");
  EXPECT_EQ(resolve_text(moved, "name"), "Ann");
  std::vector<ChangeRecord> many;
  for (int i = 0; i < 50; ++i) many.push_back(copy);  // reallocations move the records
  EXPECT_EQ(resolve_text(many.front(), "name"), "Ann");
  EXPECT_EQ(resolve_text(many.back(), "after.name"), "Ann");
}

TEST(FlatRecord, DefaultRecordIsAnEmptyObject) {
  ChangeRecord rec;
  rec.original = {{"a", "1"}};  // set by hand (tests, dead letters): not the record's data
  EXPECT_TRUE(rec.is_flat());
  EXPECT_EQ(rec.record(), json::object());
  EXPECT_EQ(resolve_text(rec, "a"), std::nullopt);
  EXPECT_FALSE(rec.has_member("a"));
}

// Random records over a small alphabet of names (so that after, key, dotted names, repeats and
// near misses all occur) and random paths over the same pieces: the flat answer must be the
// materialized one, the JSON must be the fields assigned in order, and has_member must agree.
TEST(FlatRecord, RandomRecordsAndPathsAnswerLikeTheirJson) {
  const std::vector<std::string> names = {"a", "b", "A", "a.b", "after", "key", "key.key", "after.a", "", "x.y.z", "ä"};
  const std::vector<std::string> values = {"", "1", "v", "{\"a\":1}", "null", "a much longer value that is not in SSO"};
  std::mt19937 rng(20261122);
  auto pick = [&rng](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  int flat_hits = 0, key_hits = 0;
  for (int n = 0; n < kRandomRecords; ++n) {
    EntryFields fields;
    const size_t count = rng() % 6;
    const bool stream = n % 3 == 0;
    for (size_t i = 0; i < count; ++i) {
      std::string name = pick(names);
      if (!stream && std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; })) {
        continue;  // a hash has each field once; stream entries may repeat one
      }
      fields.emplace_back(name, pick(values));
    }
    const bool is_delete = !stream && rng() % 8 == 0;
    ChangeRecord flat = stream ? decode(app_event(fields), SourceKind::Stream)
                               : decode(captured(is_delete ? "d" : "u", "hash", fields));
    ASSERT_TRUE(flat.is_flat());
    ChangeRecord json_form = materialized(flat);
    ASSERT_EQ(flat.record(), is_delete ? json::object() : object_of(fields));
    for (const std::string& name : names) {
      EXPECT_EQ(flat.has_member(name), json_form.has_member(name)) << name;
    }
    for (int p = 0; p < kPathsPerRecord; ++p) {
      std::string path;
      const int parts = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < parts; ++i) {
        if (i > 0) path += ".";
        path += rng() % 4 == 0 ? std::string("after") : pick(names);
      }
      if (rng() % 10 == 0) path = "key.key";
      auto a = resolve_text(flat, path);
      auto b = resolve_text(json_form, path);
      EXPECT_EQ(a, b) << "path '" << path << "' on " << flat.record().dump() << (stream ? " (stream)" : "");
      EXPECT_EQ(wb::has_value(flat, path), a.has_value()) << path;
      EXPECT_EQ(wb::has_value(json_form, path), b.has_value()) << path;
      if (a) ++flat_hits;
      if (path == "key.key" && a) ++key_hits;
    }
    EXPECT_TRUE(flat.is_flat()) << "resolving never turns a record into JSON";
  }
  // The generator must exercise both outcomes, else the comparison proves little.
  EXPECT_GT(flat_hits, kRandomRecords);
  EXPECT_GT(key_hits, 10);
}

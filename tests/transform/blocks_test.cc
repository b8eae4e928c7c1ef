// The five transform blocks on flat and nested records, in both row formats, through the real
// loader and the compiled chain: filter, add_field, remove_field, rename_field, map; deletes; errors
// turned into rejections; the RDI quickstart's after.-rename.
#include <gtest/gtest.h>

#include <thread>

#include "harness/process.h"
#include "transform/chain.h"
#include "transform_fixture.h"

namespace wbtest {
namespace {

using wb::Op;
using wb::RowFormat;

// Applies the chain to a copy of rec; returns the outcome and leaves the result in *out.
wb::applier::TransformOutcome run(const wb::transform::JobTransforms& t, wb::ChangeRecord rec, wb::ChangeRecord* out = nullptr) {
  auto o = t.apply(rec);
  if (out) *out = std::move(rec);
  return o;
}

// ---------------------------------------------------------------------------------------------
// filter

TEST(Filter, JmespathOnFlatRecords) {
  auto t = compile_transforms("  - uses: filter\n    with:\n      language: jmespath\n      expression: status != 'test'\n");
  EXPECT_EQ(run(*t, make_record({{"status", "live"}})).verdict, Verdict::Keep);
  EXPECT_EQ(run(*t, make_record({{"status", "test"}})).verdict, Verdict::Filter);
}

TEST(Filter, SqlOnFlatRecords) {
  auto t = compile_transforms("  - uses: filter\n    with:\n      language: sql\n      expression: status <> 'test'\n");
  EXPECT_EQ(run(*t, make_record({{"status", "live"}})).verdict, Verdict::Keep);
  EXPECT_EQ(run(*t, make_record({{"status", "test"}})).verdict, Verdict::Filter);
  // NULL <> 'test' is NULL: false.
  EXPECT_EQ(run(*t, make_record({{"other", 1}})).verdict, Verdict::Filter);
}

TEST(Filter, NestedFieldsInBothLanguages) {
  auto j = compile_transforms("  - uses: filter\n    with:\n      language: jmespath\n      expression: address.country == 'FR'\n");
  auto s = compile_transforms("  - uses: filter\n    with:\n      language: sql\n      expression: \"`address.country` = 'FR'\"\n");
  json fr = {{"address", {{"country", "FR"}, {"city", "Paris"}}}};
  json de = {{"address", {{"country", "DE"}}}};
  for (auto* t : {j.get(), s.get()}) {
    EXPECT_EQ(run(*t, make_record(fr)).verdict, Verdict::Keep);
    EXPECT_EQ(run(*t, make_record(de)).verdict, Verdict::Filter);
  }
}

TEST(Filter, FullRowFormatPathsStartAtAfterKeyAndOpcode) {
  auto t = compile_transforms(
      "  - uses: filter\n    with:\n      language: jmespath\n      expression: after.age > `20` && opcode == 'c'\n", true);
  EXPECT_EQ(run(*t, full_record({{"age", 30}})).verdict, Verdict::Keep);
  EXPECT_EQ(run(*t, full_record({{"age", 10}})).verdict, Verdict::Filter);
  EXPECT_EQ(run(*t, full_record({{"age", 30}}, Op::Update)).verdict, Verdict::Filter);
  auto k = compile_transforms(
      "  - uses: filter\n    with:\n      language: sql\n      expression: \"`key.key` LIKE 'k:1%' AND after.age > 20\"\n", true);
  EXPECT_EQ(run(*k, full_record({{"age", 30}})).verdict, Verdict::Keep);
  EXPECT_EQ(run(*k, full_record({{"age", 3}})).verdict, Verdict::Filter);
}

TEST(Filter, DataOnlyReachesTheRedisKeyAsKeyKeyAndAfterPrefixedFields) {
  auto s = compile_transforms("  - uses: filter\n    with:\n      language: sql\n      expression: \"`key.key` = 'k:1' AND after.age = 30\"\n");
  auto j = compile_transforms("  - uses: filter\n    with:\n      language: jmespath\n      expression: \"key.key == 'k:1' && after.age == `30`\"\n");
  for (auto* t : {s.get(), j.get()}) {
    EXPECT_EQ(run(*t, make_record({{"age", 30}})).verdict, Verdict::Keep) << t->block(0).label();
    EXPECT_EQ(run(*t, make_record({{"age", 30}}, RowFormat::DataOnly, Op::Create, "k:2")).verdict, Verdict::Filter);
    EXPECT_EQ(run(*t, make_record({{"age", 31}})).verdict, Verdict::Filter);
  }
}

TEST(Filter, NeverSwallowsDeletes) {
  for (bool full : {false, true}) {
    auto t = compile_transforms("  - uses: filter\n    with:\n      language: sql\n      expression: age > 20\n"
                                "  - uses: add_field\n    with:\n      field: x\n      language: jmespath\n      expression: length(name)\n",
                                full);
    wb::ChangeRecord out;
    wb::ChangeRecord del = make_record({}, full ? RowFormat::Full : RowFormat::DataOnly, Op::Delete);
    json before = del.record();
    EXPECT_EQ(run(*t, del, &out).verdict, Verdict::Keep);
    EXPECT_EQ(out.record(), before) << "a delete passes every block unchanged";
  }
}

// ---------------------------------------------------------------------------------------------
// add_field

TEST(AddField, SingleFormBothLanguages) {
  auto j = compile_transforms("  - uses: add_field\n    with:\n      field: full_name\n      language: jmespath\n"
                              "      expression: concat([first_name, ' ', last_name])\n");
  auto s = compile_transforms("  - uses: add_field\n    with:\n      field: full_name\n      language: sql\n"
                              "      expression: first_name || ' ' || last_name\n");
  for (auto* t : {j.get(), s.get()}) {
    wb::ChangeRecord out;
    ASSERT_EQ(run(*t, make_record({{"first_name", "Ann"}, {"last_name", "Lee"}}), &out).verdict, Verdict::Keep);
    EXPECT_EQ(out.record(), json({{"first_name", "Ann"}, {"last_name", "Lee"}, {"full_name", "Ann Lee"}}));
  }
}

TEST(AddField, DottedNamesCreateNestedObjects) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: address.label\n      language: sql\n"
                              "      expression: country_code || ' - ' || UPPER(country_name)\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"country_code", "FR"}, {"country_name", "France"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record().at("address"), json({{"label", "FR - FRANCE"}}));
  // An existing object gets the member; the others stay.
  ASSERT_EQ(run(*t, make_record({{"country_code", "FR"}, {"country_name", "x"}, {"address", {{"city", "Paris"}}}}), &out).verdict,
            Verdict::Keep);
  EXPECT_EQ(out.record().at("address"), json({{"city", "Paris"}, {"label", "FR - X"}}));
}

TEST(AddField, FieldsListInOrderEachSeeingThePreviousOnes) {
  auto t = compile_transforms(
      "  - uses: add_field\n    with:\n      fields:\n"
      "        - field: full_name\n          language: jmespath\n          expression: concat([first, ' ', last])\n"
      "        - field: name_length\n          language: sql\n          expression: LENGTH(full_name)\n"
      "        - field: meta.upper\n          language: jmespath\n          expression: upper(full_name)\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"first", "Ann"}, {"last", "Lee"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"first", "Ann"}, {"last", "Lee"}, {"full_name", "Ann Lee"}, {"name_length", 7},
                              {"meta", {{"upper", "ANN LEE"}}}}));
}

TEST(AddField, ReplacesAnExistingField) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: name\n      language: jmespath\n      expression: upper(name)\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"name", "ann"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"name", "ANN"}}));
}

TEST(AddField, FullRowFormatAddsUnderAfter) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: after.full_name\n      language: jmespath\n"
                              "      expression: concat([after.first, ' ', after.last])\n",
                              true);
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, full_record({{"first", "Ann"}, {"last", "Lee"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record().at("after").at("full_name"), "Ann Lee");
  EXPECT_EQ(out.record().at("key"), json({{"key", "k:1"}}));
  EXPECT_EQ(out.record().at("opcode"), "c");
}

TEST(AddField, DataOnlyAfterPrefixMeansTheRecordItself) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: after.label\n      language: sql\n"
                              "      expression: after.code || '!'\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"code", "a"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"code", "a"}, {"label", "a!"}}));
}

TEST(AddField, JmespathSeesTheRedisKeyOnlyWhereItNamesIt) {
  auto t = compile_transforms(
      "  - uses: add_field\n    with:\n      fields:\n"
      "        - field: redis_key\n          language: jmespath\n          expression: values(key)[0]\n"
      "        - field: only_name\n          language: jmespath\n          expression: \"filter_entries(@, `key == 'name'`)\"\n"
      "        - field: entries\n          language: jmespath\n          expression: length(keys(@))\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"name", "Ann"}, {"age", 3}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record().at("redis_key"), "k:1");
  EXPECT_EQ(out.record().at("only_name"), json({{"name", "Ann"}}));
  EXPECT_EQ(out.record().at("entries"), 4);  // name, age, redis_key, only_name: no synthetic `key`
}

TEST(AddField, ARuntimeErrorRejectsTheRecordNamingTheBlockAndField) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: n\n      language: jmespath\n      expression: length(age)\n");
  auto o = run(*t, make_record({{"age", 5}}));
  ASSERT_EQ(o.verdict, Verdict::Reject);
  EXPECT_NE(o.error.find("transform[0] add_field: n: "), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("invalid-type"), std::string::npos) << o.error;
  EXPECT_EQ(run(*t, make_record({{"age", "abc"}})).verdict, Verdict::Keep);
}

TEST(AddField, ANestedNameThroughANonObjectRejects) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: name.first\n      language: jmespath\n      expression: \"'x'\"\n");
  auto o = run(*t, make_record({{"name", "Ann"}}));
  ASSERT_EQ(o.verdict, Verdict::Reject);
  EXPECT_NE(o.error.find("'name' is a string, not an object"), std::string::npos) << o.error;
}

// ---------------------------------------------------------------------------------------------
// remove_field

TEST(RemoveField, SingleAndListForms) {
  auto one = compile_transforms("  - uses: remove_field\n    with:\n      field: credit_card\n");
  auto many = compile_transforms("  - uses: remove_field\n    with:\n      fields:\n        - field: credit_card\n        - field: status\n");
  json rec = {{"id", 1}, {"credit_card", "4111"}, {"status", "x"}};
  wb::ChangeRecord out;
  ASSERT_EQ(run(*one, make_record(rec), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"id", 1}, {"status", "x"}}));
  ASSERT_EQ(run(*many, make_record(rec), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"id", 1}}));
}

TEST(RemoveField, NestedPathsAndMissingFields) {
  auto t = compile_transforms("  - uses: remove_field\n    with:\n      fields:\n        - field: address.zip\n"
                              "        - field: nothing.here\n        - field: tags.0\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"address", {{"zip", "75001"}, {"city", "Paris"}}}, {"tags", {"a", "b"}}}), &out).verdict,
            Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"address", {{"city", "Paris"}}}, {"tags", {"b"}}}));
}

TEST(RemoveField, AMemberNamedByTheWholeDottedNameWins) {
  auto t = compile_transforms("  - uses: remove_field\n    with:\n      field: a.b\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"a.b", 1}, {"a", {{"b", 2}}}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"a", {{"b", 2}}}}));
}

TEST(RemoveField, FullRowFormat) {
  auto t = compile_transforms("  - uses: remove_field\n    with:\n      field: after.secret\n", true);
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, full_record({{"secret", "s"}, {"id", "1"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record().at("after"), json({{"id", "1"}}));
}

// ---------------------------------------------------------------------------------------------
// rename_field

TEST(RenameField, SingleAndListFormsLeaveOtherFieldsAlone) {
  auto one = compile_transforms("  - uses: rename_field\n    with:\n      from_field: fname\n      to_field: first_name\n");
  auto many = compile_transforms("  - uses: rename_field\n    with:\n      fields:\n"
                                 "        - from_field: fname\n          to_field: first_name\n"
                                 "        - from_field: lname\n          to_field: last_name\n");
  json rec = {{"fname", "Ann"}, {"lname", "Lee"}, {"age", "30"}};
  wb::ChangeRecord out;
  ASSERT_EQ(run(*one, make_record(rec), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"first_name", "Ann"}, {"lname", "Lee"}, {"age", "30"}}));
  ASSERT_EQ(run(*many, make_record(rec), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"first_name", "Ann"}, {"last_name", "Lee"}, {"age", "30"}}));
}

TEST(RenameField, NestedPathsOnBothSides) {
  auto t = compile_transforms("  - uses: rename_field\n    with:\n      fields:\n"
                              "        - from_field: address.zip\n          to_field: postal.code\n"
                              "        - from_field: city\n          to_field: address.city\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"address", {{"zip", "75001"}, {"street", "x"}}}, {"city", "Paris"}}), &out).verdict,
            Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"address", {{"street", "x"}, {"city", "Paris"}}}, {"postal", {{"code", "75001"}}}}));
}

TEST(RenameField, AMissingFromFieldIsNotAnError) {
  auto t = compile_transforms("  - uses: rename_field\n    with:\n      from_field: nope\n      to_field: yes\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"a", 1}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"a", 1}}));
}

// The RDI quickstart's job, exactly as shipped in ../shared/examples/rdi-quickstart: a data_only job
// renaming after.country to after.my_country renames the record's own country field.
TEST(RenameField, RdiQuickstartAfterPrefixInDataOnly) {
  auto loaded = wb::config::load_pipeline_dir(shared_dir() + "/examples/rdi-quickstart");
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.to_string();
  const wb::config::Job* job = loaded.pipeline.find_job("emp");
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->source.row_format, wb::config::RowFormat::kDataOnly);
  auto t = wb::transform::JobTransforms::compile(*job);
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"first_name", "Ann"}, {"last_name", "Lee"}, {"country", "FR"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"first_name", "Ann"}, {"last_name", "Lee"}, {"my_country", "FR"}}));
}

TEST(RenameField, DataOnlyRecordWithARealAfterFieldIsTakenLiterally) {
  auto t = compile_transforms("  - uses: rename_field\n    with:\n      from_field: after.country\n      to_field: after.my_country\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"after", {{"country", "FR"}}}, {"country", "DE"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"after", {{"my_country", "FR"}}}, {"country", "DE"}}));
}

TEST(RenameField, FullRowFormat) {
  auto t = compile_transforms("  - uses: rename_field\n    with:\n      from_field: after.country\n      to_field: after.my_country\n", true);
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, full_record({{"country", "FR"}, {"id", "1"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record().at("after"), json({{"my_country", "FR"}, {"id", "1"}}));
  EXPECT_EQ(out.record().at("opcode"), "c");
}

// ---------------------------------------------------------------------------------------------
// map

TEST(Map, ObjectOfSqlExpressionsReplacesTheRecord) {
  auto t = compile_transforms("  - uses: map\n    with:\n      language: sql\n      expression:\n"
                              "        id: customer_id\n        label: UPPER(name) || '/' || country\n        geo.country: country\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"customer_id", "7"}, {"name", "ann"}, {"country", "FR"}, {"secret", "x"}}), &out).verdict,
            Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"id", "7"}, {"label", "ANN/FR"}, {"geo", {{"country", "FR"}}}}));
}

TEST(Map, ObjectOfJmespathExpressionsOnNestedRecords) {
  auto t = compile_transforms("  - uses: map\n    with:\n      language: jmespath\n      expression:\n"
                              "        city: address.city\n        n: length(items)\n        first: items[0].sku\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"address", {{"city", "Paris"}}}, {"items", {{{"sku", "a"}}, {{"sku", "b"}}}}}), &out).verdict,
            Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"city", "Paris"}, {"n", 2}, {"first", "a"}}));
}

TEST(Map, OneJmespathExpressionReturningAnObject) {
  auto t = compile_transforms("  - uses: map\n    with:\n      language: jmespath\n"
                              "      expression: \"{id: id, name: upper(name), tags: tags[?@ != 'x']}\"\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"id", 1}, {"name", "ann"}, {"tags", {"x", "y"}}, {"drop", true}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"id", 1}, {"name", "ANN"}, {"tags", {"y"}}}));
}

TEST(Map, AResultThatIsNotAnObjectRejects) {
  auto t = compile_transforms("  - uses: map\n    with:\n      language: jmespath\n      expression: tags\n");
  auto o = run(*t, make_record({{"tags", {"x"}}}));
  ASSERT_EQ(o.verdict, Verdict::Reject);
  EXPECT_EQ(o.error, "transform[0] map: the expression returned an array, expected an object");
}

TEST(Map, FullRowFormatBuildsTheNewRecordFromAfter) {
  auto t = compile_transforms("  - uses: map\n    with:\n      language: jmespath\n"
                              "      expression: \"{after: {code: after.id, op: opcode}, key: key}\"\n",
                              true);
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, full_record({{"id", "9"}, {"x", "y"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"after", {{"code", "9"}, {"op", "c"}}}, {"key", {{"key", "k:1"}}}}));
}

// ---------------------------------------------------------------------------------------------
// Chains, errors, threads

TEST(Chain, RdiCurrentExampleBlocksInOrder) {
  auto loaded = wb::config::load_pipeline_dir(shared_dir() + "/examples/rdi-current");
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.to_string();
  auto t = wb::transform::JobTransforms::compile(*loaded.pipeline.find_job("customers"));
  ASSERT_EQ(t->size(), 3u);
  wb::ChangeRecord out;
  json rec = {{"id", "1"}, {"first_name", "Ann"}, {"last_name", "Lee"}, {"email", "a@x"}, {"country_code", "FR"},
              {"country_name", "France"}, {"credit_card", "4111"}, {"status", "live"}};
  ASSERT_EQ(run(*t, make_record(rec), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record(), json({{"id", "1"}, {"first_name", "Ann"}, {"last_name", "Lee"}, {"email", "a@x"},
                              {"country_code", "FR"}, {"country_name", "France"}, {"full_name", "Ann Lee"},
                              {"country_label", "FR - FRANCE"}}));
  rec["status"] = "test";
  EXPECT_EQ(run(*t, make_record(rec)).verdict, Verdict::Filter);
}

TEST(Chain, StopsAtTheFirstFilterOrRejection) {
  auto t = compile_transforms("  - uses: filter\n    with:\n      language: jmespath\n      expression: keep\n"
                              "  - uses: add_field\n    with:\n      field: n\n      language: jmespath\n      expression: abs(v)\n"
                              "  - uses: add_field\n    with:\n      field: after_n\n      language: jmespath\n      expression: \"'x'\"\n");
  std::vector<std::string> seen;
  auto observe = [&](const wb::transform::Block& b, const wb::ChangeRecord&, const wb::applier::TransformOutcome&) {
    seen.push_back(b.label());
  };
  wb::ChangeRecord r1 = make_record({{"keep", false}});
  EXPECT_EQ(t->apply(r1, observe).verdict, Verdict::Filter);
  EXPECT_EQ(seen, std::vector<std::string>({"transform[0] filter"}));
  seen.clear();
  wb::ChangeRecord r2 = make_record({{"keep", true}, {"v", "text"}});
  auto o = t->apply(r2, observe);
  EXPECT_EQ(o.verdict, Verdict::Reject);
  EXPECT_EQ(seen, std::vector<std::string>({"transform[0] filter", "transform[1] add_field"}));
  seen.clear();
  wb::ChangeRecord r3 = make_record({{"keep", true}, {"v", -2}});
  EXPECT_EQ(t->apply(r3, observe).verdict, Verdict::Keep);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(r3.record(), json({{"keep", true}, {"v", -2}, {"n", 2}, {"after_n", "x"}}));
}

TEST(Chain, AnSqlRuntimeErrorRejects) {
  auto t = compile_transforms("  - uses: add_field\n    with:\n      field: v\n      language: sql\n"
                              "      expression: json_extract(doc, '$.a')\n");
  wb::ChangeRecord out;
  ASSERT_EQ(run(*t, make_record({{"doc", "{\"a\": 5}"}}), &out).verdict, Verdict::Keep);
  EXPECT_EQ(out.record().at("v"), 5);
  auto o = run(*t, make_record({{"doc", "{not json"}}));
  ASSERT_EQ(o.verdict, Verdict::Reject);
  EXPECT_NE(o.error.find("transform[0] add_field: v: sql error"), std::string::npos) << o.error;
}

TEST(Chain, CompileErrorsNameFileLineAndColumn) {
  wb::config::Job job = load_job(job_yaml("  - uses: filter\n    with:\n      language: jmespath\n      expression: a == 'b'\n"));
  job.transforms[0].expression->text = "a == ";  // as if the loader had no checker
  try {
    wb::transform::JobTransforms::compile(job);
    FAIL() << "expected a TransformError";
  } catch (const wb::transform::TransformError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("jobs/j.yaml:8:24: transform[0].with.expression: invalid jmespath expression: ", 0), 0u) << what;
    EXPECT_NE(what.find("\na == \n     ^"), std::string::npos) << what;
  }
}

TEST(Chain, FactoryChainsShareTheBlocksAcrossThreads) {
  auto job = load_job(job_yaml("  - uses: filter\n    with:\n      language: sql\n      expression: CAST(n AS INTEGER) % 2 = 0\n"
                               "  - uses: add_field\n    with:\n      field: half\n      language: sql\n      expression: CAST(n AS INTEGER) / 2\n"));
  auto factory = wb::transform::chain_factory(job);
  constexpr int kThreads = 4;
  constexpr int kRecords = 2000;
  std::vector<int> kept(kThreads, 0), wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto chain = factory();
      for (int i = 0; i < kRecords; ++i) {
        wb::ChangeRecord r = make_record({{"n", std::to_string(i + t)}});
        auto o = chain->apply(r);
        if (o.verdict == Verdict::Keep) {
          ++kept[t];
          if (r.record().at("half") != (i + t) / 2) ++wrong[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(kept[t], kRecords / 2);
    EXPECT_EQ(wrong[t], 0);
  }
}

}  // namespace
}  // namespace wbtest

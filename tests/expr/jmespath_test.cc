// The JMESPath engine beyond the compliance suite: the API (compile once, search many, const and
// thread-safe), error kinds and columns with the caret diagram, and spec corners the suite does
// not cover.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "expr/jmespath/expression.h"
#include "jmespath_helpers.h"

namespace {

using nlohmann::json;
using wbtest::error_kind;
using wbtest::search;
namespace jp = wb::expr::jmespath;

jp::Error compile_error(const std::string& expression) {
  try {
    jp::compile(expression);
  } catch (const jp::Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error compiling " << expression;
  return jp::Error(jp::ErrorKind::Syntax, "none", expression, 0);
}

TEST(JmespathApi, CompileOnceSearchMany) {
  jp::Expression e = jp::compile("people[?age > `20`].name");
  EXPECT_EQ(e.text(), "people[?age > `20`].name");
  EXPECT_EQ(e.search(json::parse(R"({"people":[{"name":"a","age":30},{"name":"b","age":10}]})")),
            json::parse(R"(["a"])"));
  EXPECT_EQ(e.search(json::parse(R"({"people":[{"name":"c","age":21}]})")), json::parse(R"(["c"])"));
  EXPECT_EQ(e.search(json::parse("{}")), json());
}

TEST(JmespathApi, CopiesShareTheCompiledTree) {
  jp::Expression a = jp::compile("a.b");
  jp::Expression b = a;
  EXPECT_EQ(b.search(json::parse(R"({"a":{"b":5}})")), json(5));
}

TEST(JmespathApi, IsTrueFollowsJmespathTruthiness) {
  auto is_true = [](const std::string& expr, const std::string& doc) {
    return jp::compile(expr).is_true(json::parse(doc));
  };
  EXPECT_TRUE(is_true("age > `20`", R"({"age": 21})"));
  EXPECT_FALSE(is_true("age > `20`", R"({"age": 20})"));
  EXPECT_FALSE(is_true("age > `20`", R"({"age": "x"})"));  // null
  EXPECT_TRUE(is_true("n", R"({"n": 0})"));                // 0 is true in JMESPath
  EXPECT_FALSE(is_true("s", R"({"s": ""})"));
  EXPECT_FALSE(is_true("a", R"({"a": []})"));
  EXPECT_FALSE(is_true("o", R"({"o": {}})"));
  EXPECT_FALSE(is_true("missing", "{}"));
  EXPECT_TRUE(is_true("o", R"({"o": {"k": 1}})"));
}

TEST(JmespathApi, SearchIsThreadSafe) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 2000;
  jp::Expression e = jp::compile("items[?price > `10`] | sort_by(@, &price)[].{n: name, p: price}");
  json doc = json::parse(R"({"items":[{"name":"a","price":12},{"name":"b","price":5},
                                      {"name":"c","price":11}]})");
  json expected = json::parse(R"([{"n":"c","p":11},{"n":"a","p":12}])");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        if (e.search(doc) != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(JmespathErrors, KindsAtCompileTime) {
  EXPECT_EQ(compile_error("foo[").error_kind(), jp::ErrorKind::Syntax);
  EXPECT_EQ(compile_error("nope(a)").error_kind(), jp::ErrorKind::UnknownFunction);
  EXPECT_EQ(compile_error("abs(a, b)").error_kind(), jp::ErrorKind::InvalidArity);
  EXPECT_EQ(compile_error("upper()").error_kind(), jp::ErrorKind::InvalidArity);
  EXPECT_EQ(compile_error("foo[::0]").error_kind(), jp::ErrorKind::InvalidValue);
  EXPECT_EQ(compile_error("").error_kind(), jp::ErrorKind::Syntax);
  EXPECT_EQ(compile_error("a = b").error_kind(), jp::ErrorKind::Syntax);
}

TEST(JmespathErrors, TypeErrorsAtSearchTime) {
  jp::Expression e = jp::compile("abs(name)");  // compiles: types are only known per record
  EXPECT_EQ(e.search(json::parse(R"({"name": -3})")), json(3));
  try {
    e.search(json::parse(R"({"name": "x"})"));
    FAIL() << "expected invalid-type";
  } catch (const jp::Error& err) {
    EXPECT_EQ(err.error_kind(), jp::ErrorKind::InvalidType);
    EXPECT_EQ(err.column(), 0u);
    EXPECT_NE(std::string(err.what()).find("abs()"), std::string::npos) << err.what();
  }
}

TEST(JmespathErrors, ColumnPointsAtTheOffendingToken) {
  EXPECT_EQ(compile_error("foo.bar.").column(), 8u);                // end of expression
  EXPECT_EQ(compile_error("a || unknown_fn(b)").column(), 5u);      // the function name
  EXPECT_EQ(compile_error("length(a, b)").column(), 0u);
  EXPECT_EQ(compile_error("a[?b == 'x' ]]").column(), 13u);
  EXPECT_EQ(compile_error("'✓✓' | a b").column(), 9u);              // columns count code points
  EXPECT_EQ(compile_error("foo[0:1:0]").column(), 8u);              // the zero step
}

TEST(JmespathErrors, CaretDiagramForConfigErrors) {
  jp::Error e = compile_error("concat([first, ' ' last])");
  EXPECT_EQ(e.kind(), "syntax");
  EXPECT_EQ(e.caret_diagram(), "concat([first, ' ' last])\n                   ^");
  EXPECT_NE(std::string(e.what()).find("at column 19"), std::string::npos) << e.what();
  // Multi-line expressions (YAML block scalars) show the offending line only.
  jp::Error multi = compile_error("merge(a,\n  b c)");
  EXPECT_EQ(multi.caret_diagram(), "  b c)\n    ^");
}

TEST(JmespathSemantics, SliceAfterIndexProjects) {
  // The grammar makes every slice a projection; python-jmespath 1.0.1 forgets it after an index.
  EXPECT_EQ(search("foo[0][0:2].a", R"({"foo": [[{"a":1},{"a":2},{"a":3}]]})"), json::parse("[1,2]"));
}

TEST(JmespathSemantics, NegativeStepsAndBounds) {
  std::string doc = R"({"a": [0,1,2,3,4,5]})";
  EXPECT_EQ(search("a[::-2]", doc), json::parse("[5,3,1]"));
  EXPECT_EQ(search("a[-2:]", doc), json::parse("[4,5]"));
  EXPECT_EQ(search("a[100:]", doc), json::parse("[]"));
  EXPECT_EQ(search("a[-100:2]", doc), json::parse("[0,1]"));
  EXPECT_EQ(search("a[4:1:-1]", doc), json::parse("[4,3,2]"));
  EXPECT_EQ(search("a[-1]", doc), json(5));
  EXPECT_EQ(search("a[6]", doc), json());
}

TEST(JmespathSemantics, OrderingOnlyForNumbersAndStrings) {
  EXPECT_EQ(search("a < b", R"({"a": 1, "b": 2.5})"), json(true));
  EXPECT_EQ(search("a < b", R"({"a": "abc", "b": "abd"})"), json(true));
  EXPECT_EQ(search("a < b", R"({"a": "1", "b": 2})"), json());
  EXPECT_EQ(search("a < b", R"({"a": true, "b": false})"), json());
  EXPECT_EQ(search("a == b", R"({"a": 1, "b": 1.0})"), json(true));
  EXPECT_EQ(search("a == b", R"({"a": 1, "b": true})"), json(false));
  EXPECT_EQ(search("a == b", R"({"a": {"x": [1]}, "b": {"x": [1.0]}})"), json(true));
}

TEST(JmespathSemantics, UnicodeIdentifiersAndLiterals) {
  EXPECT_EQ(search(R"("\u00e9t\u00e9")", R"({"été": 1})"), json(1));
  EXPECT_EQ(search(R"("✓")", R"({"✓": 2})"), json(2));
  EXPECT_EQ(search("length('𝄞é')"), json(2));
  EXPECT_EQ(search("reverse('a𝄞é')"), json("é𝄞a"));
  EXPECT_EQ(search("`\"\\u03a6\"`"), json("Φ"));
}

TEST(JmespathSemantics, LegacyBacktickStringsAsRdiDocumentsThem) {
  // Not JSON inside backticks: python-jmespath (and RDI's docs) take it as a string.
  EXPECT_EQ(search("`foo bar`"), json("foo bar"));
  EXPECT_EQ(search("`key == 'name'`"), json("key == 'name'"));
}

TEST(JmespathSemantics, ToStringMatchesPython) {
  EXPECT_EQ(search("to_string(`1.0`)"), json("1.0"));
  EXPECT_EQ(search("to_string(`1e16`)"), json("1e+16"));
  EXPECT_EQ(search("to_string(`1e15`)"), json("1000000000000000.0"));
  EXPECT_EQ(search("to_string(`0.00001`)"), json("1e-05"));
  EXPECT_EQ(search("to_string(`0.0001`)"), json("0.0001"));
  EXPECT_EQ(search("to_string(`[\"✓\", {\"b\": null, \"a\": true}]`)"),
            json(R"(["\u2713",{"a":true,"b":null}])"));
  EXPECT_EQ(search("to_string(`\"x\"`)"), json("x"));
}

TEST(JmespathSemantics, ToNumberParsesLikePython) {
  EXPECT_EQ(search("to_number(' 42 ')"), json(42));
  EXPECT_EQ(search("to_number('1_000')"), json(1000));
  EXPECT_EQ(search("to_number('-2.5e3')"), json(-2500.0));
  EXPECT_EQ(search("to_number('.5')"), json(0.5));
  EXPECT_EQ(search("to_number('inf')"), json());   // not representable in JSON
  EXPECT_EQ(search("to_number('1e999')"), json());
  EXPECT_EQ(search("to_number('12abc')"), json());
}

TEST(JmespathSemantics, NumbersKeepTheirKind) {
  EXPECT_TRUE(search("sum(`[1, 2]`)").is_number_integer());
  EXPECT_TRUE(search("sum(`[1, 2.5]`)").is_number_float());
  EXPECT_TRUE(search("ceil(`1.5`)").is_number_integer());
  EXPECT_TRUE(search("avg(`[1, 3]`)").is_number_float());
  EXPECT_EQ(search("abs(`-9223372036854775807`)"), json(9223372036854775807LL));
}

TEST(JmespathSemantics, SortIsStable) {
  std::string doc = R"({"p": [{"k": 1, "n": "a"}, {"k": 0, "n": "b"}, {"k": 1, "n": "c"},
                              {"k": 0, "n": "d"}]})";
  EXPECT_EQ(search("sort_by(p, &k)[].n", doc), json::parse(R"(["b","d","a","c"])"));
  EXPECT_EQ(search("max_by(p, &k).n", doc), json("a"));  // the first of equals
  EXPECT_EQ(search("min_by(p, &k).n", doc), json("b"));
  EXPECT_EQ(error_kind("sort_by(p, &k)", R"({"p": [{"k": 1}, {"k": "x"}]})"), "invalid-type");
  EXPECT_EQ(error_kind("max_by(p, &k)", R"({"p": [{"k": 1}, {"k": "x"}]})"), "invalid-type");
}

TEST(JmespathSemantics, ExprefOnlyAsArgument) {
  EXPECT_EQ(error_kind("&a"), "invalid-type");
  EXPECT_EQ(error_kind("length(&a)"), "invalid-type");
  EXPECT_EQ(error_kind("map(a, b)", R"({"b": []})"), "invalid-type");
}

TEST(JmespathSemantics, FunctionArgumentSyntax) {
  EXPECT_EQ(error_kind("abs(a,)"), "syntax");
  EXPECT_EQ(error_kind("abs(a b)"), "syntax");
  EXPECT_EQ(error_kind("\"abs\"(a)"), "syntax");
  EXPECT_EQ(error_kind("(abs)(a)"), "syntax");
  EXPECT_EQ(error_kind("(@.abs)(a)"), "syntax");
  EXPECT_EQ(search("a.abs(b)", R"({"a": {"b": -1}})"), json(1));  // a function after '.'
}

TEST(JmespathErrors, NestingIsBounded) {
  std::string deep = std::string(5000, '(') + "a" + std::string(5000, ')');
  EXPECT_EQ(error_kind(deep), "syntax");
  std::string long_chain = "a";
  for (int i = 0; i < 100000; ++i) long_chain += " || a";  // a left-deep tree, not recursion
  EXPECT_EQ(error_kind(long_chain), "syntax");
  std::string fine = std::string(120, '(') + "a" + std::string(120, ')');
  EXPECT_EQ(search(fine, R"({"a": 1})"), json(1));
}

TEST(JmespathSemantics, LongArraysKeepMemoryFlat) {
  json doc = json::object();
  json& items = doc["items"] = json::array();
  for (int i = 0; i < 20000; ++i) items.push_back({{"v", i}, {"s", std::to_string(i)}});
  json r = jp::compile("items[?v > `19990`].{v: v, l: length(s)}").search(doc);
  ASSERT_EQ(r.size(), 9u);
  EXPECT_EQ(r[0], json::parse(R"({"v": 19991, "l": 5})"));
}

}  // namespace

// python-jmespath, which RDI runs on, accepts a multi-select hash whose entries lack the comma
// before the next `key:` (RDI's foreach example is written that way); so does the engine. Every
// other malformed hash stays a syntax error, as the compliance suite demands.
TEST(JmespathLeniency, MultiSelectHashWithoutCommasLikePythonJmespath) {
  json doc = {{"a", 1}, {"b", 2}, {"c", {{"d", 3}}}};
  EXPECT_EQ(search("{x: a y: b}", doc.dump()), json({{"x", 1}, {"y", 2}}));
  EXPECT_EQ(search("{x: a, y: b z: c.d}", doc.dump()), json({{"x", 1}, {"y", 2}, {"z", 3}}));
  EXPECT_EQ(compile_error("{x: a y}").error_kind(), jp::ErrorKind::Syntax);
  EXPECT_EQ(compile_error("{x: a b}").error_kind(), jp::ErrorKind::Syntax);
  EXPECT_EQ(compile_error("a.{foo: bar, baz}").error_kind(), jp::ErrorKind::Syntax);
}

// SQL expressions (language: sql): field rewriting, binding and result types, errors with
// columns, per-thread statements, and the language-neutral interface over both engines.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "expr/expression.h"
#include "expr/sql/expression.h"
#include "expr/sql/rewrite.h"
#include "expr/sql/statement_cache.h"

namespace {

using nlohmann::json;
namespace sql = wb::expr::sql;

json eval(const std::string& expression, const std::string& record) {
  return sql::compile(expression).evaluate(json::parse(record));
}

wb::expr::ExpressionError compile_error(const std::string& expression) {
  try {
    sql::compile(expression);
  } catch (const wb::expr::ExpressionError& e) {
    return e;
  }
  ADD_FAILURE() << "no error compiling " << expression;
  return wb::expr::ExpressionError("none", "", expression, std::nullopt);
}

TEST(SqlRewrite, FieldsBecomeParameters) {
  sql::Rewritten r = sql::rewrite("country_code || ' - ' || UPPER(`after.country_name`)");
  EXPECT_EQ(r.sql, "?1 || ' - ' || UPPER(?2)");
  EXPECT_EQ(r.fields, (std::vector<std::string>{"country_code", "after.country_name"}));
}

TEST(SqlRewrite, KeywordsFunctionsLiteralsStay) {
  sql::Rewritten r = sql::rewrite(
      "CASE WHEN age > 20 AND name LIKE 'a%' THEN 'adult''s' ELSE NULL END -- comment age\n"
      " || CAST(x AS INTEGER) || coalesce(y, X'00', 1.5e3, 0x1F) COLLATE NOCASE");
  EXPECT_EQ(r.fields, (std::vector<std::string>{"age", "name", "x", "y"}));
  EXPECT_EQ(r.sql,
            "CASE WHEN ?1 > 20 AND ?2 LIKE 'a%' THEN 'adult''s' ELSE NULL END -- comment age\n"
            " || CAST(?3 AS INTEGER) || coalesce(?4, X'00', 1.5e3, 0x1F) COLLATE NOCASE");
}

TEST(SqlRewrite, QuotedNamesAndDottedPaths) {
  sql::Rewritten r = sql::rewrite("\"first name\" || [last name] || `a``b` || after.city || age || age");
  EXPECT_EQ(r.fields, (std::vector<std::string>{"first name", "last name", "a`b", "after.city", "age"}));
  EXPECT_EQ(r.sql, "?1 || ?2 || ?3 || ?4 || ?5 || ?5");
}

TEST(SqlRewrite, UserParametersAreRefused) {
  EXPECT_THROW(sql::rewrite("age > ?"), wb::expr::ExpressionError);
  EXPECT_THROW(sql::rewrite("age > :min"), wb::expr::ExpressionError);
  EXPECT_THROW(sql::rewrite("'unterminated"), wb::expr::ExpressionError);
}

TEST(SqlEvaluate, TheIssueExamples) {
  EXPECT_EQ(eval("age > 20", R"({"age": 21})"), json(1));
  EXPECT_EQ(eval("age > 20", R"({"age": 20})"), json(0));
  EXPECT_EQ(eval("country_code || ' - ' || UPPER(country_name)",
                 R"({"country_code": "FR", "country_name": "France"})"),
            json("FR - FRANCE"));
  EXPECT_EQ(eval("CASE WHEN age < 18 THEN 'minor' WHEN age < 65 THEN 'adult' ELSE 'senior' END",
                 R"({"age": 40})"),
            json("adult"));
  EXPECT_EQ(eval("`after.country` || '!'", R"({"after": {"country": "US"}})"), json("US!"));
}

TEST(SqlEvaluate, BindingTypes) {
  std::string record = R"({"i": 7, "big": 18446744073709551615, "f": 2.5, "s": "héllo", "t": true,
                           "n": null, "o": {"k": [1, 2]}, "a": [1, "x"]})";
  EXPECT_EQ(eval("typeof(i) || typeof(f) || typeof(s) || typeof(t) || typeof(n) || typeof(missing)", record),
            json("integerrealtextintegernullnull"));
  EXPECT_EQ(eval("typeof(big)", record), json("real"));
  EXPECT_EQ(eval("i * 2", record), json(14));
  EXPECT_EQ(eval("f * 2", record), json(5.0));
  EXPECT_EQ(eval("length(s)", record), json(5));  // SQLite counts characters
  EXPECT_EQ(eval("t = 1", record), json(1));
  EXPECT_EQ(eval("n IS NULL AND missing IS NULL", record), json(1));
  EXPECT_EQ(eval("json_extract(o, '$.k[1]')", record), json(2));
  EXPECT_EQ(eval("json_array_length(a)", record), json(2));
  EXPECT_EQ(eval("o", record), json(R"({"k":[1,2]})"));  // objects bind as JSON text
}

TEST(SqlEvaluate, ResultTypes) {
  EXPECT_TRUE(eval("1 + 1", "{}").is_number_integer());
  EXPECT_TRUE(eval("1 / 2.0", "{}").is_number_float());
  EXPECT_EQ(eval("NULL", "{}"), json());
  EXPECT_EQ(eval("'x'", "{}"), json("x"));
  EXPECT_EQ(eval("X'6869'", "{}"), json("hi"));  // blobs come back as their bytes
}

TEST(SqlEvaluate, NestedPathsAndNamesWithDots) {
  std::string record = R"({"after": {"address": {"city": "Paris"}}, "a.b": 1, "items": [{"sku": "x"}]})";
  EXPECT_EQ(eval("`after.address.city`", record), json("Paris"));
  EXPECT_EQ(eval("after.address.city", record), json("Paris"));
  EXPECT_EQ(eval("`a.b`", record), json(1));            // a member named "a.b" wins
  EXPECT_EQ(eval("`items.0.sku`", record), json("x"));  // numeric segments index arrays
  EXPECT_EQ(eval("`after.nope.city`", record), json());
}

TEST(SqlEvaluate, CallerSuppliedFieldLookup) {
  // A transform applying its own path rules (here: "after.x" means "x" on a flat record).
  json record = json::parse(R"({"country": "US", "age": 30})");
  sql::Expression e = sql::compile("`after.country` || ':' || age");
  json v = e.evaluate([&](std::string_view field) -> const json* {
    std::string_view path = field.rfind("after.", 0) == 0 ? field.substr(6) : field;
    return sql::find_field(record, path);
  });
  EXPECT_EQ(v, json("US:30"));
  EXPECT_FALSE(e.is_true([](std::string_view) -> const json* { return nullptr; }));
}

TEST(SqlEvaluate, FieldNamesAreCaseSensitive) {
  EXPECT_EQ(eval("Age", R"({"age": 1, "Age": 2})"), json(2));
  EXPECT_EQ(eval("UPPER(name)", R"({"name": "x", "NAME": "y"})"), json("X"));
}

TEST(SqlEvaluate, ValuesAreNeverSplicedIntoSql) {
  EXPECT_EQ(eval("name", R"({"name": "x'); DROP TABLE t; --"})"), json("x'); DROP TABLE t; --"));
  EXPECT_EQ(eval("name = 'a'' OR ''1''=''1'", R"({"name": "a"})"), json(0));
}

TEST(SqlEvaluate, IsTrueLikeAWhereClause) {
  sql::Expression e = sql::compile("v");
  EXPECT_TRUE(e.is_true(json::parse(R"({"v": 1})")));
  EXPECT_TRUE(e.is_true(json::parse(R"({"v": -0.5})")));
  EXPECT_TRUE(e.is_true(json::parse(R"({"v": "1abc"})")));
  EXPECT_FALSE(e.is_true(json::parse(R"({"v": 0})")));
  EXPECT_FALSE(e.is_true(json::parse(R"({"v": "abc"})")));
  EXPECT_FALSE(e.is_true(json::parse(R"({"v": null})")));
  EXPECT_FALSE(e.is_true(json::parse("{}")));
  EXPECT_TRUE(e.is_true(json::parse(R"({"v": true})")));
}

TEST(SqlErrors, InvalidSqlAtCompileTimeWithColumn) {
  wb::expr::ExpressionError e = compile_error("age >> > 20");
  EXPECT_EQ(e.kind(), "sql");
  EXPECT_NE(e.message().find("syntax error"), std::string::npos) << e.message();
  ASSERT_TRUE(e.column().has_value());
  EXPECT_EQ(*e.column(), 7u);
  EXPECT_EQ(e.caret_diagram(), "age >> > 20\n       ^");

  EXPECT_NE(compile_error("nosuchfunction(a)").message().find("no such function"), std::string::npos);
  EXPECT_EQ(compile_error("1; DROP TABLE x").message(), "only one expression is allowed");
  EXPECT_NE(compile_error("a, b").message().find("single expression"), std::string::npos);
  EXPECT_EQ(compile_error("   ").message(), "empty expression");
  EXPECT_EQ(*compile_error("name = 'x").column(), 7u);  // unterminated string
}

TEST(SqlErrors, RuntimeFailureLeavesTheStatementUsable) {
  sql::Expression e = sql::compile("json_extract(doc, '$.a')");
  EXPECT_THROW(e.evaluate(json::parse(R"({"doc": "not json"})")), wb::expr::ExpressionError);
  EXPECT_EQ(e.evaluate(json::parse(R"({"doc": "{\"a\": 3}"})")), json(3));
}

TEST(SqlThreads, EachThreadHasItsOwnStatement) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 5000;
  sql::Expression e = sql::compile("a * 10 + b");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        json r = e.evaluate(json{{"a", t}, {"b", i}});
        if (r != json(t * 10 + i)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(SqlStatements, ManyExpressionsInOneThread) {
  // More expressions than the per-thread statement cache holds: it starts over, results stay right.
  std::vector<sql::Expression> all;
  for (int i = 0; i < static_cast<int>(sql::kMaxStatementsPerThread) + 10; ++i) {
    all.push_back(sql::compile("v + " + std::to_string(i)));
  }
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(all[i].evaluate(json{{"v", 1}}), json(1 + static_cast<int>(i)));
    }
  }
}

// --- the language-neutral interface ----------------------------------------------------------

TEST(Expression, BothLanguagesThroughOneInterface) {
  using wb::expr::Language;
  json record = json::parse(R"({"first": "ada", "last": "lovelace", "age": 36})");
  wb::expr::Compiled j = wb::expr::compile(Language::Jmespath, "concat([first, ' ', last])");
  wb::expr::Compiled s = wb::expr::compile(Language::Sql, "first || ' ' || last");
  EXPECT_EQ(j.evaluate(record), json("ada lovelace"));
  EXPECT_EQ(s.evaluate(record), json("ada lovelace"));
  EXPECT_EQ(j.language(), Language::Jmespath);
  EXPECT_EQ(s.language(), Language::Sql);
  EXPECT_EQ(s.text(), "first || ' ' || last");
  ASSERT_NE(s.as_sql(), nullptr);
  EXPECT_EQ(s.as_sql()->fields(), (std::vector<std::string>{"first", "last"}));
  EXPECT_EQ(j.as_sql(), nullptr);

  EXPECT_TRUE(wb::expr::compile(Language::Jmespath, "age > `20`").is_true(record));
  EXPECT_TRUE(wb::expr::compile(Language::Sql, "age > 20").is_true(record));
  EXPECT_FALSE(wb::expr::compile(Language::Sql, "age > 40").is_true(record));
  EXPECT_TRUE(wb::expr::compile(Language::Jmespath, "`0`").is_true(record));  // JMESPath: 0 is true
  EXPECT_FALSE(wb::expr::compile(Language::Sql, "0").is_true(record));        // SQL: 0 is false
}

TEST(Expression, LanguageNames) {
  EXPECT_EQ(wb::expr::language_from_name("SQL"), wb::expr::Language::Sql);
  EXPECT_EQ(wb::expr::language_from_name("jmespath"), wb::expr::Language::Jmespath);
  EXPECT_EQ(wb::expr::language_from_name("python"), std::nullopt);
  EXPECT_STREQ(wb::expr::to_string(wb::expr::Language::Sql), "sql");
}

TEST(Expression, ErrorsCarryKindAndColumnForBoth) {
  using wb::expr::Language;
  try {
    wb::expr::compile(Language::Jmespath, "upper(name, 1)");
    FAIL();
  } catch (const wb::expr::ExpressionError& e) {
    EXPECT_EQ(e.kind(), "syntax");  // '1' is not a JMESPath token: a syntax error at column 12
    EXPECT_EQ(e.column(), 12u);
  }
  try {
    wb::expr::compile(Language::Jmespath, "upper(name, `1`)");
    FAIL();
  } catch (const wb::expr::ExpressionError& e) {
    EXPECT_EQ(e.kind(), "invalid-arity");
    EXPECT_EQ(e.caret_diagram(), "upper(name, `1`)\n^");
  }
  try {
    wb::expr::compile(Language::Sql, "UPPER(name");
    FAIL();
  } catch (const wb::expr::ExpressionError& e) {
    EXPECT_EQ(e.kind(), "sql");
    EXPECT_TRUE(e.column().has_value());
  }
}

}  // namespace

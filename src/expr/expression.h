// One interface over both expression languages of a job: JMESPath and SQL.
//
//   auto filter = wb::expr::compile(wb::expr::Language::Sql, "age > 20");   // at load
//   if (filter.is_true(record)) ...                                          // per record
//   auto full = wb::expr::compile(Language::Jmespath, "concat([first, ' ', last])");
//   record["full_name"] = full.evaluate(record);
//
// compile() throws ExpressionError (expr/error.h) with the kind, the message and the column of
// the offending token; e.caret_diagram() draws the expression with a caret under it.
// A Compiled is a cheap copyable handle; evaluate()/is_true() are const and thread-safe.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "expr/error.h"
#include "expr/jmespath/expression.h"
#include "expr/sql/expression.h"

namespace wb::expr {

enum class Language { Jmespath, Sql };

// "jmespath" or "sql" (any case); nullopt otherwise.
std::optional<Language> language_from_name(std::string_view name);
const char* to_string(Language language);

class Compiled {
 public:
  Language language() const;
  const std::string& text() const;

  // The expression's value for this record.
  nlohmann::json evaluate(const nlohmann::json& record) const;

  // Whether the value counts as true: JMESPath's truthiness (not false/null/""/[]/{}) for
  // JMESPath, SQLite's (non-NULL, non-zero) for SQL. What filter blocks ask.
  bool is_true(const nlohmann::json& record) const;

  // The engine-specific expression, for callers that need more (e.g. the fields an SQL
  // expression reads).
  const jmespath::Expression* as_jmespath() const { return std::get_if<jmespath::Expression>(&impl_); }
  const sql::Expression* as_sql() const { return std::get_if<sql::Expression>(&impl_); }

 private:
  friend Compiled compile(Language language, std::string_view text);
  explicit Compiled(jmespath::Expression e) : impl_(std::move(e)) {}
  explicit Compiled(sql::Expression e) : impl_(std::move(e)) {}
  std::variant<jmespath::Expression, sql::Expression> impl_;
};

// Throws ExpressionError.
Compiled compile(Language language, std::string_view text);

}  // namespace wb::expr

// Expression syntax checks for the loader (see expression_checks.h).
#include "transform/expression_checks.h"

namespace wb::transform {

expr::Language to_expr_language(config::Language language) {
  return language == config::Language::kSql ? expr::Language::Sql : expr::Language::Jmespath;
}

size_t byte_offset_of_column(std::string_view text, size_t column) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (seen == column) return i;
    ++seen;
  }
  return text.size();
}

std::string describe(const expr::ExpressionError& e) {
  // JMESPath's kinds are the compliance suite's (syntax, unknown-function, invalid-arity, ...);
  // SQL's only kind is "sql", which the message's "invalid sql expression" already says.
  return e.kind() == "sql" ? e.message() : e.kind() + ": " + e.message();
}

std::optional<config::ExpressionProblem> check_expression(const config::Expression& x) {
  try {
    expr::compile(to_expr_language(x.language), x.text);
    return std::nullopt;
  } catch (const expr::ExpressionError& e) {
    return config::ExpressionProblem{byte_offset_of_column(x.text, e.column().value_or(0)), describe(e)};
  }
}

void register_expression_checkers(config::ExpressionCheckers& checkers) {
  checkers.set(config::Language::kJmespath, check_expression);
  checkers.set(config::Language::kSql, check_expression);
}

}  // namespace wb::transform

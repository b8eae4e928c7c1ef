// The expression syntax checks of validate and deploy: plugs the expression engines (src/expr)
// into the pipeline loader's seam (config/expression_checks.h), so that a bad expression — in a
// filter, add_field, map, a redis.write key or a foreach — is reported at file:line:col with the
// expression and a caret under the offending character.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/expression_checks.h"
#include "expr/expression.h"

namespace wb::transform {

expr::Language to_expr_language(config::Language language);

// Compiles the expression; the problem (byte offset in x.text, message) when it does not compile.
std::optional<config::ExpressionProblem> check_expression(const config::Expression& x);

// "<kind>: <message>" for JMESPath ("unknown-function: unknown function concatt()"), the message
// for SQL (SQLite's own).
std::string describe(const expr::ExpressionError& e);

// Registers check_expression for both languages (default: the loader's process-wide registry).
void register_expression_checkers(config::ExpressionCheckers& checkers = config::default_expression_checkers());

// The byte offset in text of code point `column` (text.size() past the end).
size_t byte_offset_of_column(std::string_view text, size_t column);

}  // namespace wb::transform

// JMESPath parser: tokens -> tree (a Pratt parser with the binding powers of the specification).
//
// Compile-time checks happen here: syntax, unknown functions, arity, a zero slice step, and each
// function's own preparation (a literal regex_replace pattern or filter_entries predicate is
// compiled once, here).
#pragma once
#include <string_view>

#include "expr/jmespath/ast.h"

namespace wb::expr::jmespath {

// Throws jmespath::Error.
NodePtr parse(std::string_view expression);

}  // namespace wb::expr::jmespath

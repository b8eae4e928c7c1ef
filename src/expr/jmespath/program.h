// Program: an expression's text and its tree, shared (immutable) by every copy of an Expression
// and by the functions that keep a compiled sub-expression (filter_entries' predicate).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "expr/jmespath/ast.h"

namespace wb::expr::jmespath {

struct Program {
  std::string text;
  NodePtr root;
};

// Parses `text` (throws jmespath::Error).
std::shared_ptr<const Program> compile_program(std::string_view text);

}  // namespace wb::expr::jmespath

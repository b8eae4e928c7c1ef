// JMESPath error kinds and their names.
#include "expr/jmespath/error.h"

namespace wb::expr::jmespath {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Syntax: return "syntax";
    case ErrorKind::InvalidType: return "invalid-type";
    case ErrorKind::InvalidValue: return "invalid-value";
    case ErrorKind::InvalidArity: return "invalid-arity";
    case ErrorKind::UnknownFunction: return "unknown-function";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, std::string message, std::string_view expression,
             std::size_t byte_offset)
    : ExpressionError(to_string(kind), std::move(message), std::string(expression),
                      column_of_byte(expression, byte_offset)),
      kind_(kind) {}

}  // namespace wb::expr::jmespath

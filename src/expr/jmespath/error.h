// JMESPath errors, with the kinds of the compliance suite.
//
// Syntax, unknown-function, invalid-arity and invalid-value (a zero slice step) are found when the
// expression is compiled; invalid-type (and the invalid-value of a custom function given bad data)
// when it is evaluated. All carry the column of the offending token.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "expr/error.h"

namespace wb::expr::jmespath {

enum class ErrorKind { Syntax, InvalidType, InvalidValue, InvalidArity, UnknownFunction };

// The compliance suite's name: "syntax", "invalid-type", "invalid-value", "invalid-arity",
// "unknown-function".
const char* to_string(ErrorKind kind);

class Error : public ExpressionError {
 public:
  // byte_offset: where in `expression` the offending token starts (turned into a column).
  Error(ErrorKind kind, std::string message, std::string_view expression, std::size_t byte_offset);

  ErrorKind error_kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace wb::expr::jmespath

// ExpressionError: the one exception type of the expression engines (JMESPath and SQL).
//
// It carries the expression text and the 0-based column (in code points) of the offending token,
// so that whoever reports it (config validation, `writebehind eval`) can print the expression with
// a caret under the column:
//
//     upper(name, 1)
//     ^
#pragma once
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wb::expr {

class ExpressionError : public std::runtime_error {
 public:
  // kind: a short tag ("syntax", "invalid-type", "sql", ...); column: code points from the start
  // of the expression, nullopt when the engine cannot tell.
  ExpressionError(std::string kind, std::string message, std::string expression,
                  std::optional<std::size_t> column);

  const std::string& kind() const { return kind_; }
  const std::string& message() const { return message_; }  // what() without kind and column
  const std::string& expression() const { return expression_; }
  std::optional<std::size_t> column() const { return column_; }

  // The expression's line holding the column, and a caret under it; empty without a column.
  std::string caret_diagram() const;

 private:
  std::string kind_;
  std::string message_;
  std::string expression_;
  std::optional<std::size_t> column_;
};

// The line of `text` holding code point `column`, then a line with a caret under it (no trailing
// newline). Multi-line expressions (YAML block scalars) show only the offending line.
std::string caret_diagram(std::string_view text, std::size_t column);

// Code points in text[0, byte_offset): turns a byte position into a column.
std::size_t column_of_byte(std::string_view text, std::size_t byte_offset);

}  // namespace wb::expr

// ExpressionError and the caret diagram that points at the offending column.
#include "expr/error.h"

#include <algorithm>

namespace wb::expr {
namespace {

bool is_continuation_byte(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string describe(const std::string& kind, const std::string& message,
                     std::optional<std::size_t> column) {
  std::string text = kind + " error";
  if (column) text += " at column " + std::to_string(*column);
  return text + ": " + message;
}

}  // namespace

ExpressionError::ExpressionError(std::string kind, std::string message, std::string expression,
                                 std::optional<std::size_t> column)
    : std::runtime_error(describe(kind, message, column)),
      kind_(std::move(kind)),
      message_(std::move(message)),
      expression_(std::move(expression)),
      column_(column) {}

std::string ExpressionError::caret_diagram() const {
  if (!column_) return {};
  return expr::caret_diagram(expression_, *column_);
}

std::size_t column_of_byte(std::string_view text, std::size_t byte_offset) {
  byte_offset = std::min(byte_offset, text.size());
  std::size_t column = 0;
  for (std::size_t i = 0; i < byte_offset; ++i) {
    if (!is_continuation_byte(static_cast<unsigned char>(text[i]))) ++column;
  }
  return column;
}

std::string caret_diagram(std::string_view text, std::size_t column) {
  // Walk code points to find the line holding the column and the column within that line.
  std::size_t line_start = 0;
  std::size_t column_in_line = 0;
  std::size_t seen = 0;
  std::size_t i = 0;
  for (; i < text.size() && seen < column; ++i) {
    if (is_continuation_byte(static_cast<unsigned char>(text[i]))) continue;
    ++seen;
    if (text[i] == '\n') {
      line_start = i + 1;
      column_in_line = 0;
    } else {
      ++column_in_line;
    }
  }
  std::size_t line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = text.size();
  std::string out(text.substr(line_start, line_end - line_start));
  out += '\n';
  out.append(column_in_line, ' ');
  out += '^';
  return out;
}

}  // namespace wb::expr

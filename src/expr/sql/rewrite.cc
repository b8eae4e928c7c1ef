// Tokenizer that finds the fields of an SQL expression (see rewrite.h).
#include "expr/sql/rewrite.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "expr/error.h"

namespace wb::expr::sql {
namespace {

// Keywords that can appear inside an SQLite expression. Other SQLite keywords (KEY, ACTION,
// AFTER, ...) are fallback identifiers in SQLite too, so as bare words they are fields here.
constexpr std::array<std::string_view, 35> kExpressionKeywords = {
    "AND",        "OR",           "NOT",          "NULL",    "IS",       "IN",
    "LIKE",       "GLOB",         "REGEXP",       "MATCH",   "BETWEEN",  "CASE",
    "WHEN",       "THEN",         "ELSE",         "END",     "CAST",     "AS",
    "ESCAPE",     "COLLATE",      "EXISTS",       "SELECT",  "FROM",     "WHERE",
    "DISTINCT",   "TRUE",         "FALSE",        "ISNULL",  "NOTNULL",  "CURRENT_DATE",
    "CURRENT_TIME", "CURRENT_TIMESTAMP", "ALL",   "RAISE",   "FILTER",
};

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) {
  return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

bool is_keyword(std::string_view word) {
  std::string upper;
  for (char c : word) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::find(kExpressionKeywords.begin(), kExpressionKeywords.end(), upper) !=
         kExpressionKeywords.end();
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

class Rewriter {
 public:
  explicit Rewriter(std::string_view text) : text_(text) {}

  Rewritten run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\'') {
        copy_quoted('\'');
      } else if (c == '"' || c == '`' || c == '[') {
        std::size_t start = pos_;
        std::string name = quoted_name(c == '[' ? ']' : c);
        emit_field(name, start);
      } else if (c == '-' && peek(1) == '-') {
        std::size_t end = text_.find('\n', pos_);
        copy_until(end == std::string_view::npos ? text_.size() : end);
      } else if (c == '/' && peek(1) == '*') {
        std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) fail("unterminated /* comment", pos_);
        copy_until(end + 2);
      } else if (c == '?' || ((c == ':' || c == '@' || c == '$') && is_ident_start(peek(1)))) {
        fail("parameters are not allowed in an expression; name the record's fields instead",
             pos_);
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
        copy_number();
      } else if (is_ident_start(c)) {
        word();
      } else {
        if (c == '(') {
          parens_.push_back(cast_pending_);
          cast_pending_ = false;
        } else if (c == ')' && !parens_.empty()) {
          parens_.pop_back();
        }
        copy_until(pos_ + 1);
      }
    }
    return std::move(out_);
  }

 private:
  char peek(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  [[noreturn]] void fail(const std::string& message, std::size_t at) const {
    throw ExpressionError("sql", message, std::string(text_), column_of_byte(text_, at));
  }

  void copy_until(std::size_t end) {
    for (; pos_ < end; ++pos_) {
      out_.sql += text_[pos_];
      out_.origin.push_back(pos_);
    }
  }

  void emit(std::string_view s, std::size_t origin) {
    out_.sql += s;
    out_.origin.insert(out_.origin.end(), s.size(), origin);
  }

  // 'text' with '' as an escaped quote, copied verbatim.
  void copy_quoted(char quote) {
    std::size_t start = pos_;
    std::size_t i = pos_ + 1;
    while (true) {
      if (i >= text_.size()) fail("unterminated string literal", start);
      if (text_[i] == quote) {
        if (i + 1 < text_.size() && text_[i + 1] == quote) {
          i += 2;
          continue;
        }
        break;
      }
      ++i;
    }
    copy_until(i + 1);
  }

  // "name", `name` or [name]; a doubled closing quote is one character (not for brackets).
  std::string quoted_name(char close) {
    std::size_t start = pos_;
    std::string name;
    std::size_t i = pos_ + 1;
    while (true) {
      if (i >= text_.size()) fail(std::string("unterminated quoted name (missing ") + close + ")", start);
      if (text_[i] == close) {
        if (close != ']' && i + 1 < text_.size() && text_[i + 1] == close) {
          name += close;
          i += 2;
          continue;
        }
        break;
      }
      name += text_[i++];
    }
    pos_ = i + 1;
    return name;
  }

  void copy_number() {
    std::size_t i = pos_;
    bool hex = text_[i] == '0' && (peek(1) == 'x' || peek(1) == 'X');
    if (hex) i += 2;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_') {
        ++i;
      } else if (!hex && (c == '+' || c == '-') && (text_[i - 1] == 'e' || text_[i - 1] == 'E')) {
        ++i;
      } else {
        break;
      }
    }
    copy_until(i);
  }

  std::size_t skip_space(std::size_t i) const {
    while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    return i;
  }

  std::string_view bare_word(std::size_t& i) const {
    std::size_t start = i;
    while (i < text_.size() && is_ident_char(text_[i])) ++i;
    return text_.substr(start, i - start);
  }

  void word() {
    std::size_t start = pos_;
    std::size_t end = pos_;
    std::string_view w = bare_word(end);
    // X'00ff': a blob literal.
    if (w.size() == 1 && (w[0] == 'x' || w[0] == 'X') && end < text_.size() && text_[end] == '\'') {
      copy_until(end);
      copy_quoted('\'');
      return;
    }
    std::size_t after = skip_space(end);
    bool is_function = after < text_.size() && text_[after] == '(';
    if (is_keyword(w) || is_function) {
      copy_until(end);
      if (equals_ignore_case(w, "COLLATE")) copy_next_word();
      if (equals_ignore_case(w, "AS") && in_cast()) copy_type_name();
      cast_pending_ = equals_ignore_case(w, "CAST");
      return;
    }
    // a.b.c: a path into nested objects.
    std::string path(w);
    while (end < text_.size() && text_[end] == '.' && end + 1 < text_.size() &&
           is_ident_start(text_[end + 1])) {
      ++end;
      path += '.';
      path += bare_word(end);
    }
    pos_ = end;
    emit_field(path, start);
  }

  void copy_next_word() {
    std::size_t i = skip_space(pos_);
    std::size_t end = i;
    bare_word(end);
    copy_until(end);
  }

  // The type of CAST(x AS type): words and a (precision) up to the closing parenthesis.
  void copy_type_name() {
    std::size_t depth = 0;
    std::size_t i = pos_;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '(') ++depth;
      if (c == ')') {
        if (depth == 0) break;
        --depth;
      }
      ++i;
    }
    copy_until(i);
  }

  // True when the innermost open parenthesis is CAST's: tells CAST's AS from other uses.
  bool in_cast() const { return !parens_.empty() && parens_.back(); }

  void emit_field(const std::string& name, std::size_t origin) {
    auto it = std::find(out_.fields.begin(), out_.fields.end(), name);
    std::size_t index = static_cast<std::size_t>(it - out_.fields.begin());
    if (it == out_.fields.end()) out_.fields.push_back(name);
    emit("?" + std::to_string(index + 1), origin);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Rewritten out_;
  std::vector<bool> parens_;   // for each '(' still open: is it CAST's
  bool cast_pending_ = false;  // the last word was CAST: the next '(' is its
};

}  // namespace

Rewritten rewrite(std::string_view text) { return Rewriter(text).run(); }

}  // namespace wb::expr::sql

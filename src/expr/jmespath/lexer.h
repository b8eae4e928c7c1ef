// JMESPath lexer: expression text -> tokens, each with the byte offset where it starts.
//
// Literals are decoded here: `json` literals are parsed (with the deprecated JEP-12 fallback that
// python-jmespath and RDI's documentation rely on: text in backticks that is not JSON is a string,
// as in filter_entries(@, `key == 'name'`)), 'raw strings' unescaped, "quoted identifiers" decoded
// as JSON strings (so \u escapes work).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace wb::expr::jmespath {

enum class TokenType {
  Eof, UnquotedIdentifier, QuotedIdentifier, Literal, RBracket, RParen, Comma, RBrace, Number,
  Current, Expref, Colon, Pipe, Or, And, Eq, Gt, Lt, Gte, Lte, Ne, Flatten, Star, Filter, Dot, Not,
  LBrace, LBracket, LParen,
};

const char* to_string(TokenType type);

struct Token {
  TokenType type = TokenType::Eof;
  std::size_t start = 0;     // byte offset in the expression
  std::string text;          // identifier name (decoded for quoted ones), or the operator text
  nlohmann::json literal;    // Literal tokens
  std::int64_t number = 0;   // Number tokens
};

// Throws jmespath::Error (syntax) on an unknown character, an unterminated literal or quoted
// identifier, invalid JSON in a quoted identifier, or an empty expression.
std::vector<Token> tokenize(std::string_view expression);

}  // namespace wb::expr::jmespath

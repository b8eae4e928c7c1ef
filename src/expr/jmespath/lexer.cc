// JMESPath lexer. Follows the grammar of the specification; token boundaries and the literal
// fallback match the reference implementation (python-jmespath) so both accept the same text.
#include "expr/jmespath/lexer.h"

#include <cerrno>
#include <cstdlib>

#include "expr/jmespath/error.h"

namespace wb::expr::jmespath {
namespace {

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_identifier_char(char c) { return is_identifier_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view expression) : text_(expression) {}

  std::vector<Token> run() {
    if (text_.empty()) throw Error(ErrorKind::Syntax, "empty expression", text_, 0);
    std::vector<Token> tokens;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      std::size_t start = pos_;
      switch (c) {
        case '.': tokens.push_back(simple(TokenType::Dot)); continue;
        case '*': tokens.push_back(simple(TokenType::Star)); continue;
        case ']': tokens.push_back(simple(TokenType::RBracket)); continue;
        case ',': tokens.push_back(simple(TokenType::Comma)); continue;
        case ':': tokens.push_back(simple(TokenType::Colon)); continue;
        case '@': tokens.push_back(simple(TokenType::Current)); continue;
        case '(': tokens.push_back(simple(TokenType::LParen)); continue;
        case ')': tokens.push_back(simple(TokenType::RParen)); continue;
        case '{': tokens.push_back(simple(TokenType::LBrace)); continue;
        case '}': tokens.push_back(simple(TokenType::RBrace)); continue;
        case '[':
          if (peek(1) == ']') {
            tokens.push_back(make(TokenType::Flatten, start, "[]"));
            pos_ += 2;
          } else if (peek(1) == '?') {
            tokens.push_back(make(TokenType::Filter, start, "[?"));
            pos_ += 2;
          } else {
            tokens.push_back(simple(TokenType::LBracket));
          }
          continue;
        case '\'': tokens.push_back(raw_string()); continue;
        case '`': tokens.push_back(json_literal()); continue;
        case '"': tokens.push_back(quoted_identifier()); continue;
        case '|': tokens.push_back(one_or_two('|', TokenType::Or, TokenType::Pipe)); continue;
        case '&': tokens.push_back(one_or_two('&', TokenType::And, TokenType::Expref)); continue;
        case '<': tokens.push_back(one_or_two('=', TokenType::Lte, TokenType::Lt)); continue;
        case '>': tokens.push_back(one_or_two('=', TokenType::Gte, TokenType::Gt)); continue;
        case '!': tokens.push_back(one_or_two('=', TokenType::Ne, TokenType::Not)); continue;
        case '=':
          if (peek(1) == '=') {
            tokens.push_back(make(TokenType::Eq, start, "=="));
            pos_ += 2;
            continue;
          }
          throw Error(ErrorKind::Syntax, "unknown token '=' (did you mean '=='?)", text_, start);
        default: break;
      }
      if (is_identifier_start(c)) {
        while (pos_ < text_.size() && is_identifier_char(text_[pos_])) ++pos_;
        tokens.push_back(make(TokenType::UnquotedIdentifier, start,
                              std::string(text_.substr(start, pos_ - start))));
      } else if (is_whitespace(c)) {
        ++pos_;
      } else if (is_digit(c) || c == '-') {
        tokens.push_back(number());
      } else {
        throw Error(ErrorKind::Syntax, "unknown token '" + std::string(1, c) + "'", text_, start);
      }
    }
    tokens.push_back(make(TokenType::Eof, text_.size(), ""));
    return tokens;
  }

 private:
  char peek(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  static Token make(TokenType type, std::size_t start, std::string text) {
    Token t;
    t.type = type;
    t.start = start;
    t.text = std::move(text);
    return t;
  }

  Token simple(TokenType type) {
    Token t = make(type, pos_, std::string(1, text_[pos_]));
    ++pos_;
    return t;
  }

  Token one_or_two(char second, TokenType two, TokenType one) {
    std::size_t start = pos_;
    if (peek(1) == second) {
      pos_ += 2;
      return make(two, start, std::string(text_.substr(start, 2)));
    }
    ++pos_;
    return make(one, start, std::string(1, text_[start]));
  }

  Token number() {
    std::size_t start = pos_;
    ++pos_;  // the first digit or '-'
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    std::string digits(text_.substr(start, pos_ - start));
    if (digits == "-") throw Error(ErrorKind::Syntax, "unknown token '-'", text_, start);
    errno = 0;
    long long value = std::strtoll(digits.c_str(), nullptr, 10);
    if (errno == ERANGE) throw Error(ErrorKind::Syntax, "number out of range", text_, start);
    Token t = make(TokenType::Number, start, digits);
    t.number = value;
    return t;
  }

  // Text up to the closing delimiter; a backslash keeps itself and the character after it (so an
  // escaped delimiter does not close). Leaves pos_ after the closing delimiter.
  std::string until(char delimiter) {
    std::size_t start = pos_;
    std::string buffer;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        throw Error(ErrorKind::Syntax, std::string("unclosed ") + delimiter + " delimiter", text_,
                    start);
      }
      char c = text_[pos_];
      if (c == delimiter) break;
      if (c == '\\') {
        buffer += '\\';
        ++pos_;
        if (pos_ >= text_.size()) continue;  // reported as unclosed above
        c = text_[pos_];
      }
      buffer += c;
      ++pos_;
    }
    ++pos_;
    return buffer;
  }

  Token raw_string() {
    std::size_t start = pos_;
    std::string value = until('\'');
    replace_all(value, "\\'", "'");
    Token t = make(TokenType::Literal, start, "");
    t.literal = std::move(value);
    return t;
  }

  Token json_literal() {
    std::size_t start = pos_;
    std::string lexeme = until('`');
    replace_all(lexeme, "\\`", "`");
    Token t = make(TokenType::Literal, start, "");
    t.literal = nlohmann::json::parse(lexeme, nullptr, /*allow_exceptions=*/false);
    if (t.literal.is_discarded()) {
      // JEP-12 deprecation period: text that is not JSON is taken as a JSON string's contents.
      std::size_t first = lexeme.find_first_not_of(" \t\n\r");
      std::string quoted = "\"" + (first == std::string::npos ? "" : lexeme.substr(first)) + "\"";
      t.literal = nlohmann::json::parse(quoted, nullptr, false);
      if (t.literal.is_discarded()) {
        throw Error(ErrorKind::Syntax, "invalid JSON literal `" + lexeme + "`", text_, start);
      }
    }
    return t;
  }

  Token quoted_identifier() {
    std::size_t start = pos_;
    std::string lexeme = "\"" + until('"') + "\"";
    nlohmann::json name = nlohmann::json::parse(lexeme, nullptr, false);
    if (name.is_discarded() || !name.is_string()) {
      throw Error(ErrorKind::Syntax, "invalid quoted identifier " + lexeme, text_, start);
    }
    return make(TokenType::QuotedIdentifier, start, name.get<std::string>());
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

const char* to_string(TokenType type) {
  switch (type) {
    case TokenType::Eof: return "end of expression";
    case TokenType::UnquotedIdentifier: return "identifier";
    case TokenType::QuotedIdentifier: return "quoted identifier";
    case TokenType::Literal: return "literal";
    case TokenType::RBracket: return "']'";
    case TokenType::RParen: return "')'";
    case TokenType::Comma: return "','";
    case TokenType::RBrace: return "'}'";
    case TokenType::Number: return "number";
    case TokenType::Current: return "'@'";
    case TokenType::Expref: return "'&'";
    case TokenType::Colon: return "':'";
    case TokenType::Pipe: return "'|'";
    case TokenType::Or: return "'||'";
    case TokenType::And: return "'&&'";
    case TokenType::Eq: return "'=='";
    case TokenType::Gt: return "'>'";
    case TokenType::Lt: return "'<'";
    case TokenType::Gte: return "'>='";
    case TokenType::Lte: return "'<='";
    case TokenType::Ne: return "'!='";
    case TokenType::Flatten: return "'[]'";
    case TokenType::Star: return "'*'";
    case TokenType::Filter: return "'[?'";
    case TokenType::Dot: return "'.'";
    case TokenType::Not: return "'!'";
    case TokenType::LBrace: return "'{'";
    case TokenType::LBracket: return "'['";
    case TokenType::LParen: return "'('";
  }
  return "token";
}

std::vector<Token> tokenize(std::string_view expression) { return Lexer(expression).run(); }

}  // namespace wb::expr::jmespath

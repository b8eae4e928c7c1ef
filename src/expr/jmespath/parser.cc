// JMESPath parser. Each token has a binding power; nud() starts an expression with a token,
// led() continues one; a projection's right side stops at tokens binding weaker than
// kProjectionStop (so `a[*].b | c` projects b, then pipes the whole result to c).
#include "expr/jmespath/parser.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "expr/jmespath/error.h"
#include "expr/jmespath/functions.h"
#include "expr/jmespath/lexer.h"

namespace wb::expr::jmespath {
namespace {

constexpr int kProjectionStop = 10;
// Nesting allowed, in parser recursion and in tree depth (each level is a recursion of the
// evaluator): deep enough for any real expression, shallow enough never to exhaust a stack.
constexpr int kMaxNesting = 256;

int binding_power(TokenType type) {
  switch (type) {
    case TokenType::Pipe: return 1;
    case TokenType::Or: return 2;
    case TokenType::And: return 3;
    case TokenType::Eq:
    case TokenType::Ne:
    case TokenType::Lt:
    case TokenType::Lte:
    case TokenType::Gt:
    case TokenType::Gte: return 5;
    case TokenType::Flatten: return 9;
    case TokenType::Star: return 20;
    case TokenType::Filter: return 21;
    case TokenType::Dot: return 40;
    case TokenType::Not: return 45;
    case TokenType::LBrace: return 50;
    case TokenType::LBracket: return 55;
    case TokenType::LParen: return 60;
    default: return 0;  // everything that ends an expression
  }
}

NodePtr make(NodeKind kind, std::size_t position) { return std::make_unique<Node>(kind, position); }

// Adds a child, keeping the parent's depth (evaluation recurses that deep).
void adopt(Node& parent, NodePtr child) {
  parent.depth = std::max(parent.depth, child->depth + 1);
  parent.children.push_back(std::move(child));
}

NodePtr make(NodeKind kind, std::size_t position, NodePtr a, NodePtr b = nullptr,
             NodePtr c = nullptr) {
  NodePtr n = make(kind, position);
  adopt(*n, std::move(a));
  if (b) adopt(*n, std::move(b));
  if (c) adopt(*n, std::move(c));
  return n;
}

// Appends `next` to a chain's children, flattening nested chains and folding field after field
// into one path (a.b.c walks the record without intermediate results).
void append_to_chain(Node& chain, NodePtr next) {
  if (next->kind == NodeKind::Chain) {
    for (NodePtr& child : next->children) append_to_chain(chain, std::move(child));
    return;
  }
  if (next->kind == NodeKind::Field && !chain.children.empty() &&
      chain.children.back()->kind == NodeKind::Field) {
    auto& names = chain.children.back()->names;
    names.insert(names.end(), next->names.begin(), next->names.end());
    return;
  }
  adopt(chain, std::move(next));
}

// left then right, as one node: evaluation applies right to left's result.
NodePtr chain(NodePtr left, NodePtr right) {
  if (left->kind == NodeKind::Current) return right;
  NodePtr c = make(NodeKind::Chain, left->position);
  append_to_chain(*c, std::move(left));
  append_to_chain(*c, std::move(right));
  if (c->children.size() == 1) return std::move(c->children.front());
  return c;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  NodePtr parse_all() {
    NodePtr root = expression(0);
    if (current() != TokenType::Eof) fail(token(), "unexpected " + describe(token()));
    // Unknown functions, arity and function preparation are checked once the whole text parses:
    // a syntax error anywhere is the more useful report.
    std::sort(calls_.begin(), calls_.end(),
              [](const Node* a, const Node* b) { return a->position < b->position; });
    for (Node* call : calls_) check_call(*call);
    return root;
  }

 private:
  // --- token access -------------------------------------------------------------------------
  const Token& token(std::size_t ahead = 0) const {
    std::size_t i = index_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  TokenType current() const { return token().type; }
  TokenType lookahead(std::size_t n) const { return token(n).type; }
  void advance() {
    if (index_ + 1 < tokens_.size()) ++index_;
  }
  void match(TokenType type) {
    if (current() != type) {
      fail(token(), std::string("expected ") + to_string(type) + ", got " + describe(token()));
    }
    advance();
  }

  static std::string describe(const Token& t) {
    if (t.type == TokenType::UnquotedIdentifier || t.type == TokenType::QuotedIdentifier) {
      return std::string(to_string(t.type)) + " '" + t.text + "'";
    }
    return to_string(t.type);
  }

  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    throw Error(ErrorKind::Syntax, message, text_, at.start);
  }

  // --- Pratt core ---------------------------------------------------------------------------
  NodePtr expression(int bp) {
    if (++depth_ > kMaxNesting) fail(token(), "expression nested too deeply");
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    const Token& left_token = token();  // tokens_ never changes while parsing
    advance();
    NodePtr left = nud(left_token);
    while (bp < binding_power(current())) {
      left = led(std::move(left));
      if (left->depth > kMaxNesting) fail(token(), "expression nested too deeply");
    }
    return left;
  }

  NodePtr nud(const Token& t) {
    switch (t.type) {
      case TokenType::Literal: {
        NodePtr n = make(NodeKind::Literal, t.start);
        n->literal = t.literal;
        return n;
      }
      case TokenType::UnquotedIdentifier: return field(t);
      case TokenType::QuotedIdentifier:
        if (current() == TokenType::LParen) {
          fail(t, "a quoted identifier cannot name a function");
        }
        return field(t);
      case TokenType::Star: {
        NodePtr right = current() == TokenType::RBracket
                            ? make(NodeKind::Current, t.start)
                            : projection_rhs(binding_power(TokenType::Star));
        return make(NodeKind::ValueProjection, t.start, make(NodeKind::Current, t.start),
                    std::move(right));
      }
      case TokenType::Filter: return filter(make(NodeKind::Current, t.start), t);
      case TokenType::LBrace: return multi_select_hash(t);
      case TokenType::LParen: {
        NodePtr inner = expression(0);
        match(TokenType::RParen);
        return inner;
      }
      case TokenType::Flatten: {
        NodePtr flat = make(NodeKind::Flatten, t.start, make(NodeKind::Current, t.start));
        return make(NodeKind::Projection, t.start, std::move(flat),
                    projection_rhs(binding_power(TokenType::Flatten)));
      }
      case TokenType::Not:
        return make(NodeKind::Not, t.start, expression(binding_power(TokenType::Not)));
      case TokenType::LBracket:
        if (current() == TokenType::Number || current() == TokenType::Colon) {
          return index_or_slice(make(NodeKind::Current, t.start));
        }
        if (current() == TokenType::Star && lookahead(1) == TokenType::RBracket) {
          advance();
          advance();
          return make(NodeKind::Projection, t.start, make(NodeKind::Current, t.start),
                      projection_rhs(binding_power(TokenType::Star)));
        }
        return multi_select_list(t);
      case TokenType::Current: return make(NodeKind::Current, t.start);
      case TokenType::Expref: return make(NodeKind::Expref, t.start, expression(0));
      case TokenType::Eof: fail(t, "unexpected end of expression");
      default: fail(t, "unexpected " + describe(t));
    }
  }

  NodePtr led(NodePtr left) {
    const Token& t = token();
    switch (t.type) {
      case TokenType::Dot:
        advance();
        if (current() == TokenType::Star) {
          advance();
          return make(NodeKind::ValueProjection, t.start, std::move(left),
                      projection_rhs(binding_power(TokenType::Dot)));
        }
        return chain(std::move(left), dot_rhs(binding_power(TokenType::Dot)));
      case TokenType::Pipe:
        advance();
        return chain(std::move(left), expression(binding_power(TokenType::Pipe)));
      case TokenType::Or:
        advance();
        return make(NodeKind::Or, t.start, std::move(left),
                    expression(binding_power(TokenType::Or)));
      case TokenType::And:
        advance();
        return make(NodeKind::And, t.start, std::move(left),
                    expression(binding_power(TokenType::And)));
      case TokenType::LParen:
        advance();
        return function_call(std::move(left), t);
      case TokenType::Filter:
        advance();
        return filter(std::move(left), t);
      case TokenType::Eq: return comparator(std::move(left), Comparator::Eq);
      case TokenType::Ne: return comparator(std::move(left), Comparator::Ne);
      case TokenType::Lt: return comparator(std::move(left), Comparator::Lt);
      case TokenType::Lte: return comparator(std::move(left), Comparator::Lte);
      case TokenType::Gt: return comparator(std::move(left), Comparator::Gt);
      case TokenType::Gte: return comparator(std::move(left), Comparator::Gte);
      case TokenType::Flatten: {
        advance();
        NodePtr flat = make(NodeKind::Flatten, t.start, std::move(left));
        return make(NodeKind::Projection, t.start, std::move(flat),
                    projection_rhs(binding_power(TokenType::Flatten)));
      }
      case TokenType::LBracket:
        advance();
        if (current() == TokenType::Number || current() == TokenType::Colon) {
          return index_or_slice(std::move(left));
        }
        match(TokenType::Star);
        match(TokenType::RBracket);
        return make(NodeKind::Projection, t.start, std::move(left),
                    projection_rhs(binding_power(TokenType::Star)));
      default: fail(t, "unexpected " + describe(t));
    }
  }

  // --- pieces -------------------------------------------------------------------------------
  static NodePtr field(const Token& t) {
    NodePtr n = make(NodeKind::Field, t.start);
    n->names.push_back(t.text);
    return n;
  }

  NodePtr comparator(NodePtr left, Comparator op) {
    std::size_t position = token().start;
    advance();
    NodePtr n = make(NodeKind::Comparator, position, std::move(left),
                     expression(binding_power(TokenType::Eq)));
    n->comparator = op;
    return n;
  }

  // After '[' with a number or ':' next. An index applies to left; a slice projects.
  NodePtr index_or_slice(NodePtr left) {
    if (current() == TokenType::Colon || lookahead(1) == TokenType::Colon) {
      NodePtr slice = slice_expression();
      NodePtr base = chain(std::move(left), std::move(slice));
      std::size_t position = base->position;
      return make(NodeKind::Projection, position, std::move(base),
                  projection_rhs(binding_power(TokenType::Star)));
    }
    NodePtr index = make(NodeKind::Index, token().start);
    index->index = token().number;
    advance();
    match(TokenType::RBracket);
    return chain(std::move(left), std::move(index));
  }

  NodePtr slice_expression() {
    NodePtr n = make(NodeKind::Slice, token().start);
    std::optional<std::int64_t>* parts[] = {&n->start, &n->stop, &n->step};
    int part = 0;
    std::size_t step_position = token().start;
    while (current() != TokenType::RBracket) {
      if (current() == TokenType::Colon) {
        ++part;
        if (part == 3) fail(token(), "too many ':' in slice");
        advance();
      } else if (current() == TokenType::Number && !parts[part]->has_value()) {
        if (part == 2) step_position = token().start;
        *parts[part] = token().number;
        advance();
      } else {
        fail(token(), "unexpected " + describe(token()) + " in slice");
      }
    }
    match(TokenType::RBracket);
    if (n->step && *n->step == 0) {
      throw Error(ErrorKind::InvalidValue, "slice step cannot be 0", text_, step_position);
    }
    return n;
  }

  NodePtr projection_rhs(int bp) {
    TokenType t = current();
    if (binding_power(t) < kProjectionStop) return make(NodeKind::Current, token().start);
    if (t == TokenType::LBracket || t == TokenType::Filter) return expression(bp);
    if (t == TokenType::Dot) {
      advance();
      return dot_rhs(bp);
    }
    fail(token(), "unexpected " + describe(token()) + " after a projection");
  }

  NodePtr dot_rhs(int bp) {
    const Token& t = token();
    switch (t.type) {
      case TokenType::QuotedIdentifier:
      case TokenType::UnquotedIdentifier:
      case TokenType::Star: return expression(bp);
      case TokenType::LBracket: advance(); return multi_select_list(t);
      case TokenType::LBrace: advance(); return multi_select_hash(t);
      default: fail(t, "expected an identifier, '*', '[' or '{' after '.', got " + describe(t));
    }
  }

  NodePtr filter(NodePtr left, const Token& t) {
    NodePtr condition = expression(0);
    match(TokenType::RBracket);
    NodePtr right = current() == TokenType::Flatten
                        ? make(NodeKind::Current, token().start)
                        : projection_rhs(binding_power(TokenType::Filter));
    return make(NodeKind::FilterProjection, t.start, std::move(left), std::move(right),
                std::move(condition));
  }

  NodePtr multi_select_list(const Token& open) {
    NodePtr n = make(NodeKind::MultiSelectList, open.start);
    while (true) {
      adopt(*n, expression(0));
      if (current() == TokenType::RBracket) break;
      match(TokenType::Comma);
    }
    match(TokenType::RBracket);
    return n;
  }

  NodePtr multi_select_hash(const Token& open) {
    NodePtr n = make(NodeKind::MultiSelectHash, open.start);
    while (true) {
      const Token& key = token();
      if (key.type != TokenType::UnquotedIdentifier && key.type != TokenType::QuotedIdentifier) {
        fail(key, "expected an identifier as key, got " + describe(key));
      }
      n->names.push_back(key.text);
      advance();
      match(TokenType::Colon);
      adopt(*n, expression(0));
      if (current() == TokenType::Comma) {
        advance();
      } else if (current() == TokenType::RBrace) {
        advance();
        break;
      } else if ((current() == TokenType::UnquotedIdentifier ||
                  current() == TokenType::QuotedIdentifier) &&
                 lookahead(1) == TokenType::Colon) {
        // A missing ',' before the next `key:` is accepted, as python-jmespath (which RDI runs
        // on) accepts it: RDI's published foreach example relies on it. The spec requires the
        // comma; no compliance case has a second `key:` without one.
      } else {
        fail(token(), "expected ',' or '}', got " + describe(token()));
      }
    }
    return n;
  }

  NodePtr function_call(NodePtr name_node, const Token& lparen) {
    // The name must be the identifier token right before '(' (not "(name)(...)" or "a.b(...)").
    const Token& before = tokens_[index_ >= 2 ? index_ - 2 : 0];
    if (name_node->kind != NodeKind::Field || name_node->names.size() != 1 || index_ < 2 ||
        before.type != TokenType::UnquotedIdentifier) {
      fail(lparen, "'(' must follow a function name");
    }
    const std::string& name = name_node->names.front();
    std::size_t position = name_node->position;
    NodePtr call = make(NodeKind::Function, position);
    while (current() != TokenType::RParen) {
      adopt(*call, expression(0));
      if (current() == TokenType::Comma) {
        advance();
        if (current() == TokenType::RParen) fail(token(), "expected an argument after ','");
      } else if (current() != TokenType::RParen) {
        fail(token(), "expected ',' or ')', got " + describe(token()));
      }
    }
    match(TokenType::RParen);
    call->names.push_back(name);
    calls_.push_back(call.get());
    return call;
  }

  void check_call(Node& call) const {
    const std::string& name = call.names.front();
    call.function = find_function(name);
    if (call.function == nullptr) {
      throw Error(ErrorKind::UnknownFunction, "unknown function " + name + "()", text_, call.position);
    }
    check_arity(*call.function, call.children.size(), text_, call.position);
    if (call.function->prepare != nullptr) call.function->prepare(call, text_);
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  std::vector<Node*> calls_;  // every function call (nodes owned by the tree)
  int depth_ = 0;              // expression() calls under way
};

}  // namespace

NodePtr parse(std::string_view expression) {
  return Parser(expression, tokenize(expression)).parse_all();
}

}  // namespace wb::expr::jmespath

// A compiled JMESPath expression: the public face of the JMESPath engine.
//
//   auto e = wb::expr::jmespath::compile("people[?age > `20`].name");   // throws jmespath::Error
//   nlohmann::json names = e.search(record);                             // const, thread-safe
//
// Compile once (at pipeline load), search per record. An Expression is a cheap, copyable handle
// to an immutable tree; search() keeps no state between calls and may run on many threads at once.
// Functions: the specification's built-ins plus RDI's custom functions (see functions_rdi.cc).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "expr/jmespath/error.h"

namespace wb::expr::jmespath {

struct Program;

class Expression {
 public:
  // The expression's text, as compiled.
  const std::string& text() const;

  // The result for `data`. Throws jmespath::Error for errors only evaluation can find
  // (invalid-type: a function given the wrong type; invalid-value: e.g. json_parse of bad JSON).
  nlohmann::json search(const nlohmann::json& data) const;

  // Whether the result is true by JMESPath's rules (not false, null, "", [] or {}), without
  // materializing it: what a filter block needs.
  bool is_true(const nlohmann::json& data) const;

 private:
  friend Expression compile(std::string_view text);
  explicit Expression(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

// Throws jmespath::Error: syntax, unknown-function, invalid-arity, invalid-value (slice step 0).
Expression compile(std::string_view text);

}  // namespace wb::expr::jmespath

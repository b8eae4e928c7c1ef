// Expression: compile once, search many times.
#include "expr/jmespath/expression.h"

#include "expr/jmespath/evaluator.h"
#include "expr/jmespath/parser.h"
#include "expr/jmespath/program.h"
#include "expr/jmespath/value.h"

namespace wb::expr::jmespath {

std::shared_ptr<const Program> compile_program(std::string_view text) {
  auto program = std::make_shared<Program>();
  program->text = std::string(text);
  program->root = parse(program->text);
  return program;
}

Expression compile(std::string_view text) { return Expression(compile_program(text)); }

const std::string& Expression::text() const { return program_->text; }

nlohmann::json Expression::search(const nlohmann::json& data) const {
  Evaluator ev(program_->text);
  return ev.take(ev.eval(*program_->root, data), 0);
}

bool Expression::is_true(const nlohmann::json& data) const {
  Evaluator ev(program_->text);
  return is_truthy(*ev.eval(*program_->root, data));
}

}  // namespace wb::expr::jmespath

// writebehind eval --language jmespath|sql --expression EXPR [--input JSON | --input-file FILE]:
// evaluates one expression on one record (from --input, --input-file, else stdin) and prints the
// result as JSON on stdout — how users try an expression before they deploy it. The record follows
// the data_only rules of jobs (after.x means x unless the record has an after field), so a full
// record ({key, before, after, opcode}) works too. A bad expression, bad input or an evaluation
// error exits 1 with the error (and the expression with a caret under the culprit) on stderr.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "expr/expression.h"
#include "transform/expression_checks.h"
#include "transform/record_expression.h"

namespace wb::cli {
namespace {

// An input larger than this is a mistake (a whole dump piped by accident), not a record.
constexpr size_t kMaxInputBytes = 64 << 20;

struct EvalOptions {
  std::string language;
  std::string expression;
  std::string input;
  bool has_input = false;  // --input given (an empty string is an input too)
  std::string input_file;
  bool pretty = false;
};

std::string read_all(std::istream& in, const std::string& what) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxInputBytes) {
      throw CliFailure(what + ": more than " + std::to_string(kMaxInputBytes) + " bytes");
    }
  }
  return text;
}

std::string input_text(const EvalOptions& o) {
  if (o.has_input) return o.input;
  if (!o.input_file.empty()) {
    std::ifstream in(o.input_file, std::ios::binary);
    if (!in) throw CliFailure("cannot read " + o.input_file);
    return read_all(in, o.input_file);
  }
  return read_all(std::cin, "stdin");
}

std::string failure_text(const expr::ExpressionError& e, const std::string& language) {
  std::string text = "invalid " + language + " expression: " + transform::describe(e);
  if (e.column()) text += "\n" + e.caret_diagram();
  return text;
}

void run_eval(const EvalOptions& o) {
  auto language = expr::language_from_name(o.language);
  if (!language) throw CliFailure("--language must be jmespath or sql, not \"" + o.language + "\"", kExitUsage);
  std::optional<transform::RecordExpression> expression;
  try {
    expression.emplace(*language, o.expression);
  } catch (const expr::ExpressionError& e) {
    throw CliFailure(failure_text(e, expr::to_string(*language)));
  }
  std::string text = input_text(o);
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw CliFailure(std::string("the input is not JSON: ") + e.what());
  }
  nlohmann::json result;
  try {
    result = expression->evaluate(record, RowFormat::DataOnly);
  } catch (const expr::ExpressionError& e) {
    std::string message = "evaluation failed: " + transform::describe(e);
    if (e.column()) message += "\n" + e.caret_diagram();
    throw CliFailure(message);
  }
  std::cout << (o.pretty ? result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                         : result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            << "\n";
}

}  // namespace

void register_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a JMESPath or SQL expression on a JSON record and print the result");
  cmd->add_option("--language,-l", o->language, "jmespath or sql")->required();
  cmd->add_option("--expression,-e", o->expression, "The expression, as in a job")->required();
  auto* input = cmd->add_option_function<std::string>(
      "--input,-i",
      [o](const std::string& text) {
        o->input = text;
        o->has_input = true;
      },
      "The record as JSON text (default: read stdin)");
  auto* file = cmd->add_option("--input-file,-f", o->input_file, "Read the record from this file");
  input->excludes(file);
  cmd->add_flag("--pretty", o->pretty, "Indent the JSON result");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace wb::cli

// The function table and the arity and type checks shared by every function.
#include "expr/jmespath/functions.h"

#include <string>
#include <unordered_map>

#include "expr/jmespath/error.h"
#include "expr/jmespath/evaluator.h"
#include "expr/jmespath/value.h"

namespace wb::expr::jmespath {
namespace {

using Table = std::unordered_map<std::string_view, FunctionSpec>;

const Table& table() {
  static const Table functions = [] {
    std::vector<FunctionSpec> all;
    add_builtin_functions(all);
    add_rdi_functions(all);
    Table t;
    for (FunctionSpec& spec : all) {
      std::string_view name = spec.name;
      t.emplace(name, std::move(spec));
    }
    return t;
  }();
  return functions;
}

std::string describe_types(unsigned allowed) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kNumber, "number"},   {kString, "string"}, {kBoolean, "boolean"},
      {kArray, "array"},     {kObject, "object"}, {kNull, "null"},
      {kExpref, "expression reference"}, {kArrayOfNumbers, "array of numbers"},
      {kArrayOfStrings, "array of strings"},
  };
  if ((allowed & kAnyValue) == kAnyValue) return "any value";
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((allowed & bit) == 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

unsigned type_bit(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return kNull;
    case nlohmann::json::value_t::boolean: return kBoolean;
    case nlohmann::json::value_t::string: return kString;
    case nlohmann::json::value_t::array: return kArray;
    case nlohmann::json::value_t::object: return kObject;
    default: return kNumber;
  }
}

bool all_of_type(const nlohmann::json& array, unsigned bit) {
  for (const nlohmann::json& e : array) {
    if (type_bit(e) != bit) return false;
  }
  return true;
}

// Arrays of a required element type: "array-number", "array-string", or either (decided by the
// first element, as in the reference implementation).
bool array_elements_fit(const nlohmann::json& array, unsigned allowed) {
  bool numbers = allowed & kArrayOfNumbers;
  bool strings = allowed & kArrayOfStrings;
  if (numbers && strings) {
    if (array.empty()) return true;
    unsigned first = type_bit(array.front());
    if (first != kNumber && first != kString) return false;
    return all_of_type(array, first);
  }
  return all_of_type(array, numbers ? kNumber : kString);
}

}  // namespace

const FunctionSpec* find_function(std::string_view name) {
  const Table& t = table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

void check_arity(const FunctionSpec& fn, std::size_t count, std::string_view expression,
                 std::size_t position) {
  if (count >= fn.min_args && count <= fn.max_args) return;
  std::string expected;
  if (fn.min_args == fn.max_args) {
    expected = std::to_string(fn.min_args);
  } else if (fn.max_args == kUnlimitedArgs) {
    expected = "at least " + std::to_string(fn.min_args);
  } else {
    expected = std::to_string(fn.min_args) + " to " + std::to_string(fn.max_args);
  }
  throw Error(ErrorKind::InvalidArity,
              std::string(fn.name) + "() takes " + expected + " argument" +
                  (expected == "1" ? "" : "s") + ", got " + std::to_string(count),
              expression, position);
}

void check_types(const FunctionSpec& fn, const Arg* args, std::size_t count, const Evaluator& ev,
                 const Node& call) {
  for (std::size_t i = 0; i < count; ++i) {
    unsigned allowed = fn.params[std::min(i, fn.params.size() - 1)];
    std::string got;
    if (args[i].expref != nullptr) {
      if (allowed & kExpref) continue;
      got = "expression reference";
    } else {
      const nlohmann::json& v = *args[i].value;
      unsigned bit = type_bit(v);
      if (allowed & bit) continue;
      if (bit == kArray && (allowed & (kArrayOfNumbers | kArrayOfStrings)) &&
          array_elements_fit(v, allowed)) {
        continue;
      }
      got = bit == kArray && (allowed & (kArrayOfNumbers | kArrayOfStrings))
                ? "array with elements that do not fit"
                : type_name(v);
    }
    ev.fail(ErrorKind::InvalidType,
            std::string(fn.name) + "(): argument " + std::to_string(i + 1) + " must be " +
                describe_types(allowed) + ", got " + got,
            call);
  }
}

}  // namespace wb::expr::jmespath

// The JMESPath function table: the built-in functions of the specification and RDI's custom
// functions, with their signatures.
//
// Arity is checked when the expression is compiled, argument types when it is evaluated (the
// types are only known then), following python-jmespath, the reference implementation: a
// parameter accepting "array-number" accepts only arrays whose elements are all numbers, one
// accepting both "array-number" and "array-string" decides by the first element.
#pragma once
#include <cstddef>
#include <limits>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/jmespath/ast.h"

namespace wb::expr::jmespath {

class Evaluator;

// What a parameter accepts: a set of these bits.
enum ParamType : unsigned {
  kNumber = 1u << 0,
  kString = 1u << 1,
  kBoolean = 1u << 2,
  kArray = 1u << 3,
  kObject = 1u << 4,
  kNull = 1u << 5,
  kExpref = 1u << 6,
  kArrayOfNumbers = 1u << 7,
  kArrayOfStrings = 1u << 8,
  kAnyValue = kNumber | kString | kBoolean | kArray | kObject | kNull,
};

inline constexpr std::size_t kUnlimitedArgs = std::numeric_limits<std::size_t>::max();

// One evaluated argument: a value, or the expression behind an &expression reference.
struct Arg {
  const nlohmann::json* value = nullptr;
  const Node* expref = nullptr;
};

// Returns the result (see evaluator.h for where results may live). Types are already checked.
using FunctionImpl = const nlohmann::json* (*)(Evaluator& ev, const Arg* args, std::size_t count,
                                               const Node& call);
// Optional compile-time step: may store prepared data in call.prepared, may throw jmespath::Error.
using FunctionPrepare = void (*)(Node& call, std::string_view expression);

struct FunctionSpec {
  std::string_view name;
  std::vector<unsigned> params;  // parameter i accepts params[min(i, size - 1)]
  std::size_t min_args = 0;
  std::size_t max_args = 0;
  FunctionImpl impl = nullptr;
  FunctionPrepare prepare = nullptr;
};

// nullptr when there is no such function.
const FunctionSpec* find_function(std::string_view name);

// Throws Error(invalid-arity) at `position`.
void check_arity(const FunctionSpec& fn, std::size_t count, std::string_view expression,
                 std::size_t position);

// Throws Error(invalid-type) at the call.
void check_types(const FunctionSpec& fn, const Arg* args, std::size_t count, const Evaluator& ev,
                 const Node& call);

// Each adds its functions to the table (functions_builtin.cc, functions_rdi.cc).
void add_builtin_functions(std::vector<FunctionSpec>& table);
void add_rdi_functions(std::vector<FunctionSpec>& table);

}  // namespace wb::expr::jmespath

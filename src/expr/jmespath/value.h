// JSON value helpers with JMESPath's (and python-jmespath's) semantics: truthiness, type names,
// ordering, and text forms that match the reference implementation byte for byte
// (to_string is Python's json.dumps(separators=(',', ':')): ASCII-escaped, floats as repr()).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wb::expr::jmespath {

// Floats within ±this convert to int64 exactly enough for floor/ceil/slices (int64 max is 9.22e18).
inline constexpr double kInt64FloatLimit = 9.2e18;

// false, null, "", [] and {} are false; everything else (0 included) is true.
bool is_truthy(const nlohmann::json& value);

// Python's truthiness (0 and 0.0 are false too): RDI's filter_entries uses it.
bool is_python_truthy(const nlohmann::json& value);

// "number", "string", "boolean", "array", "object", "null".
const char* type_name(const nlohmann::json& value);

// Both numbers or both strings: <0, 0, >0. nullopt for anything else (the comparison is null).
std::optional<int> compare_ordered(const nlohmann::json& a, const nlohmann::json& b);

// A number as Python prints it: ints in decimal, floats as repr() ("1.0", "1e+16", "1e-05").
std::string number_text(const nlohmann::json& number);

// Python's json.dumps(value, separators=(',', ':')): compact, non-ASCII escaped as \uXXXX.
std::string json_text(const nlohmann::json& value, bool ensure_ascii = true);

// Python's str(value) for a JSON scalar: strings unchanged, True/False/None, numbers as above;
// arrays and objects as compact JSON.
std::string python_str(const nlohmann::json& value);

// A number as int64 if it is integral and fits.
std::optional<std::int64_t> as_integer(const nlohmann::json& number);

}  // namespace wb::expr::jmespath

// The built-in functions of the JMESPath specification, with the reference implementation's
// results where the specification leaves room (number types, to_string's text, sort stability).
#include <algorithm>
#include <cerrno>
#include <optional>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "expr/jmespath/evaluator.h"
#include "expr/jmespath/functions.h"
#include "expr/jmespath/utf8.h"
#include "expr/jmespath/value.h"

namespace wb::expr::jmespath {
namespace {

using json = nlohmann::json;

const json* value(const Arg* a, std::size_t i) { return a[i].value; }
const std::string& str(const Arg* a, std::size_t i) {
  return a[i].value->get_ref<const std::string&>();
}

// Python's sum(): integers stay exact integers until a float joins in.
json sum_numbers(const json& array) {
  std::int64_t int_total = 0;
  double float_total = 0;
  bool is_float = false;
  for (const json& e : array) {
    if (!is_float) {
      std::optional<std::int64_t> i = e.is_number_float() ? std::nullopt : as_integer(e);
      std::int64_t next;
      if (i && !__builtin_add_overflow(int_total, *i, &next)) {
        int_total = next;
        continue;
      }
      is_float = true;
      float_total = static_cast<double>(int_total);
    }
    float_total += e.get<double>();
  }
  return is_float ? json(float_total) : json(int_total);
}

// A float with an integral value as Python's int (math.floor/ceil return ints).
json integral(double d) {
  if (std::isfinite(d) && d >= -kInt64FloatLimit && d <= kInt64FloatLimit) return json(static_cast<std::int64_t>(d));
  return json(d);
}

const json* fn_abs(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (v.is_number_unsigned()) return &v;
  if (v.is_number_integer()) {
    std::int64_t i = v.get<std::int64_t>();
    if (i >= 0) return &v;
    if (i == std::numeric_limits<std::int64_t>::min()) return ev.keep(json(-static_cast<double>(i)));
    return ev.keep(json(-i));
  }
  return ev.keep(json(std::fabs(v.get<double>())));
}

const json* fn_avg(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (v.empty()) return Evaluator::null();
  return ev.keep(json(sum_numbers(v).get<double>() / static_cast<double>(v.size())));
}

const json* fn_ceil(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (!v.is_number_float()) return &v;
  return ev.keep(integral(std::ceil(v.get<double>())));
}

const json* fn_floor(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (!v.is_number_float()) return &v;
  return ev.keep(integral(std::floor(v.get<double>())));
}

const json* fn_contains(Evaluator&, const Arg* a, std::size_t, const Node&) {
  const json& subject = *value(a, 0);
  const json& search = *value(a, 1);
  if (subject.is_string()) {
    if (!search.is_string()) return Evaluator::boolean(false);
    return Evaluator::boolean(str(a, 0).find(search.get_ref<const std::string&>()) !=
                              std::string::npos);
  }
  for (const json& e : subject) {
    if (e == search) return Evaluator::boolean(true);
  }
  return Evaluator::boolean(false);
}

const json* fn_ends_with(Evaluator&, const Arg* a, std::size_t, const Node&) {
  const std::string& s = str(a, 0);
  const std::string& suffix = str(a, 1);
  return Evaluator::boolean(s.size() >= suffix.size() &&
                            s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0);
}

const json* fn_starts_with(Evaluator&, const Arg* a, std::size_t, const Node&) {
  return Evaluator::boolean(str(a, 0).rfind(str(a, 1), 0) == 0);
}

const json* fn_join(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const std::string& glue = str(a, 0);
  std::string out;
  bool first = true;
  for (const json& e : *value(a, 1)) {
    if (!first) out += glue;
    first = false;
    out += e.get_ref<const std::string&>();
  }
  return ev.keep(json(std::move(out)));
}

const json* fn_keys(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  json out = json::array();
  for (const auto& [k, v] : value(a, 0)->items()) out.push_back(k);
  return ev.keep(std::move(out));
}

const json* fn_values(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  json out = json::array();
  for (const json& v : *value(a, 0)) out.push_back(v);
  return ev.keep(std::move(out));
}

const json* fn_length(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  std::size_t n = v.is_string() ? utf8::length(v.get_ref<const std::string&>()) : v.size();
  return ev.keep(json(static_cast<std::int64_t>(n)));
}

const json* fn_map(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  json out = json::array();
  for (const json& e : *value(a, 1)) {
    std::size_t m = ev.mark();
    out.push_back(ev.take(ev.eval(*a[0].expref, e), m));
    ev.release(m);
  }
  return ev.keep(std::move(out));
}

// The first extreme element (Python's max/min keep the first of equals).
const json* extreme(const json& array, bool want_max) {
  if (array.empty()) return Evaluator::null();
  const json* best = &array.front();
  for (const json& e : array) {
    int c = *compare_ordered(e, *best);
    if (want_max ? c > 0 : c < 0) best = &e;
  }
  return best;
}

const json* fn_max(Evaluator&, const Arg* a, std::size_t, const Node&) {
  return extreme(*value(a, 0), true);
}
const json* fn_min(Evaluator&, const Arg* a, std::size_t, const Node&) {
  return extreme(*value(a, 0), false);
}

// Keys of sort_by/max_by/min_by: each element's expref result, all numbers or all strings.
std::vector<json> keys_of(Evaluator& ev, const json& array, const Node& expref, const char* fn,
                          const Node& call, unsigned required) {
  std::vector<json> keys;
  keys.reserve(array.size());
  for (const json& e : array) {
    std::size_t m = ev.mark();
    json k = ev.take(ev.eval(expref, e), m);
    ev.release(m);
    unsigned bit = k.is_number() ? unsigned{kNumber} : k.is_string() ? unsigned{kString} : 0u;
    if ((bit & required) == 0) {
      ev.fail(ErrorKind::InvalidType,
              std::string(fn) + "(): the expression must give " +
                  (required == kNumber ? "numbers" : required == kString ? "strings"
                                                                         : "numbers or strings") +
                  ", got " + type_name(k),
              call);
    }
    if (required == (kNumber | kString)) required = bit;  // the first key fixes the type
    keys.push_back(std::move(k));
  }
  return keys;
}

const json* extreme_by(Evaluator& ev, const Arg* a, const Node& call, bool want_max) {
  const json& array = *value(a, 0);
  std::vector<json> keys =
      keys_of(ev, array, *a[1].expref, want_max ? "max_by" : "min_by", call, kNumber | kString);
  if (array.empty()) return Evaluator::null();
  std::size_t best = 0;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    int c = *compare_ordered(keys[i], keys[best]);
    if (want_max ? c > 0 : c < 0) best = i;
  }
  return &array[best];
}

const json* fn_max_by(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  return extreme_by(ev, a, call, true);
}
const json* fn_min_by(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  return extreme_by(ev, a, call, false);
}

const json* fn_merge(Evaluator& ev, const Arg* a, std::size_t n, const Node&) {
  if (n == 1) return value(a, 0);
  json out = *value(a, 0);
  for (std::size_t i = 1; i < n; ++i) {
    for (const auto& [k, v] : value(a, i)->items()) out[k] = v;
  }
  return ev.keep(std::move(out));
}

const json* fn_not_null(Evaluator&, const Arg* a, std::size_t n, const Node&) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!value(a, i)->is_null()) return value(a, i);
  }
  return Evaluator::null();
}

const json* fn_reverse(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (v.is_string()) {
    std::vector<char32_t> cps = utf8::decode(v.get_ref<const std::string&>());
    std::reverse(cps.begin(), cps.end());
    return ev.keep(json(utf8::encode(cps)));
  }
  json out = json::array();
  for (auto it = v.rbegin(); it != v.rend(); ++it) out.push_back(*it);
  return ev.keep(std::move(out));
}

const json* fn_sort(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  json out = *value(a, 0);
  auto& elements = out.get_ref<json::array_t&>();
  std::stable_sort(elements.begin(), elements.end(),
                   [](const json& x, const json& y) { return *compare_ordered(x, y) < 0; });
  return ev.keep(std::move(out));
}

const json* fn_sort_by(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  const json& array = *value(a, 0);
  if (array.empty()) return &array;
  std::vector<json> keys = keys_of(ev, array, *a[1].expref, "sort_by", call, kNumber | kString);
  std::vector<std::size_t> order(array.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return *compare_ordered(keys[x], keys[y]) < 0;
  });
  json out = json::array();
  out.get_ref<json::array_t&>().reserve(array.size());
  for (std::size_t i : order) out.push_back(array[i]);
  return ev.keep(std::move(out));
}

const json* fn_sum(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  return ev.keep(sum_numbers(*value(a, 0)));
}

const json* fn_to_array(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (v.is_array()) return &v;
  return ev.keep(json::array({v}));
}

const json* fn_to_string(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (v.is_string()) return &v;
  return ev.keep(json(json_text(v)));
}

// Python's int(text), then float(text): surrounding whitespace and '_' between digits allowed.
std::optional<json> parse_python_number(std::string_view text) {
  auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && is_ws(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ws(text.back())) text.remove_suffix(1);
  std::string clean;
  std::size_t i = 0;
  auto digits = [&](bool& any) {
    bool last_digit = false;
    while (i < text.size()) {
      char c = text[i];
      if (c >= '0' && c <= '9') {
        clean += c;
        any = last_digit = true;
        ++i;
      } else if (c == '_' && last_digit && i + 1 < text.size() && text[i + 1] >= '0' &&
                 text[i + 1] <= '9') {
        last_digit = false;
        ++i;
      } else {
        break;
      }
    }
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) clean += text[i++];
  bool int_digits = false;
  digits(int_digits);
  bool is_integer = int_digits && i == text.size();
  bool frac_digits = false;
  if (i < text.size() && text[i] == '.') {
    clean += text[i++];
    digits(frac_digits);
  }
  if (!int_digits && !frac_digits) return std::nullopt;  // also rejects inf/nan: not JSON
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    clean += text[i++];
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) clean += text[i++];
    bool exp_digits = false;
    digits(exp_digits);
    if (!exp_digits) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  if (is_integer) {
    errno = 0;
    long long v = std::strtoll(clean.c_str(), nullptr, 10);
    if (errno != ERANGE) return json(static_cast<std::int64_t>(v));
  }
  double d = std::strtod(clean.c_str(), nullptr);
  if (!std::isfinite(d)) return std::nullopt;
  return json(d);
}

const json* fn_to_number(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  const json& v = *value(a, 0);
  if (v.is_number()) return &v;
  if (!v.is_string()) return Evaluator::null();
  std::optional<json> n = parse_python_number(v.get_ref<const std::string&>());
  return n ? ev.keep(std::move(*n)) : Evaluator::null();
}

const json* fn_type(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  return ev.keep(json(type_name(*value(a, 0))));
}

FunctionSpec spec(std::string_view name, std::vector<unsigned> params, FunctionImpl impl,
                  bool variadic = false) {
  FunctionSpec s;
  s.name = name;
  s.min_args = params.size();
  s.max_args = variadic ? kUnlimitedArgs : params.size();
  s.params = std::move(params);
  s.impl = impl;
  return s;
}

}  // namespace

void add_builtin_functions(std::vector<FunctionSpec>& t) {
  const unsigned numbers = kArrayOfNumbers;
  const unsigned numbers_or_strings = kArrayOfNumbers | kArrayOfStrings;
  t.push_back(spec("abs", {kNumber}, fn_abs));
  t.push_back(spec("avg", {numbers}, fn_avg));
  t.push_back(spec("ceil", {kNumber}, fn_ceil));
  t.push_back(spec("contains", {kArray | kString, kAnyValue}, fn_contains));
  t.push_back(spec("ends_with", {kString, kString}, fn_ends_with));
  t.push_back(spec("floor", {kNumber}, fn_floor));
  t.push_back(spec("join", {kString, kArrayOfStrings}, fn_join));
  t.push_back(spec("keys", {kObject}, fn_keys));
  t.push_back(spec("length", {kString | kArray | kObject}, fn_length));
  t.push_back(spec("map", {kExpref, kArray}, fn_map));
  t.push_back(spec("max", {numbers_or_strings}, fn_max));
  t.push_back(spec("max_by", {kArray, kExpref}, fn_max_by));
  t.push_back(spec("merge", {kObject}, fn_merge, /*variadic=*/true));
  t.push_back(spec("min", {numbers_or_strings}, fn_min));
  t.push_back(spec("min_by", {kArray, kExpref}, fn_min_by));
  t.push_back(spec("not_null", {kAnyValue}, fn_not_null, /*variadic=*/true));
  t.push_back(spec("reverse", {kArray | kString}, fn_reverse));
  t.push_back(spec("sort", {numbers_or_strings}, fn_sort));
  t.push_back(spec("sort_by", {kArray, kExpref}, fn_sort_by));
  t.push_back(spec("starts_with", {kString, kString}, fn_starts_with));
  t.push_back(spec("sum", {numbers}, fn_sum));
  t.push_back(spec("to_array", {kAnyValue}, fn_to_array));
  t.push_back(spec("to_number", {kAnyValue}, fn_to_number));
  t.push_back(spec("to_string", {kAnyValue}, fn_to_string));
  t.push_back(spec("type", {kAnyValue}, fn_type));
  t.push_back(spec("values", {kObject}, fn_values));
}

}  // namespace wb::expr::jmespath

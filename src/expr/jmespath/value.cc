// JSON value helpers with python-jmespath's semantics (see value.h).
#include "expr/jmespath/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "expr/jmespath/utf8.h"

namespace wb::expr::jmespath {
namespace {

// Python's repr() switches to exponent notation outside this range of decimal-point positions.
constexpr int kReprMinDecimalPoint = -4;
constexpr int kReprMaxDecimalPoint = 16;

std::string float_repr(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(end - buf));  // "-1.2345e+02"
  std::string sign;
  if (!sci.empty() && sci.front() == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  int decimal_point = exponent + 1;
  std::string out = sign;
  if (decimal_point <= kReprMinDecimalPoint || decimal_point > kReprMaxDecimalPoint) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_buf;
  } else if (decimal_point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decimal_point), '0');
    out += digits;
  } else if (static_cast<std::size_t>(decimal_point) >= digits.size()) {
    out += digits;
    out.append(static_cast<std::size_t>(decimal_point) - digits.size(), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decimal_point));
    out += '.';
    out.append(digits, static_cast<std::size_t>(decimal_point), std::string::npos);
  }
  return out;
}

void append_hex4(std::string& out, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", value & 0xFFFFu);
  out += buf;
}

void append_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (!ensure_ascii) {
        out += static_cast<char>(c);
        ++i;
        continue;
      }
      // Decode one code point and escape it (as a surrogate pair beyond the BMP).
      std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
      std::vector<char32_t> cps = utf8::decode(std::string_view(s).substr(i, len));
      char32_t cp = cps.empty() ? utf8::kReplacementCharacter : cps.front();
      if (cp >= 0x10000) {
        cp -= 0x10000;
        append_hex4(out, 0xD800 + static_cast<unsigned>(cp >> 10));
        append_hex4(out, 0xDC00 + static_cast<unsigned>(cp & 0x3FF));
      } else {
        append_hex4(out, static_cast<unsigned>(cp));
      }
      i += len;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          append_hex4(out, c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_json(std::string& out, const nlohmann::json& v, bool ensure_ascii) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: out += "null"; break;
    case nlohmann::json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case nlohmann::json::value_t::string:
      append_string(out, v.get_ref<const std::string&>(), ensure_ascii);
      break;
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        append_json(out, e, ensure_ascii);
      }
      out += ']';
      break;
    }
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ',';
        first = false;
        append_string(out, k, ensure_ascii);
        out += ':';
        append_json(out, e, ensure_ascii);
      }
      out += '}';
      break;
    }
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: out += number_text(v); break;
    default: out += v.dump(); break;  // binary, discarded: not produced by JSON parsing
  }
}

}  // namespace

bool is_truthy(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return false;
    case nlohmann::json::value_t::boolean: return v.get<bool>();
    case nlohmann::json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object: return !v.empty();
    default: return true;
  }
}

bool is_python_truthy(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>() != 0.0;
  return is_truthy(v);
}

const char* type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::object: return "object";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "number";
    default: return "unknown";
  }
}

std::optional<int> compare_ordered(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    if (a < b) return -1;
    if (b < a) return 1;
    return 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

std::string number_text(const nlohmann::json& n) {
  switch (n.type()) {
    case nlohmann::json::value_t::number_integer: return std::to_string(n.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return std::to_string(n.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return float_repr(n.get<double>());
    default: return n.dump();
  }
}

std::string json_text(const nlohmann::json& value, bool ensure_ascii) {
  std::string out;
  append_json(out, value, ensure_ascii);
  return out;
}

std::string python_str(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string: return value.get<std::string>();
    case nlohmann::json::value_t::null: return "None";
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "True" : "False";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return number_text(value);
    default: return json_text(value, /*ensure_ascii=*/false);
  }
}

std::optional<std::int64_t> as_integer(const nlohmann::json& n) {
  switch (n.type()) {
    case nlohmann::json::value_t::number_integer: return n.get<std::int64_t>();
    case nlohmann::json::value_t::number_unsigned: {
      std::uint64_t u = n.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
      return static_cast<std::int64_t>(u);
    }
    case nlohmann::json::value_t::number_float: {
      double d = n.get<double>();
      if (!std::isfinite(d) || std::floor(d) != d || d < -kInt64FloatLimit || d > kInt64FloatLimit) return std::nullopt;
      return static_cast<std::int64_t>(d);
    }
    default: return std::nullopt;
  }
}

}  // namespace wb::expr::jmespath

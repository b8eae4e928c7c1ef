// RDI's custom JMESPath functions (Redis Data Integration's reference, "JMESPath custom
// functions"). RDI implements them in Python; the semantics here are that implementation's,
// edge cases included, so that jobs written for RDI give the same results:
//   - string functions take a string or null (null in, null out) and count code points;
//   - left/right/mid are Python slices: right(s, 0) is the whole string, negative counts work as
//     Python's s[-n:] does;
//   - capitalize is Python's string.capwords: words split on whitespace, each one capitalized
//     (first letter upper, the rest lower), joined with single spaces;
//   - concat joins Python's str() of each element (so null is "None", true is "True");
//   - filter_entries keeps the entries whose predicate result is truthy by Python's rules (0 is
//     false) and skips entries whose predicate fails; the predicate is an expression reference
//     (&key == 'a') or a string holding an expression (RDI's documented form:
//     filter_entries(@, `key == 'name' || key == 'age'`)); a literal one is compiled once.
#include <mutex>
#include <regex>
#include <unordered_map>

#include "expr/jmespath/codec.h"
#include "expr/jmespath/evaluator.h"
#include "expr/jmespath/functions.h"
#include "expr/jmespath/iso8601.h"
#include "expr/jmespath/program.h"
#include "expr/jmespath/utf8.h"
#include "expr/jmespath/value.h"

namespace wb::expr::jmespath {
namespace {

using json = nlohmann::json;

// regex_replace patterns that are not literals are compiled on first use and kept per thread.
constexpr std::size_t kMaxCachedPatterns = 64;
constexpr std::int64_t kMicrosPerSecond = 1000000;
constexpr std::int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
constexpr std::string_view kDefaultHash = "sha1";
constexpr std::string_view kDefaultSplitDelimiter = ",";

const json* value(const Arg* a, std::size_t i) { return a[i].value; }
const std::string& str(const Arg* a, std::size_t i) {
  return a[i].value->get_ref<const std::string&>();
}

// A count argument: Python slices need integers.
std::int64_t integer_arg(Evaluator& ev, const Arg* a, std::size_t i, const Node& call) {
  std::optional<std::int64_t> n = as_integer(*value(a, i));
  if (!n) {
    ev.fail(ErrorKind::InvalidType,
            std::string(call.function->name) + "(): argument " + std::to_string(i + 1) +
                " must be an integer",
            call);
  }
  return *n;
}

// Python's s[start:stop] over code points (None as nullopt).
std::string py_slice(const std::string& s, std::optional<std::int64_t> start,
                     std::optional<std::int64_t> stop) {
  std::vector<char32_t> cps = utf8::decode(s);
  const std::int64_t n = static_cast<std::int64_t>(cps.size());
  auto clamp = [n](std::optional<std::int64_t> i, std::int64_t fallback) {
    if (!i) return fallback;
    std::int64_t v = *i < 0 ? *i + n : *i;
    return v < 0 ? 0 : (v > n ? n : v);
  };
  std::int64_t b = clamp(start, 0);
  std::int64_t e = clamp(stop, n);
  if (e <= b) return {};
  return utf8::encode(std::vector<char32_t>(cps.begin() + b, cps.begin() + e));
}

const json* fn_base64_decode(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  std::optional<std::string> bytes = codec::base64_decode(str(a, 0));
  if (!bytes) ev.fail(ErrorKind::InvalidValue, "base64_decode(): not base64 (non-ASCII or bad padding)", call);
  if (!codec::is_valid_utf8(*bytes)) {
    ev.fail(ErrorKind::InvalidValue, "base64_decode(): the decoded bytes are not UTF-8 text", call);
  }
  return ev.keep(json(std::move(*bytes)));
}

const json* fn_capitalize(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  std::string out;
  bool in_word = false;
  bool first_word = true;
  for (char32_t cp : utf8::decode(str(a, 0))) {
    if (utf8::is_space(cp)) {
      in_word = false;
      continue;
    }
    if (!in_word) {
      if (!first_word) out += ' ';
      first_word = false;
      in_word = true;
      utf8::append(out, utf8::to_upper(cp));
    } else {
      utf8::append(out, utf8::to_lower(cp));
    }
  }
  return ev.keep(json(std::move(out)));
}

const json* fn_concat(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  std::string out;
  for (const json& e : *value(a, 0)) out += python_str(e);
  return ev.keep(json(std::move(out)));
}

const json* fn_lower(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  return ev.keep(json(utf8::to_lower(str(a, 0))));
}

const json* fn_upper(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  return ev.keep(json(utf8::to_upper(str(a, 0))));
}

const json* fn_left(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  return ev.keep(json(py_slice(str(a, 0), std::nullopt, integer_arg(ev, a, 1, call))));
}

const json* fn_right(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  return ev.keep(json(py_slice(str(a, 0), -integer_arg(ev, a, 1, call), std::nullopt)));
}

const json* fn_mid(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  std::int64_t offset = integer_arg(ev, a, 1, call);
  std::int64_t count = integer_arg(ev, a, 2, call);
  return ev.keep(json(py_slice(str(a, 0), offset, offset + count)));
}

const json* fn_replace(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  const std::string& s = str(a, 0);
  const std::string& from = str(a, 1);
  const std::string& to = str(a, 2);
  if (from.empty()) return value(a, 0);
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(s, pos, std::string::npos);
  return ev.keep(json(std::move(out)));
}

const json* fn_split(Evaluator& ev, const Arg* a, std::size_t n, const Node& call) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  const std::string& s = str(a, 0);
  json out = json::array();
  if (n > 1 && value(a, 1)->is_null()) {
    // Python's str.split(None): runs of whitespace, no empty pieces.
    std::string word;
    bool in_word = false;
    for (char32_t cp : utf8::decode(s)) {
      if (utf8::is_space(cp)) {
        if (in_word) out.push_back(std::move(word));
        word.clear();
        in_word = false;
      } else {
        utf8::append(word, cp);
        in_word = true;
      }
    }
    if (in_word) out.push_back(std::move(word));
    return ev.keep(std::move(out));
  }
  std::string_view delimiter = n > 1 ? std::string_view(str(a, 1)) : kDefaultSplitDelimiter;
  if (delimiter.empty()) ev.fail(ErrorKind::InvalidValue, "split(): empty delimiter", call);
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s.find(delimiter, pos);
    if (hit == std::string::npos) break;
    out.push_back(s.substr(pos, hit - pos));
    pos = hit + delimiter.size();
  }
  out.push_back(s.substr(pos));
  return ev.keep(std::move(out));
}

const json* fn_uuid(Evaluator& ev, const Arg*, std::size_t, const Node&) {
  return ev.keep(json(codec::random_uuid()));
}

const json* fn_hash(Evaluator& ev, const Arg* a, std::size_t n, const Node& call) {
  const json& v = *value(a, 0);
  std::string_view algorithm = n > 1 ? std::string_view(str(a, 1)) : kDefaultHash;
  std::string bytes = v.is_null() ? std::string() : v.is_string() ? v.get<std::string>()
                                                                   : json_text(v, false);
  std::optional<std::string> digest = codec::hex_digest(algorithm, bytes);
  if (!digest) {
    ev.fail(ErrorKind::InvalidValue, "hash(): unsupported algorithm '" + std::string(algorithm) + "'",
            call);
  }
  return ev.keep(json(std::move(*digest)));
}

std::int64_t delta_micros(Evaluator& ev, const Arg* a, const Node& call) {
  const json& v = *value(a, 0);
  if (v.is_number()) {
    double seconds = v.get<double>();
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::int64_t now_micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    return now_micros - static_cast<std::int64_t>(std::llround(seconds * kMicrosPerSecond));
  }
  std::optional<iso8601::Timestamp> t = iso8601::parse(v.get_ref<const std::string&>());
  if (!t) {
    ev.fail(ErrorKind::InvalidValue,
            std::string(call.function->name) + "(): not an ISO-8601 date-time: '" +
                v.get<std::string>() + "'",
            call);
  }
  return iso8601::micros_since(*t);
}

const json* fn_time_delta_days(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  return ev.keep(json(iso8601::floor_div(delta_micros(ev, a, call), kMicrosPerDay)));
}

const json* fn_time_delta_seconds(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  return ev.keep(json(iso8601::floor_div(delta_micros(ev, a, call), kMicrosPerSecond)));
}

// --- regex_replace ------------------------------------------------------------------------

struct CompiledRegex {
  std::regex regex;
  std::size_t groups = 0;
};

std::shared_ptr<const CompiledRegex> compile_regex(const std::string& pattern) {
  auto r = std::make_shared<CompiledRegex>();
  r->regex = std::regex(pattern, std::regex::ECMAScript);
  r->groups = r->regex.mark_count();
  return r;
}

void prepare_regex_replace(Node& call, std::string_view expression) {
  const Node& pattern = *call.children[1];
  if (pattern.kind != NodeKind::Literal || !pattern.literal.is_string()) return;
  try {
    call.prepared = compile_regex(pattern.literal.get<std::string>());
  } catch (const std::regex_error& e) {
    throw Error(ErrorKind::InvalidValue, std::string("regex_replace(): invalid pattern: ") + e.what(),
                expression, pattern.position);
  }
}

std::shared_ptr<const CompiledRegex> cached_regex(Evaluator& ev, const std::string& pattern,
                                                  const Node& call) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const CompiledRegex>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  if (cache.size() >= kMaxCachedPatterns) cache.clear();
  try {
    auto r = compile_regex(pattern);
    cache.emplace(pattern, r);
    return r;
  } catch (const std::regex_error& e) {
    ev.fail(ErrorKind::InvalidValue, std::string("regex_replace(): invalid pattern: ") + e.what(),
            call);
  }
}

// Python's re.sub replacement template: \1 and \g<1> are groups (unmatched ones empty),
// \n \t \r \f \v \a \b \\ are characters, other escapes of letters are errors, other escapes
// stay as written. Parsed before matching, as Python does, so a bad template fails even when
// nothing matches.
struct TemplatePiece {
  std::string text;          // literal text, when group is npos
  std::size_t group = std::string::npos;
};

std::vector<TemplatePiece> parse_template(Evaluator& ev, const std::string& tmpl, std::size_t groups,
                                          const Node& call) {
  std::vector<TemplatePiece> pieces(1);
  auto add_group = [&](std::size_t g) {
    if (g > groups) {
      ev.fail(ErrorKind::InvalidValue, "regex_replace(): invalid group reference " + std::to_string(g),
              call);
    }
    pieces.push_back(TemplatePiece{"", g});
    pieces.push_back(TemplatePiece{});
  };
  auto literal = [&]() -> std::string& { return pieces.back().text; };
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '\\' || i + 1 == tmpl.size()) {
      literal() += c;
      continue;
    }
    char e = tmpl[++i];
    if (e >= '0' && e <= '9') {
      std::size_t g = static_cast<std::size_t>(e - '0');
      if (i + 1 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9') {
        g = g * 10 + static_cast<std::size_t>(tmpl[++i] - '0');
      }
      add_group(g);
      continue;
    }
    switch (e) {
      case 'n': literal() += '\n'; continue;
      case 't': literal() += '\t'; continue;
      case 'r': literal() += '\r'; continue;
      case 'f': literal() += '\f'; continue;
      case 'v': literal() += '\v'; continue;
      case 'a': literal() += '\a'; continue;
      case 'b': literal() += '\b'; continue;
      case '\\': literal() += '\\'; continue;
      case 'g': {
        std::size_t close = tmpl.find('>', i);
        if (i + 1 < tmpl.size() && tmpl[i + 1] == '<' && close != std::string::npos) {
          std::string name = tmpl.substr(i + 2, close - i - 2);
          if (!name.empty() && name.size() < 6 &&
              name.find_first_not_of("0123456789") == std::string::npos) {
            add_group(std::stoul(name));
            i = close;
            continue;
          }
        }
        ev.fail(ErrorKind::InvalidValue, "regex_replace(): bad group reference in replacement",
                call);
      }
      default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
          ev.fail(ErrorKind::InvalidValue,
                  std::string("regex_replace(): bad escape \\") + e + " in replacement", call);
        }
        literal() += '\\';
        literal() += e;
    }
  }
  return pieces;
}

const json* fn_regex_replace(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  std::shared_ptr<const CompiledRegex> re =
      call.prepared ? std::static_pointer_cast<const CompiledRegex>(call.prepared)
                    : cached_regex(ev, str(a, 1), call);
  const std::string& text = str(a, 0);
  std::vector<TemplatePiece> pieces = parse_template(ev, str(a, 2), re->groups, call);
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), re->regex), end; it != end; ++it) {
    const std::smatch& m = *it;
    out.append(last, m[0].first);
    for (const TemplatePiece& piece : pieces) {
      if (piece.group == std::string::npos) {
        out += piece.text;
      } else if (m[piece.group].matched) {
        out += m[piece.group].str();
      }
    }
    last = m[0].second;
  }
  out.append(last, text.cend());
  return ev.keep(json(std::move(out)));
}

// --- entries --------------------------------------------------------------------------------

const json* fn_in(Evaluator&, const Arg* a, std::size_t, const Node&) {
  for (const json& e : *value(a, 1)) {
    if (e == *value(a, 0)) return Evaluator::boolean(true);
  }
  return Evaluator::boolean(false);
}

const json* fn_json_parse(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  json parsed = json::parse(str(a, 0), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) ev.fail(ErrorKind::InvalidValue, "json_parse(): invalid JSON", call);
  return ev.keep(std::move(parsed));
}

const json* fn_to_entries(Evaluator& ev, const Arg* a, std::size_t, const Node&) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  json out = json::array();
  for (const auto& [k, v] : value(a, 0)->items()) out.push_back(json{{"key", k}, {"value", v}});
  return ev.keep(std::move(out));
}

const json* fn_from_entries(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  if (value(a, 0)->is_null()) return Evaluator::null();
  json out = json::object();
  for (const json& entry : *value(a, 0)) {
    if (!entry.is_object()) continue;
    auto key = entry.find("key");
    if (key == entry.end() || key->is_null()) continue;
    if (key->is_array() || key->is_object()) {
      ev.fail(ErrorKind::InvalidType, "from_entries(): a key must be a string, number or boolean",
              call);
    }
    auto v = entry.find("value");
    out[key->is_string() ? key->get<std::string>() : json_text(*key)] =
        v == entry.end() ? json() : *v;
  }
  return ev.keep(std::move(out));
}

void prepare_filter_entries(Node& call, std::string_view expression) {
  const Node& predicate = *call.children[1];
  if (predicate.kind != NodeKind::Literal || !predicate.literal.is_string()) return;
  try {
    call.prepared = compile_program(predicate.literal.get<std::string>());
  } catch (const Error& e) {
    throw Error(e.error_kind(), "filter_entries() predicate: " + e.message(), expression,
                predicate.position);
  }
}

const json* fn_filter_entries(Evaluator& ev, const Arg* a, std::size_t, const Node& call) {
  const json& object = *value(a, 0);
  if (object.is_null()) return Evaluator::null();
  std::shared_ptr<const Program> program;
  if (a[1].expref == nullptr) {
    if (call.prepared) {
      program = std::static_pointer_cast<const Program>(call.prepared);
    } else {
      try {
        program = compile_program(str(a, 1));
      } catch (const Error& e) {
        ev.fail(e.error_kind(), "filter_entries() predicate: " + e.message(), call);
      }
    }
  }
  json out = json::object();
  for (const auto& [k, v] : object.items()) {
    json entry{{"key", k}, {"value", v}};
    bool keep = false;
    try {
      if (program) {
        Evaluator inner(program->text);
        keep = is_python_truthy(*inner.eval(*program->root, entry));
      } else {
        std::size_t m = ev.mark();
        keep = is_python_truthy(*ev.eval(*a[1].expref, entry));
        ev.release(m);
      }
    } catch (const Error&) {
      keep = false;  // RDI skips entries whose predicate fails
    }
    if (keep) out[k] = v;
  }
  return ev.keep(std::move(out));
}

FunctionSpec spec(std::string_view name, std::vector<unsigned> params, FunctionImpl impl,
                  std::size_t min_args, FunctionPrepare prepare = nullptr) {
  FunctionSpec s;
  s.name = name;
  s.min_args = min_args;
  s.max_args = params.size();
  s.params = params.empty() ? std::vector<unsigned>{0} : std::move(params);
  s.impl = impl;
  s.prepare = prepare;
  return s;
}

FunctionSpec spec(std::string_view name, std::vector<unsigned> params, FunctionImpl impl,
                  FunctionPrepare prepare = nullptr) {
  std::size_t n = params.size();
  return spec(name, std::move(params), impl, n, prepare);
}

}  // namespace

void add_rdi_functions(std::vector<FunctionSpec>& t) {
  const unsigned text_or_null = kString | kNull;
  t.push_back(spec("base64_decode", {kString}, fn_base64_decode));
  t.push_back(spec("capitalize", {text_or_null}, fn_capitalize));
  t.push_back(spec("concat", {kArray}, fn_concat));
  t.push_back(spec("filter_entries", {kObject | kNull, kString | kExpref}, fn_filter_entries,
                   prepare_filter_entries));
  t.push_back(spec("from_entries", {kArray | kNull}, fn_from_entries));
  t.push_back(spec("hash", {kAnyValue, kString}, fn_hash, 1));
  t.push_back(spec("in", {kAnyValue, kArray}, fn_in));
  t.push_back(spec("json_parse", {kString}, fn_json_parse));
  t.push_back(spec("left", {text_or_null, kNumber}, fn_left));
  t.push_back(spec("lower", {text_or_null}, fn_lower));
  t.push_back(spec("mid", {text_or_null, kNumber, kNumber}, fn_mid));
  t.push_back(spec("regex_replace", {kString, kString, kString}, fn_regex_replace,
                   prepare_regex_replace));
  t.push_back(spec("replace", {text_or_null, kString, kString}, fn_replace));
  t.push_back(spec("right", {text_or_null, kNumber}, fn_right));
  t.push_back(spec("split", {text_or_null, kString | kNull}, fn_split, 1));
  t.push_back(spec("time_delta_days", {kString | kNumber}, fn_time_delta_days));
  t.push_back(spec("time_delta_seconds", {kString | kNumber}, fn_time_delta_seconds));
  t.push_back(spec("to_entries", {kObject | kNull}, fn_to_entries));
  t.push_back(spec("upper", {text_or_null}, fn_upper));
  t.push_back(spec("uuid", {}, fn_uuid));
}

}  // namespace wb::expr::jmespath

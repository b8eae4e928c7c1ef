// Secret references: scanning and resolution (see secrets.h).
#include "config/secrets.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wb::config {
namespace {

constexpr std::string_view kOpen = "${";
constexpr std::string_view kEscapedOpen = "$${";
constexpr std::string_view kEnvPrefix = "env:";
constexpr std::string_view kFilePrefix = "file:";

bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

bool is_property_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c == '/' || c == '\\' || std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Parses the inside of ${...}; returns "" when well-formed, else the problem.
std::string parse_body(std::string_view body, SecretReference& ref) {
  if (body.substr(0, kEnvPrefix.size()) == kEnvPrefix) {
    ref.kind = SecretReference::Kind::kEnv;
    ref.name = std::string(body.substr(kEnvPrefix.size()));
    if (!is_env_name(ref.name)) return "expected an environment variable name";
    return "";
  }
  if (body.substr(0, kFilePrefix.size()) == kFilePrefix) {
    ref.kind = SecretReference::Kind::kFile;
    std::string_view rest = body.substr(kFilePrefix.size());
    // ${file:/path:property}: the part after the last ':' is a property when it cannot be part
    // of a path (no '/').
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && is_property_name(rest.substr(colon + 1))) {
      ref.name = std::string(rest.substr(0, colon));
      ref.property = std::string(rest.substr(colon + 1));
    } else {
      ref.name = std::string(rest);
    }
    if (ref.name.empty()) return "expected a file path";
    return "";
  }
  if (size_t colon = body.find(':'); colon != std::string_view::npos) {
    return "unknown secret source '" + std::string(body.substr(0, colon)) + "', expected env or file";
  }
  ref.kind = SecretReference::Kind::kEnv;  // ${NAME}
  ref.name = std::string(body);
  if (!is_env_name(ref.name)) return "expected ${env:NAME}, ${NAME}, ${file:/path} or ${file:/path:property}";
  return "";
}

std::string read_file(const std::string& path, const std::string& reference) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SecretError("cannot read the file named by " + reference);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw SecretError("cannot read the file named by " + reference);
  return content.str();
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string property_value(const std::string& content, const std::string& property, const std::string& reference) {
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of("=:");
    if (sep == std::string::npos) continue;
    if (trim(std::string_view(t).substr(0, sep)) == property) return trim(std::string_view(t).substr(sep + 1));
  }
  throw SecretError("property not found for " + reference);
}

std::string resolve_one(const SecretReference& ref) {
  if (ref.kind == SecretReference::Kind::kEnv) {
    const char* value = std::getenv(ref.name.c_str());
    if (value == nullptr) throw SecretError("environment variable " + ref.name + " is not set (for " + ref.text + ")");
    return value;
  }
  std::string content = read_file(ref.name, ref.text);
  if (!ref.property.empty()) return property_value(content, ref.property, ref.text);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  return content;
}

// Walks value; calls on_ref for each reference and on_text for literal text between them.
template <typename OnText, typename OnRef, typename OnProblem>
void walk(std::string_view value, OnText on_text, OnRef on_ref, OnProblem on_problem) {
  size_t i = 0;
  while (i < value.size()) {
    if (value.substr(i, kEscapedOpen.size()) == kEscapedOpen) {
      on_text(kOpen);
      i += kEscapedOpen.size();
      continue;
    }
    if (value.substr(i, kOpen.size()) != kOpen) {
      on_text(value.substr(i, 1));
      ++i;
      continue;
    }
    size_t close = value.find('}', i + kOpen.size());
    if (close == std::string_view::npos) {
      on_problem("unterminated secret reference '" + std::string(value.substr(i)) + "', expected a closing '}'");
      on_text(value.substr(i));
      return;
    }
    SecretReference ref;
    ref.offset = i;
    ref.length = close + 1 - i;
    ref.text = std::string(value.substr(i, ref.length));
    std::string problem = parse_body(value.substr(i + kOpen.size(), close - i - kOpen.size()), ref);
    if (!problem.empty()) {
      on_problem("ill-formed secret reference " + ref.text + ": " + problem);
      on_text(ref.text);
    } else {
      on_ref(ref);
    }
    i = close + 1;
  }
}

}  // namespace

SecretScan scan_secrets(std::string_view value) {
  SecretScan scan;
  walk(
      value, [](std::string_view) {}, [&](const SecretReference& r) { scan.references.push_back(r); },
      [&](std::string p) { scan.problems.push_back(std::move(p)); });
  return scan;
}

bool has_secret_reference(std::string_view value) {
  SecretScan scan = scan_secrets(value);
  return !scan.references.empty() || !scan.problems.empty();
}

std::string resolve_secrets(std::string_view value) {
  if (value.find('$') == std::string_view::npos) return std::string(value);
  std::string out;
  walk(
      value, [&](std::string_view text) { out.append(text); },
      [&](const SecretReference& r) { out += resolve_one(r); },
      [&](const std::string& problem) { throw SecretError(problem); });
  return out;
}

Connection resolve_connection_secrets(const Connection& connection) {
  Connection c = connection;
  try {
    c.host = resolve_secrets(c.host);
    for (auto& h : c.hosts) h = resolve_secrets(h);
    c.database = resolve_secrets(c.database);
    c.user = resolve_secrets(c.user);
    c.password = resolve_secrets(c.password);
    for (auto& [k, v] : c.query_args) v = resolve_secrets(v);
    for (auto& [k, v] : c.connect_args) v = resolve_secrets(v);
    c.tls.ca = resolve_secrets(c.tls.ca);
    c.tls.cert = resolve_secrets(c.tls.cert);
    c.tls.key = resolve_secrets(c.tls.key);
  } catch (const SecretError& e) {
    throw SecretError("connection " + connection.name + ": " + e.what());
  }
  return c;
}

}  // namespace wb::config

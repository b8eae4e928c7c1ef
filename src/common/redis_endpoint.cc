// Parsing of redis:// URLs (see redis_endpoint.h).
#include "common/redis_endpoint.h"

#include <charconv>

namespace wb {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr int kMaxPort = 65535;
constexpr int kMaxDb = 1 << 20;  // far above any configured `databases`; only rejects nonsense

// The URL as it may be shown: the password part replaced by ****.
std::string redact(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  return std::string(url.substr(0, start)) + "****" + std::string(url.substr(at));
}

[[noreturn]] void bad(std::string_view url, const std::string& what) {
  throw std::invalid_argument("invalid Redis URL '" + redact(url) + "': " + what +
                              " (expected redis://[[user]:password@]host[:port][/db])");
}

int parse_number(std::string_view text, std::string_view url, const char* what, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    bad(url, std::string("bad ") + what + " '" + std::string(text) + "'");
  }
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text, std::string_view url) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) bad(url, "bad percent-encoding in the credentials");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

RedisEndpoint RedisEndpoint::parse(std::string_view url) {
  if (url.substr(0, kScheme.size()) != kScheme) bad(url, "it must start with redis://");
  RedisEndpoint ep;
  std::string_view rest = url.substr(kScheme.size());
  // Credentials first: a password may contain '/' or ':'; the host part never contains '@'.
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      ep.user = percent_decode(userinfo.substr(0, colon), url);
      ep.password = percent_decode(userinfo.substr(colon + 1), url);
    } else {
      ep.password = percent_decode(userinfo, url);  // redis://secret@host: a bare password
    }
  }
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) ep.db = parse_number(db, url, "database number", 0, kMaxDb);
    rest = rest.substr(0, slash);
  }
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6379
    size_t close = rest.find(']');
    if (close == std::string_view::npos) bad(url, "unclosed '[' in the host");
    ep.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') bad(url, "unexpected text after the host");
      ep.port = parse_number(rest.substr(1), url, "port", 1, kMaxPort);
    }
    return ep;
  }
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    ep.port = parse_number(rest.substr(colon + 1), url, "port", 1, kMaxPort);
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) ep.host = std::string(rest);
  return ep;
}

std::string RedisEndpoint::to_string() const {
  std::string out = "redis://";
  if (!password.empty()) out += user + ":****@";
  bool ipv6 = host.find(':') != std::string::npos;
  out += ipv6 ? "[" + host + "]" : host;
  out += ":" + std::to_string(port) + "/" + std::to_string(db);
  return out;
}

}  // namespace wb

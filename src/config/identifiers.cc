// Identifier rules (see identifiers.h).
#include "config/identifiers.h"

#include <cctype>

namespace wb::config {
namespace {

bool is_identifier_char(unsigned char c) { return c < 0x80 && (std::isalnum(c) || c == '_' || c == '$'); }
bool is_job_name_char(unsigned char c) { return c < 0x80 && (std::isalnum(c) || c == '_' || c == '-' || c == '.'); }

// How a forbidden character is shown: itself, or in words (never half a UTF-8 sequence).
std::string shown(unsigned char c) {
  if (c >= 0x80 || c < 0x20) return "a non-ASCII or control character";
  return "'" + std::string(1, static_cast<char>(c)) + "'";
}

}  // namespace

std::optional<std::string> identifier_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxIdentifierLength) {
    return "is " + std::to_string(name.size()) + " characters long, expected at most " +
           std::to_string(kMaxIdentifierLength);
  }
  for (unsigned char c : name) {
    if (!is_identifier_char(c)) {
      return "contains " + shown(c) + ", expected only letters, digits, '_' and '$'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> job_name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxJobNameLength) {
    return "is " + std::to_string(name.size()) + " characters long, expected at most " +
           std::to_string(kMaxJobNameLength);
  }
  for (unsigned char c : name) {
    if (!is_job_name_char(c)) {
      return "contains " + shown(c) + ", expected only letters, digits, '_', '-' and '.'";
    }
  }
  return std::nullopt;
}

}  // namespace wb::config

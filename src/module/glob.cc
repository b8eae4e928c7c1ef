// Redis-compatible glob matching. The matcher walks pattern and text once, remembering the last `*`
// so that a mismatch retries one byte further (the classic backtracking-to-last-star algorithm):
// every other token consumes exactly one byte, so this gives the same answers as Redis's recursive
// stringmatchlen() without its recursion.
#include "module/glob.h"

namespace wb::glob {

namespace {

bool is_special(char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// Matches one byte `c` against the bracket expression whose body starts at pattern[i] (just after
// '['). Returns the index just past the closing ']' and sets *matched. Mirrors Redis: `^` negates,
// `\x` is literal x, `a-z` is a range (bounds swapped if reversed, compared as signed chars like
// Redis does), anything else is a literal byte. An unterminated set (rejected by validation) ends
// at the pattern's end.
std::size_t match_set(std::string_view p, std::size_t i, char c, bool* matched) {
  bool negate = false;
  if (i < p.size() && p[i] == '^') {
    negate = true;
    ++i;
  }
  bool match = false;
  while (i < p.size()) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      ++i;
      if (p[i] == c) match = true;
    } else if (p[i] == ']') {
      break;
    } else if (i + 2 < p.size() && p[i + 1] == '-') {
      int start = static_cast<signed char>(p[i]);
      int end = static_cast<signed char>(p[i + 2]);
      if (start > end) std::swap(start, end);
      int v = static_cast<signed char>(c);
      if (v >= start && v <= end) match = true;
      i += 2;
    } else if (p[i] == c) {
      match = true;
    }
    ++i;
  }
  if (i < p.size()) ++i;  // past ']'
  *matched = negate ? !match : match;
  return i;
}

// Matches the single-byte token at pattern[i] (not '*') against c. Returns the index of the next
// token, or std::string_view::npos if the token does not match.
std::size_t match_token(std::string_view p, std::size_t i, char c) {
  switch (p[i]) {
    case '?':
      return i + 1;
    case '[': {
      bool matched = false;
      std::size_t next = match_set(p, i + 1, c, &matched);
      return matched ? next : std::string_view::npos;
    }
    case '\\':
      if (i + 1 < p.size()) ++i;
      [[fallthrough]];
    default:
      return p[i] == c ? i + 1 : std::string_view::npos;
  }
}

}  // namespace

std::optional<std::string> validate_glob(std::string_view p) {
  if (p.empty()) return "empty pattern";
  if (p.size() > kMaxPatternBytes) {
    return "pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes";
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      if (i + 1 == p.size()) return "pattern ends in a lone backslash";
      ++i;
    } else if (p[i] == '[') {
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      bool closed = false;
      for (; j < p.size(); ++j) {
        if (p[j] == '\\' && j + 1 < p.size()) {
          ++j;
        } else if (p[j] == ']') {
          closed = true;
          break;
        } else if (j + 2 < p.size() && p[j + 1] == '-') {
          j += 2;  // a range a-z; its bounds are literal bytes
        }
      }
      if (!closed) return "unterminated '[' in pattern";
      i = j;
    }
  }
  return std::nullopt;
}

bool glob_match(std::string_view p, std::string_view s) {
  if (s.empty()) return false;  // Redis: the loop never runs, "" matches nothing
  std::size_t pi = 0, si = 0;
  std::size_t star_p = std::string_view::npos;  // token index after the last '*'
  std::size_t star_s = 0;                       // text index that '*' currently swallows up to
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      if (pi == p.size()) return true;  // trailing '*' takes the rest
      star_p = pi;
      star_s = si;
      continue;
    }
    if (pi < p.size()) {
      std::size_t next = match_token(p, pi, s[si]);
      if (next != std::string_view::npos) {
        pi = next;
        ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;  // let the last '*' swallow one more byte and retry
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string_view literal_prefix(std::string_view p) {
  std::size_t i = 0;
  while (i < p.size() && !is_special(p[i])) ++i;
  return p.substr(0, i);
}

bool is_prefix_star(std::string_view p) {
  std::size_t i = literal_prefix(p).size();
  if (i == p.size()) return false;
  for (; i < p.size(); ++i) {
    if (p[i] != '*') return false;
  }
  return true;
}

bool is_literal(std::string_view p) { return literal_prefix(p).size() == p.size(); }

}  // namespace wb::glob

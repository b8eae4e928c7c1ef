// Edit distance and suggestions (see suggest.h).
#include "config/suggest.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace wb::config {
namespace {

constexpr size_t kMaxDistanceShort = 1;   // words of up to kShortWord characters
constexpr size_t kMaxDistanceMedium = 2;  // up to kMediumWord
constexpr size_t kMaxDistanceLong = 3;
constexpr size_t kShortWord = 3;
constexpr size_t kMediumWord = 6;

char fold(char c) {
  if (c == '-') return '_';
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

size_t max_distance(size_t length) {
  if (length <= kShortWord) return kMaxDistanceShort;
  if (length <= kMediumWord) return kMaxDistanceMedium;
  return kMaxDistanceLong;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  size_t best = std::numeric_limits<size_t>::max();
  std::optional<std::string> match;
  bool tie = false;
  for (const auto& c : candidates) {
    size_t dist = edit_distance(word, c);
    if (dist < best) {
      best = dist;
      match = c;
      tie = false;
    } else if (dist == best && match != c) {
      tie = true;
    }
  }
  if (!match || tie || best > max_distance(word.size())) return std::nullopt;
  return match;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto match = closest_match(word, candidates);
  return match ? " (did you mean \"" + *match + "\"?)" : "";
}

}  // namespace wb::config

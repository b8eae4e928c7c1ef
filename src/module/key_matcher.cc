// Prefix trie + glob matching of keys to jobs (see key_matcher.h).
#include "module/key_matcher.h"

#include <algorithm>

#include "module/glob.h"

namespace wb::capture {

void KeyMatcher::add(std::string_view pattern, uint32_t job) {
  std::string_view prefix = glob::literal_prefix(pattern);
  uint32_t node = 0;
  for (unsigned char byte : prefix) {
    uint32_t next = child(node, byte);
    if (next == 0) {
      next = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
      auto& children = nodes_[node].children;
      auto at = std::lower_bound(children.begin(), children.end(), byte,
                                 [](const auto& c, unsigned char b) { return c.first < b; });
      children.insert(at, {byte, next});
    }
    node = next;
  }
  Kind kind = glob::is_literal(pattern)       ? Kind::Literal
              : glob::is_prefix_star(pattern) ? Kind::PrefixStar
                                              : Kind::Glob;
  nodes_[node].patterns.push_back(static_cast<uint32_t>(patterns_.size()));
  patterns_.push_back(Pattern{std::string(pattern), prefix.size(), kind, job});
}

uint32_t KeyMatcher::child(uint32_t node, unsigned char byte) const {
  const auto& children = nodes_[node].children;
  auto at = std::lower_bound(children.begin(), children.end(), byte,
                             [](const auto& c, unsigned char b) { return c.first < b; });
  return (at != children.end() && at->first == byte) ? at->second : 0;
}

bool KeyMatcher::pattern_matches(const Pattern& p, std::string_view key) const {
  // The caller has already checked that key starts with the pattern's literal prefix.
  switch (p.kind) {
    case Kind::Literal:
      return key.size() == p.text.size();
    case Kind::PrefixStar:
      return !key.empty();  // Redis: the empty key matches nothing
    case Kind::Glob:
    default:
      // Literal bytes match literal bytes, so the rest of the pattern decides on the rest of the
      // key. A Glob rest always needs at least one more byte (it has a '?', '[' or '\\' token).
      if (key.size() == p.prefix_len) return false;
      return glob::glob_match(std::string_view(p.text).substr(p.prefix_len),
                              key.substr(p.prefix_len));
  }
}

void KeyMatcher::match(std::string_view key, std::vector<uint32_t>* jobs) const {
  jobs->clear();
  if (patterns_.empty() || key.empty()) return;
  uint32_t node = 0;
  std::size_t depth = 0;
  while (true) {
    for (uint32_t pi : nodes_[node].patterns) {
      const Pattern& p = patterns_[pi];
      if (pattern_matches(p, key)) jobs->push_back(p.job);
    }
    if (depth == key.size()) break;
    uint32_t next = child(node, static_cast<unsigned char>(key[depth]));
    if (next == 0) break;
    node = next;
    ++depth;
  }
  if (jobs->size() > 1) {
    std::sort(jobs->begin(), jobs->end());
    jobs->erase(std::unique(jobs->begin(), jobs->end()), jobs->end());
  }
}

}  // namespace wb::capture

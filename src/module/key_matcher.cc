// Radix-tree prefix index + glob matching of keys to jobs (see key_matcher.h).
#include "module/key_matcher.h"

#include <algorithm>

#include "module/glob.h"

namespace wb::capture {

void KeyMatcher::add(std::string_view pattern, uint32_t job) {
  std::string_view rest = glob::literal_prefix(pattern);
  const std::size_t prefix_len = rest.size();
  uint32_t node = 0;
  while (!rest.empty()) {
    const int e = edge(node, static_cast<unsigned char>(rest[0]));
    if (e < 0) {  // a new edge with the whole rest of the prefix
      const uint32_t leaf = new_node();
      Node& n = nodes_[node];
      n.edge_first.push_back(rest[0]);
      n.edge_labels.emplace_back(rest);
      n.edge_nodes.push_back(leaf);
      node = leaf;
      break;
    }
    const std::size_t i = static_cast<std::size_t>(e);
    const std::string& label = nodes_[node].edge_labels[i];
    std::size_t common = 1;
    while (common < label.size() && common < rest.size() && label[common] == rest[common]) ++common;
    if (common < label.size()) {
      // Split the edge: node -label[0, common)-> mid -label[common, end)-> old child.
      const uint32_t mid = new_node();
      Node& n = nodes_[node];
      Node& m = nodes_[mid];
      m.edge_first.push_back(n.edge_labels[i][common]);
      m.edge_labels.push_back(n.edge_labels[i].substr(common));
      m.edge_nodes.push_back(n.edge_nodes[i]);
      n.edge_labels[i].resize(common);
      n.edge_nodes[i] = mid;
    }
    node = nodes_[node].edge_nodes[i];
    rest.remove_prefix(common);
  }
  Kind kind = glob::is_literal(pattern)       ? Kind::Literal
              : glob::is_prefix_star(pattern) ? Kind::PrefixStar
                                              : Kind::Glob;
  nodes_[node].patterns.push_back(static_cast<uint32_t>(patterns_.size()));
  patterns_.push_back(Pattern{std::string(pattern), prefix_len, kind, job});
}

uint32_t KeyMatcher::new_node() {
  nodes_.emplace_back();
  return static_cast<uint32_t>(nodes_.size() - 1);
}

int KeyMatcher::edge(uint32_t node, unsigned char byte) const {
  const std::string& first = nodes_[node].edge_first;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (static_cast<unsigned char>(first[i]) == byte) return static_cast<int>(i);
  }
  return -1;
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
    const Node& n = nodes_[node];
    for (uint32_t pi : n.patterns) {
      const Pattern& p = patterns_[pi];
      if (pattern_matches(p, key)) jobs->push_back(p.job);
    }
    if (depth == key.size()) break;
    const int e = edge(node, static_cast<unsigned char>(key[depth]));
    if (e < 0) break;
    const std::string& label = n.edge_labels[static_cast<std::size_t>(e)];
    if (key.size() - depth < label.size() ||
        key.compare(depth, label.size(), label) != 0) {
      break;
    }
    depth += label.size();
    node = n.edge_nodes[static_cast<std::size_t>(e)];
  }
  if (jobs->size() > 1) {
    std::sort(jobs->begin(), jobs->end());
    jobs->erase(std::unique(jobs->begin(), jobs->end()), jobs->end());
  }
}

}  // namespace wb::capture

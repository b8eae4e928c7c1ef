// Finds the jobs whose patterns match a key, with work proportional to the key, not to the number
// of jobs: patterns are indexed by their literal prefix in a radix tree (a byte trie whose chains
// are collapsed into labelled edges), so a lookup walks the key once and only tests the patterns
// whose prefix it passed; a typical "prefix:*" job costs one edge comparison. A "prefix*" pattern
// then matches without running the glob at all; exact-literal patterns compare lengths; only the
// remaining patterns run the glob on the part after their prefix.
//
// Pure C++ (no Redis API). Built once per registry change; lookups never allocate once the caller's
// output vector has grown to the number of jobs.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wb::capture {

class KeyMatcher {
 public:
  // Registers `pattern` (a valid glob) for job number `job`.
  void add(std::string_view pattern, uint32_t job);

  // Appends to *jobs (cleared first) the job numbers with at least one pattern matching `key`,
  // each once, in ascending order.
  void match(std::string_view key, std::vector<uint32_t>* jobs) const;

  bool empty() const { return patterns_.empty(); }

 private:
  enum class Kind : uint8_t { Literal, PrefixStar, Glob };
  struct Pattern {
    std::string text;  // the whole pattern
    std::size_t prefix_len;
    Kind kind;
    uint32_t job;
  };
  // A node stands for the prefix spelled by the edge labels from the root down to it.
  struct Node {
    // Edges to children: edge_first[i] == edge_labels[i][0], kept apart so that finding the edge
    // for a key byte is a scan of a few bytes. Labels are non-empty and their first bytes unique.
    std::string edge_first;
    std::vector<std::string> edge_labels;
    std::vector<uint32_t> edge_nodes;
    std::vector<uint32_t> patterns;  // whose literal prefix ends exactly here
  };

  bool pattern_matches(const Pattern& p, std::string_view key) const;
  // The edge of `node` whose label starts with `byte`, or -1.
  int edge(uint32_t node, unsigned char byte) const;
  uint32_t new_node();

  std::vector<Node> nodes_{1};  // nodes_[0] is the root (empty prefix)
  std::vector<Pattern> patterns_;
};

}  // namespace wb::capture

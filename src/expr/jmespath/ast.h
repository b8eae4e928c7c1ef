// The compiled form of a JMESPath expression: a tree of nodes, built once by the parser and only
// read afterwards (evaluation is const and may run on many threads at once).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wb::expr::jmespath {

struct FunctionSpec;

enum class NodeKind {
  Current,          // @, and the implicit right side of a projection
  Field,            // a.b.c folded into one path: walk objects by pointer
  Chain,            // sub-expressions, index expressions and pipes: each child on the previous result
  Index,            // [n] on an array, negative from the end
  Slice,            // [start:stop:step] on an array
  Projection,       // left (array) -> right on each element, nulls dropped
  ValueProjection,  // left (object) -> right on each value
  FilterProjection, // left (array) -> right on each element whose condition is true
  Flatten,          // child (array) with nested arrays merged one level
  Literal,
  MultiSelectList,
  MultiSelectHash,  // names[i] -> children[i]
  Or,
  And,
  Not,
  Comparator,
  Function,         // function->impl(children); position is the name's
  Expref,           // &child, only meaningful as a function argument
};

enum class Comparator { Eq, Ne, Lt, Lte, Gt, Gte };

struct Node {
  NodeKind kind = NodeKind::Current;
  std::size_t position = 0;             // byte offset of the token that made the node
  std::vector<std::string> names;       // Field: the path; MultiSelectHash: the keys; Function: its name
  nlohmann::json literal;               // Literal
  std::int64_t index = 0;               // Index
  std::optional<std::int64_t> start, stop, step;  // Slice (step is never 0)
  Comparator comparator = Comparator::Eq;
  const FunctionSpec* function = nullptr;
  std::vector<std::unique_ptr<Node>> children;
  std::shared_ptr<const void> prepared; // per-function data made at compile time (a regex, ...)
  int depth = 1;                        // levels of the subtree rooted here (parser keeps it)

  Node() = default;
  Node(NodeKind k, std::size_t pos) : kind(k), position(pos) {}
};

using NodePtr = std::unique_ptr<Node>;

}  // namespace wb::expr::jmespath

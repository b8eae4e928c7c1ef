// Evaluation of a compiled JMESPath tree against one JSON value.
//
// Results are pointers: into the input (a field, an array element), into the tree (a literal), to
// a shared constant (null, true, false), or to a temporary this evaluator owns (anything built: a
// projection's array, a function's result). Nothing is copied until the caller materializes the
// final result, so `a.b.c` or `age > `20`` on a record allocates nothing.
//
// One Evaluator per search() call: it holds no global state, so any number of threads may
// evaluate the same expression at once.
#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/jmespath/ast.h"
#include "expr/jmespath/error.h"

namespace wb::expr::jmespath {

class Evaluator {
 public:
  explicit Evaluator(std::string_view expression) : expression_(expression) {}

  const nlohmann::json* eval(const Node& node, const nlohmann::json& current);

  // Keeps a temporary alive until the evaluator dies; returns where it lives.
  const nlohmann::json* keep(nlohmann::json&& value);
  // The value behind `result`: moved out when it is the newest temporary and was made after
  // `since` (a mark()), else copied. The mark keeps a caller's own input from being moved away.
  nlohmann::json take(const nlohmann::json* result, std::size_t since);

  // Temporaries made after a mark can be dropped once nothing points at them (per element of a
  // projection: keeps memory flat over long arrays).
  std::size_t mark() const { return count_; }
  void release(std::size_t mark) {
    while (count_ > mark) drop_newest();
  }

  [[noreturn]] void fail(ErrorKind kind, std::string message, const Node& at) const;
  std::string_view expression() const { return expression_; }

  static const nlohmann::json* null();
  static const nlohmann::json* boolean(bool value);

 private:
  const nlohmann::json* eval_field(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_index(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_slice(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_projection(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_value_projection(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_filter(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_flatten(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_multi_select_list(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_multi_select_hash(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_comparator(const Node& node, const nlohmann::json& current);
  const nlohmann::json* eval_function(const Node& node, const nlohmann::json& current);

  // The first temporaries live in the evaluator itself (typical expressions make a few), the
  // rest on the heap; either way their addresses stay put until dropped.
  static constexpr std::size_t kInlineTemporaries = 8;

  nlohmann::json* newest() {
    return count_ <= kInlineTemporaries ? &inline_[count_ - 1] : overflow_.back().get();
  }
  void drop_newest();

  std::string_view expression_;
  std::array<nlohmann::json, kInlineTemporaries> inline_;
  std::vector<std::unique_ptr<nlohmann::json>> overflow_;
  std::size_t count_ = 0;  // temporaries alive, inline ones first
};

}  // namespace wb::expr::jmespath

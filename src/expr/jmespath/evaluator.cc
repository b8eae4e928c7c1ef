// Evaluation of a JMESPath tree (see evaluator.h for where results live).
#include "expr/jmespath/evaluator.h"

#include <array>

#include "expr/jmespath/functions.h"
#include "expr/jmespath/value.h"

namespace wb::expr::jmespath {
namespace {

// Arguments of one call live on the stack up to this count (every built-in but not_null/merge).
constexpr std::size_t kInlineArgs = 8;

const nlohmann::json kNullValue;
const nlohmann::json kTrueValue = true;
const nlohmann::json kFalseValue = false;

// Python's slice index adjustment (PySlice_AdjustIndices): clamps into the array for the step's
// direction.
std::int64_t adjust(std::optional<std::int64_t> given, std::int64_t fallback, std::int64_t length,
                    bool forward) {
  if (!given) return fallback;
  std::int64_t i = *given;
  if (i < 0) {
    i += length;
    if (i < 0) i = forward ? 0 : -1;
  } else if (i >= length) {
    i = forward ? length : length - 1;
  }
  return i;
}

}  // namespace

const nlohmann::json* Evaluator::null() { return &kNullValue; }
const nlohmann::json* Evaluator::boolean(bool value) { return value ? &kTrueValue : &kFalseValue; }

const nlohmann::json* Evaluator::keep(nlohmann::json&& value) {
  if (count_ < kInlineTemporaries) {
    inline_[count_] = std::move(value);
    return &inline_[count_++];
  }
  overflow_.push_back(std::make_unique<nlohmann::json>(std::move(value)));
  ++count_;
  return overflow_.back().get();
}

void Evaluator::drop_newest() {
  if (count_ <= kInlineTemporaries) {
    inline_[count_ - 1] = nullptr;  // frees what it held now, not when the evaluator dies
  } else {
    overflow_.pop_back();
  }
  --count_;
}

nlohmann::json Evaluator::take(const nlohmann::json* result, std::size_t since) {
  if (count_ > since && newest() == result) {
    nlohmann::json out = std::move(*newest());
    drop_newest();
    return out;
  }
  return *result;
}

void Evaluator::fail(ErrorKind kind, std::string message, const Node& at) const {
  throw Error(kind, std::move(message), expression_, at.position);
}

const nlohmann::json* Evaluator::eval(const Node& node, const nlohmann::json& current) {
  switch (node.kind) {
    case NodeKind::Current: return &current;
    case NodeKind::Field: return eval_field(node, current);
    case NodeKind::Chain: {
      const nlohmann::json* result = &current;
      for (const NodePtr& child : node.children) result = eval(*child, *result);
      return result;
    }
    case NodeKind::Index: return eval_index(node, current);
    case NodeKind::Slice: return eval_slice(node, current);
    case NodeKind::Projection: return eval_projection(node, current);
    case NodeKind::ValueProjection: return eval_value_projection(node, current);
    case NodeKind::FilterProjection: return eval_filter(node, current);
    case NodeKind::Flatten: return eval_flatten(node, current);
    case NodeKind::Literal: return &node.literal;
    case NodeKind::MultiSelectList: return eval_multi_select_list(node, current);
    case NodeKind::MultiSelectHash: return eval_multi_select_hash(node, current);
    case NodeKind::Or: {
      const nlohmann::json* left = eval(*node.children[0], current);
      return is_truthy(*left) ? left : eval(*node.children[1], current);
    }
    case NodeKind::And: {
      const nlohmann::json* left = eval(*node.children[0], current);
      return is_truthy(*left) ? eval(*node.children[1], current) : left;
    }
    case NodeKind::Not: return boolean(!is_truthy(*eval(*node.children[0], current)));
    case NodeKind::Comparator: return eval_comparator(node, current);
    case NodeKind::Function: return eval_function(node, current);
    case NodeKind::Expref:
      fail(ErrorKind::InvalidType, "an expression reference (&...) is only valid as a function argument",
           node);
  }
  return &kNullValue;
}

const nlohmann::json* Evaluator::eval_field(const Node& node, const nlohmann::json& current) {
  const nlohmann::json* value = &current;
  for (const std::string& name : node.names) {
    if (!value->is_object()) return &kNullValue;
    auto it = value->find(name);
    if (it == value->end()) return &kNullValue;
    value = &*it;
  }
  return value;
}

const nlohmann::json* Evaluator::eval_index(const Node& node, const nlohmann::json& current) {
  if (!current.is_array()) return &kNullValue;
  std::int64_t size = static_cast<std::int64_t>(current.size());
  std::int64_t i = node.index < 0 ? node.index + size : node.index;
  if (i < 0 || i >= size) return &kNullValue;
  return &current[static_cast<std::size_t>(i)];
}

const nlohmann::json* Evaluator::eval_slice(const Node& node, const nlohmann::json& current) {
  if (!current.is_array()) return &kNullValue;
  std::int64_t length = static_cast<std::int64_t>(current.size());
  std::int64_t step = node.step.value_or(1);
  bool forward = step > 0;
  std::int64_t start = adjust(node.start, forward ? 0 : length - 1, length, forward);
  std::int64_t stop = adjust(node.stop, forward ? length : -1, length, forward);
  nlohmann::json out = nlohmann::json::array();
  if (forward) {
    for (std::int64_t i = start; i < stop; i += step) out.push_back(current[static_cast<std::size_t>(i)]);
  } else {
    for (std::int64_t i = start; i > stop; i += step) out.push_back(current[static_cast<std::size_t>(i)]);
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_projection(const Node& node, const nlohmann::json& current) {
  const nlohmann::json* base = eval(*node.children[0], current);
  if (!base->is_array()) return &kNullValue;
  nlohmann::json out = nlohmann::json::array();
  const Node& right = *node.children[1];
  for (const nlohmann::json& element : *base) {
    std::size_t m = mark();
    const nlohmann::json* r = eval(right, element);
    if (!r->is_null()) out.push_back(take(r, m));
    release(m);
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_value_projection(const Node& node,
                                                       const nlohmann::json& current) {
  const nlohmann::json* base = eval(*node.children[0], current);
  if (!base->is_object()) return &kNullValue;
  nlohmann::json out = nlohmann::json::array();
  const Node& right = *node.children[1];
  for (const nlohmann::json& element : *base) {
    std::size_t m = mark();
    const nlohmann::json* r = eval(right, element);
    if (!r->is_null()) out.push_back(take(r, m));
    release(m);
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_filter(const Node& node, const nlohmann::json& current) {
  const nlohmann::json* base = eval(*node.children[0], current);
  if (!base->is_array()) return &kNullValue;
  nlohmann::json out = nlohmann::json::array();
  const Node& right = *node.children[1];
  const Node& condition = *node.children[2];
  for (const nlohmann::json& element : *base) {
    std::size_t m = mark();
    bool keep_element = is_truthy(*eval(condition, element));
    release(m);
    if (!keep_element) continue;
    const nlohmann::json* r = eval(right, element);
    if (!r->is_null()) out.push_back(take(r, m));
    release(m);
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_flatten(const Node& node, const nlohmann::json& current) {
  const nlohmann::json* base = eval(*node.children[0], current);
  if (!base->is_array()) return &kNullValue;
  nlohmann::json out = nlohmann::json::array();
  for (const nlohmann::json& element : *base) {
    if (element.is_array()) {
      for (const nlohmann::json& inner : element) out.push_back(inner);
    } else {
      out.push_back(element);
    }
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_multi_select_list(const Node& node,
                                                        const nlohmann::json& current) {
  if (current.is_null()) return &kNullValue;
  nlohmann::json out = nlohmann::json::array();
  out.get_ref<nlohmann::json::array_t&>().reserve(node.children.size());
  for (const NodePtr& child : node.children) {
    std::size_t m = mark();
    out.push_back(take(eval(*child, current), m));
    release(m);
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_multi_select_hash(const Node& node,
                                                        const nlohmann::json& current) {
  if (current.is_null()) return &kNullValue;
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    std::size_t m = mark();
    out[node.names[i]] = take(eval(*node.children[i], current), m);
    release(m);
  }
  return keep(std::move(out));
}

const nlohmann::json* Evaluator::eval_comparator(const Node& node, const nlohmann::json& current) {
  const nlohmann::json* left = eval(*node.children[0], current);
  const nlohmann::json* right = eval(*node.children[1], current);
  switch (node.comparator) {
    case Comparator::Eq: return boolean(*left == *right);
    case Comparator::Ne: return boolean(*left != *right);
    default: break;
  }
  std::optional<int> order = compare_ordered(*left, *right);
  if (!order) return &kNullValue;
  switch (node.comparator) {
    case Comparator::Lt: return boolean(*order < 0);
    case Comparator::Lte: return boolean(*order <= 0);
    case Comparator::Gt: return boolean(*order > 0);
    case Comparator::Gte: return boolean(*order >= 0);
    default: return &kNullValue;
  }
}

const nlohmann::json* Evaluator::eval_function(const Node& node, const nlohmann::json& current) {
  const std::size_t count = node.children.size();
  std::array<Arg, kInlineArgs> inline_args;
  std::vector<Arg> many_args;
  Arg* args = inline_args.data();
  if (count > kInlineArgs) {
    many_args.resize(count);
    args = many_args.data();
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Node& child = *node.children[i];
    if (child.kind == NodeKind::Expref) {
      args[i] = Arg{nullptr, child.children.front().get()};
    } else {
      args[i] = Arg{eval(child, current), nullptr};
    }
  }
  check_types(*node.function, args, count, *this, node);
  return node.function->impl(*this, args, count, node);
}

}  // namespace wb::expr::jmespath

// What every block shares: its label, rejections, compiling expressions (see block.h).
#include "transform/block.h"

#include "transform/expression_checks.h"

namespace wb::transform {

std::string Block::label() const {
  return "transform[" + std::to_string(index_) + "] " + std::string(config::to_string(kind_));
}

TransformOutcome Block::reject(std::string_view what, std::string_view why) const {
  std::string error = label();
  if (!what.empty()) error += ": " + std::string(what);
  error += ": ";
  error += why;
  return TransformOutcome::reject(std::move(error));
}

RecordExpression compile_expression(const config::Expression& x) {
  try {
    return RecordExpression(to_expr_language(x.language), x.text);
  } catch (const expr::ExpressionError& e) {
    size_t offset = byte_offset_of_column(x.text, e.column().value_or(0));
    std::string where = x.position_of(offset).to_string();
    std::string message = where + ": " + x.path + ": invalid " + std::string(config::to_string(x.language)) +
                          " expression: " + describe(e);
    if (e.column()) message += "\n" + e.caret_diagram();
    throw TransformError(message);
  }
}

std::unique_ptr<Block> compile_block(const config::TransformBlock& block, size_t index) {
  switch (block.kind) {
    case config::TransformKind::kFilter: return make_filter_block(block, index);
    case config::TransformKind::kAddField: return make_add_field_block(block, index);
    case config::TransformKind::kRemoveField: return make_remove_field_block(block, index);
    case config::TransformKind::kRenameField: return make_rename_field_block(block, index);
    case config::TransformKind::kMap: return make_map_block(block, index);
  }
  throw TransformError("unknown transform block kind");
}

}  // namespace wb::transform

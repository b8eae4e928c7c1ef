// filter: keeps the records for which the expression is true (JMESPath truthiness, or SQLite's:
// non-NULL and non-zero); the others are dropped and counted as filtered.
#include "transform/block.h"

namespace wb::transform {
namespace {

class FilterBlock final : public Block {
 public:
  FilterBlock(const config::TransformBlock& b, size_t index)
      : Block(b.kind, index), expression_(compile_expression(*b.expression)) {}

  TransformOutcome apply(ChangeRecord& rec) const override {
    try {
      return expression_.is_true(rec) ? TransformOutcome::keep() : TransformOutcome::filter();
    } catch (const std::exception& e) {
      return reject("", e.what());
    }
  }

 private:
  RecordExpression expression_;
};

}  // namespace

std::unique_ptr<Block> make_filter_block(const config::TransformBlock& block, size_t index) {
  if (!block.expression) throw TransformError(block.pos.to_string() + ": filter without an expression");
  return std::make_unique<FilterBlock>(block, index);
}

}  // namespace wb::transform

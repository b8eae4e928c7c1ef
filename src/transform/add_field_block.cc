// add_field: sets one field (field/expression/language) or several (a fields list) to the value of
// an expression. Dotted names create nested objects. The fields of a list are set in order, each
// expression seeing the fields set before it, as RDI does.
#include <vector>

#include "transform/block.h"
#include "transform/field_path.h"

namespace wb::transform {
namespace {

struct FieldValue {
  std::string field;
  RecordExpression expression;
};

class AddFieldBlock final : public Block {
 public:
  AddFieldBlock(const config::TransformBlock& b, size_t index) : Block(b.kind, index) {
    fields_.reserve(b.fields.size());
    for (const auto& f : b.fields) fields_.push_back({f.field, compile_expression(f.expression)});
  }

  TransformOutcome apply(ChangeRecord& rec) const override {
    for (const FieldValue& f : fields_) {
      nlohmann::json value;
      try {
        value = f.expression.evaluate(rec);
      } catch (const std::exception& e) {
        return reject(f.field, e.what());
      }
      if (auto why = assign_field(rec.mutable_record(), rec.format, f.field, std::move(value))) return reject(f.field, *why);
    }
    return TransformOutcome::keep();
  }

 private:
  std::vector<FieldValue> fields_;
};

}  // namespace

std::unique_ptr<Block> make_add_field_block(const config::TransformBlock& block, size_t index) {
  return std::make_unique<AddFieldBlock>(block, index);
}

}  // namespace wb::transform

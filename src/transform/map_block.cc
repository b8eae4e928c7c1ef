// map: replaces the record with a new one, given either as an object of field -> expression (each
// evaluated on the record as it was before the block; dotted names create nested objects) or as a
// single JMESPath expression that must return an object.
#include <vector>

#include "transform/block.h"
#include "transform/field_path.h"

namespace wb::transform {
namespace {

using nlohmann::json;

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::boolean: return "a boolean";
    default: return "a number";
  }
}

struct FieldValue {
  std::string field;
  RecordExpression expression;
};

class MapBlock final : public Block {
 public:
  MapBlock(const config::TransformBlock& b, size_t index) : Block(b.kind, index) {
    if (b.expression) {
      whole_.emplace(compile_expression(*b.expression));
      return;
    }
    fields_.reserve(b.fields.size());
    for (const auto& f : b.fields) fields_.push_back({f.field, compile_expression(f.expression)});
  }

  TransformOutcome apply(ChangeRecord& rec) const override {
    if (whole_) {
      json result;
      try {
        result = whole_->evaluate(rec);
      } catch (const std::exception& e) {
        return reject("", e.what());
      }
      if (!result.is_object()) return reject("", std::string("the expression returned ") + type_name(result) + ", expected an object");
      rec.set_record(std::move(result));
      return TransformOutcome::keep();
    }
    json out = json::object();
    for (const FieldValue& f : fields_) {
      json value;
      try {
        value = f.expression.evaluate(rec);
      } catch (const std::exception& e) {
        return reject(f.field, e.what());
      }
      // Same names as add_field: in data_only, after.x is x.
      if (auto why = assign_field(out, rec.format, f.field, std::move(value))) return reject(f.field, *why);
    }
    rec.set_record(std::move(out));
    return TransformOutcome::keep();
  }

 private:
  std::optional<RecordExpression> whole_;
  std::vector<FieldValue> fields_;
};

}  // namespace

std::unique_ptr<Block> make_map_block(const config::TransformBlock& block, size_t index) {
  if (!block.expression && block.fields.empty()) throw TransformError(block.pos.to_string() + ": map without an expression");
  return std::make_unique<MapBlock>(block, index);
}

}  // namespace wb::transform

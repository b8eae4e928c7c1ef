// remove_field: removes one field (field) or several (a fields list); dotted names reach into
// nested objects. A field the record does not have is not an error.
#include <vector>

#include "transform/block.h"
#include "transform/field_path.h"

namespace wb::transform {
namespace {

class RemoveFieldBlock final : public Block {
 public:
  RemoveFieldBlock(const config::TransformBlock& b, size_t index) : Block(b.kind, index), fields_(b.remove_fields) {}

  TransformOutcome apply(ChangeRecord& rec) const override {
    for (const std::string& f : fields_) take_field(rec.mutable_record(), rec.format, f);
    return TransformOutcome::keep();
  }

 private:
  std::vector<std::string> fields_;
};

}  // namespace

std::unique_ptr<Block> make_remove_field_block(const config::TransformBlock& block, size_t index) {
  return std::make_unique<RemoveFieldBlock>(block, index);
}

}  // namespace wb::transform

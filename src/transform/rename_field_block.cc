// rename_field: moves a field's value to a new name (from_field/to_field, or a fields list of
// such), in order; nested paths on both sides; other fields unchanged. A from_field the record does
// not have is skipped (nothing to rename); an existing to_field is replaced.
#include <vector>

#include "transform/block.h"
#include "transform/field_path.h"

namespace wb::transform {
namespace {

class RenameFieldBlock final : public Block {
 public:
  RenameFieldBlock(const config::TransformBlock& b, size_t index) : Block(b.kind, index) {
    for (const auto& r : b.renames) renames_.emplace_back(r.from_field, r.to_field);
  }

  TransformOutcome apply(ChangeRecord& rec) const override {
    for (const auto& [from, to] : renames_) {
      auto value = take_field(rec.mutable_record(), rec.format, from);
      if (!value) continue;
      if (auto why = assign_field(rec.mutable_record(), rec.format, to, std::move(*value))) return reject(from + " -> " + to, *why);
    }
    return TransformOutcome::keep();
  }

 private:
  std::vector<std::pair<std::string, std::string>> renames_;
};

}  // namespace

std::unique_ptr<Block> make_rename_field_block(const config::TransformBlock& block, size_t index) {
  return std::make_unique<RenameFieldBlock>(block, index);
}

}  // namespace wb::transform

// Op code conversions and the flat/JSON forms of a record (see change_record.h).
#include "source/change_record.h"

#include <algorithm>

namespace wb {

std::optional<Op> parse_op(std::string_view text) {
  if (text == "c") return Op::Create;
  if (text == "u") return Op::Update;
  if (text == "d") return Op::Delete;
  return std::nullopt;
}

char op_code(Op op) { return static_cast<char>(op); }

std::span<const EntryField> ChangeRecord::flat_fields() const {
  if (!flat_) return {};
  // Clamped, so that a record whose `original` was changed against the rules reads less, not past the end.
  size_t last = std::min(flat_last_, original.size());
  size_t first = std::min(flat_first_, last);
  return {original.data() + first, last - first};
}

const std::string* ChangeRecord::flat_field(std::string_view name) const {
  std::span<const EntryField> fields = flat_fields();
  for (size_t i = fields.size(); i-- > 0;) {  // the last occurrence wins, as in the JSON object
    if (fields[i].first == name) return &fields[i].second;
  }
  return nullptr;
}

bool ChangeRecord::has_member(std::string_view name) const {
  if (flat_) return flat_field(name) != nullptr;
  return record_.is_object() && record_.contains(name);
}

const nlohmann::json& ChangeRecord::record() const {
  if (flat_ && record_.is_null()) {
    record_ = nlohmann::json::object();
    for (const auto& [field, value] : flat_fields()) record_[field] = value;
  }
  return record_;
}

nlohmann::json& ChangeRecord::mutable_record() {
  record();
  flat_ = false;
  return record_;
}

void ChangeRecord::set_record(nlohmann::json record) {
  record_ = std::move(record);
  flat_ = false;
}

void ChangeRecord::set_flat(size_t first, size_t last) {
  flat_ = true;
  flat_first_ = first;
  flat_last_ = last;
  record_ = nullptr;
}

}  // namespace wb

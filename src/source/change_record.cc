// Op code conversions (see change_record.h).
#include "source/change_record.h"

namespace wb {

std::optional<Op> parse_op(std::string_view text) {
  if (text == "c") return Op::Create;
  if (text == "u") return Op::Update;
  if (text == "d") return Op::Delete;
  return std::nullopt;
}

char op_code(Op op) { return static_cast<char>(op); }

}  // namespace wb

// An expression of a job (filter, add_field, map, foreach) compiled once and evaluated on change
// records, with the row-format rules that mappings use (source/record_path.h):
//  - data_only records: `after.x` means the record's own field x unless the record has a field
//    named after; `key.key` is the Redis key (the entry id for stream-source jobs) unless the record
//    has a field named key. SQL resolves each field it reads through these rules (no copy). JMESPath
//    sees the record itself; only an expression that names `after` or `key.` on a record lacking that
//    member is evaluated on a copy that adds them (so `after.country || country` works everywhere).
//  - full records: {key: {key}, before, after, opcode}, taken as they are.
// evaluate()/is_true() are const and may run on several threads at once (the SQL engine keeps its
// prepared statements per thread).
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "expr/expression.h"
#include "source/change_record.h"

namespace wb::transform {

class RecordExpression {
 public:
  // Throws expr::ExpressionError when the text does not compile.
  RecordExpression(expr::Language language, std::string_view text);

  const expr::Compiled& compiled() const { return compiled_; }
  const std::string& text() const { return compiled_.text(); }
  expr::Language language() const { return compiled_.language(); }

  // Throw expr::ExpressionError when evaluation fails on this record (e.g. a JMESPath function
  // given the wrong type).
  nlohmann::json evaluate(const ChangeRecord& rec) const;
  bool is_true(const ChangeRecord& rec) const;

  // The same on a bare JSON value with the given row format (no Redis key: `key.key` is null).
  nlohmann::json evaluate(const nlohmann::json& record, RowFormat format) const;

 private:
  template <typename Result, typename Jmes, typename Sql>
  Result run(const nlohmann::json& record, RowFormat format, std::string_view redis_key, Jmes jmes, Sql sql) const;

  expr::Compiled compiled_;
  bool names_after_ = false;  // JMESPath text names the word `after`
  bool names_key_ = false;    // ... `key.` or `key)`
};

}  // namespace wb::transform

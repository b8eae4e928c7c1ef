// relational.write's foreach: "alias: <jmespath>" writes one row per element of the array the
// expression returns, each row seeing the element as `alias` (RDI's foreach example: one JSON order
// document -> one row per order line, keys `order.code`, mapping `orderDetail.code`, ...).
//
//   ForeachExpander lines(*write.foreach, source_paths_of(write));   // at load
//   for (ChangeRecord& row : lines.expand(record)) ...               // per record
//
// Each row is a ChangeRecord with the parent's metadata (entry id, Redis key, op, format) whose
// record holds the parent's top-level members that the output's paths can reach, plus `alias` set
// to the element (shadowing a parent member of that name). Copying only what the paths need keeps
// a document with many lines from costing lines x document size.
//
// A result that is not an array (null: the field is missing) gives no rows; so does a record of
// op d (it carries no data: the rows its key wrote are found by key tracking).
#pragma once
#include <string>
#include <vector>

#include "applier/job_plan.h"
#include "config/pipeline.h"
#include "source/change_record.h"
#include "transform/record_expression.h"

namespace wb::transform {

class ForeachExpander {
 public:
  // source_paths: the paths the rows are read with (keys, mapping, opcode_field); empty: the rows
  // get every member of the record. Throws TransformError when the expression does not compile.
  ForeachExpander(const config::Foreach& spec, std::vector<std::string> source_paths);

  const std::string& alias() const { return alias_; }
  const RecordExpression& expression() const { return expression_; }

  // Throws expr::ExpressionError when the expression fails on this record.
  std::vector<ChangeRecord> expand(const ChangeRecord& rec) const;

 private:
  bool needed(const std::string& member, RowFormat format) const;

  std::string alias_;
  RecordExpression expression_;
  std::vector<std::string> paths_;
};

// The source paths a relational.write reads rows with: its keys, mapping and opcode_field.
// Empty when the mapping is empty (every top-level field may become a column).
std::vector<std::string> source_paths_of(const config::RelationalWrite& write);

// What the applier's plan wants (PlanOptions::foreach): the expander of write.foreach, compiled now.
// Throws TransformError.
applier::RowExpander row_expander(const config::RelationalWrite& write);

}  // namespace wb::transform

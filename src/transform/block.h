// One compiled transform block of a job (filter, add_field, remove_field, rename_field, map).
//
// A block is compiled once when the pipeline is loaded (its expressions parsed, its paths kept)
// and is immutable afterwards: every worker of the job shares it, apply() is const and may run on
// several threads at once.
//
// apply() rewrites the record in place and says what becomes of it: Keep, Filter (a filter whose
// expression is not true) or Reject (an expression failed on this record; the error names the
// block and goes to the dead-letter stream).
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "applier/transform_chain.h"
#include "config/pipeline.h"
#include "source/change_record.h"
#include "transform/record_expression.h"

namespace wb::transform {

using applier::TransformOutcome;

// A job whose transforms cannot be compiled (an expression that does not compile), located at
// file:line:col of the offending character.
class TransformError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Block {
 public:
  Block(config::TransformKind kind, size_t index) : kind_(kind), index_(index) {}
  virtual ~Block() = default;
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  virtual TransformOutcome apply(ChangeRecord& rec) const = 0;

  config::TransformKind kind() const { return kind_; }
  size_t index() const { return index_; }  // position in the job's transform list
  std::string label() const;               // "transform[1] add_field"

 protected:
  // Reject with "<label>: <what>: <why>" (what: the field concerned, may be empty).
  TransformOutcome reject(std::string_view what, std::string_view why) const;

 private:
  config::TransformKind kind_;
  size_t index_;
};

// Compiles an expression of the pipeline model; throws TransformError at its file:line:col.
RecordExpression compile_expression(const config::Expression& x);

// Compiles block number `index` of a job. Throws TransformError.
std::unique_ptr<Block> compile_block(const config::TransformBlock& block, size_t index);

// The blocks' constructors (one file each).
std::unique_ptr<Block> make_filter_block(const config::TransformBlock& block, size_t index);
std::unique_ptr<Block> make_add_field_block(const config::TransformBlock& block, size_t index);
std::unique_ptr<Block> make_remove_field_block(const config::TransformBlock& block, size_t index);
std::unique_ptr<Block> make_rename_field_block(const config::TransformBlock& block, size_t index);
std::unique_ptr<Block> make_map_block(const config::TransformBlock& block, size_t index);

}  // namespace wb::transform

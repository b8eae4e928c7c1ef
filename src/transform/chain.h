// A job's transform chain: its blocks compiled once at load, applied in order to each record.
//
//   auto transforms = wb::transform::JobTransforms::compile(job);   // throws TransformError
//   TransformOutcome o = transforms->apply(record);                  // Keep, Filter or Reject
//
// chain_factory(job) is what the applier's plan wants (PlanOptions::transforms): it compiles the
// job's blocks once and returns a factory of TransformChain instances, one per worker, all sharing
// the compiled blocks (which are immutable; SQL keeps its prepared statements per thread).
//
// Deletes: a record of op d carries no data (data_only: {}; full: after is null), so no block can
// say anything about it — it passes through every block unchanged, filters included. The row the
// key wrote is found by key tracking, and must go even when a filter would now exclude the key.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "applier/job_plan.h"
#include "applier/transform_chain.h"
#include "config/pipeline.h"
#include "transform/block.h"

namespace wb::transform {

class JobTransforms {
 public:
  // Throws TransformError (an expression that does not compile, at file:line:col).
  static std::shared_ptr<const JobTransforms> compile(const config::Job& job);

  size_t size() const { return blocks_.size(); }
  const Block& block(size_t i) const { return *blocks_[i]; }

  TransformOutcome apply(ChangeRecord& rec) const;

  // apply(), calling after_block(block, rec, outcome) after each block that ran (trace). A record
  // that is filtered or rejected stops at that block.
  using BlockObserver = std::function<void(const Block&, const ChangeRecord&, const TransformOutcome&)>;
  TransformOutcome apply(ChangeRecord& rec, const BlockObserver& after_block) const;

 private:
  std::vector<std::unique_ptr<Block>> blocks_;
};

// The TransformChain of one worker.
class Chain final : public applier::TransformChain {
 public:
  explicit Chain(std::shared_ptr<const JobTransforms> transforms) : transforms_(std::move(transforms)) {}
  TransformOutcome apply(ChangeRecord& rec) override { return transforms_->apply(rec); }

 private:
  std::shared_ptr<const JobTransforms> transforms_;
};

// Compiles the job's blocks now and returns a factory of chains sharing them. Throws TransformError.
applier::TransformChainFactory chain_factory(const config::Job& job);

}  // namespace wb::transform

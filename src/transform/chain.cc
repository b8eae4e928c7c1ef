// A job's compiled transform blocks (see chain.h).
#include "transform/chain.h"

namespace wb::transform {

std::shared_ptr<const JobTransforms> JobTransforms::compile(const config::Job& job) {
  auto t = std::make_shared<JobTransforms>();
  t->blocks_.reserve(job.transforms.size());
  for (size_t i = 0; i < job.transforms.size(); ++i) t->blocks_.push_back(compile_block(job.transforms[i], i));
  return t;
}

TransformOutcome JobTransforms::apply(ChangeRecord& rec) const {
  if (rec.op == Op::Delete) return TransformOutcome::keep();
  for (const auto& b : blocks_) {
    TransformOutcome o = b->apply(rec);
    if (o.verdict != TransformOutcome::Verdict::Keep) return o;
  }
  return TransformOutcome::keep();
}

TransformOutcome JobTransforms::apply(ChangeRecord& rec, const BlockObserver& after_block) const {
  if (rec.op == Op::Delete) return TransformOutcome::keep();
  for (const auto& b : blocks_) {
    TransformOutcome o = b->apply(rec);
    after_block(*b, rec, o);
    if (o.verdict != TransformOutcome::Verdict::Keep) return o;
  }
  return TransformOutcome::keep();
}

applier::TransformChainFactory chain_factory(const config::Job& job) {
  std::shared_ptr<const JobTransforms> transforms = JobTransforms::compile(job);
  return [transforms]() -> std::unique_ptr<applier::TransformChain> { return std::make_unique<Chain>(transforms); };
}

}  // namespace wb::transform

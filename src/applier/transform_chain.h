// The seam between decoding and coalescing where a job's transform blocks (filter, add_field,
// remove_field, rename_field, map — src/transform) run. The applier only knows this interface:
// each record goes through apply() in stream order; the chain may rewrite the record freely with
// mutable_record() / set_record() (change_record.h; a record no block touches stays flat, and its
// JSON is never built) — the Redis key, op, entry id and original fields stay with the
// ChangeRecord —, drop it (counted as filtered) or reject it (an expression failed on this record:
// dead-lettered like a data error).
//
// Records of op d reach the chain too (data_only: an empty record); a chain that filters on field
// values should normally let them through, or deletes would never reach the target.
#pragma once
#include <string>

#include "source/change_record.h"

namespace wb::applier {

struct TransformOutcome {
  enum class Verdict { Keep, Filter, Reject };
  Verdict verdict = Verdict::Keep;
  std::string error;  // Reject: why (goes to the dead-letter stream)

  static TransformOutcome keep() { return {}; }
  static TransformOutcome filter() { return {Verdict::Filter, {}}; }
  static TransformOutcome reject(std::string why) { return {Verdict::Reject, std::move(why)}; }
};

class TransformChain {
 public:
  virtual ~TransformChain() = default;
  virtual TransformOutcome apply(ChangeRecord& record) = 0;
};

// No transform blocks: every record is kept as it is.
class IdentityTransformChain final : public TransformChain {
 public:
  TransformOutcome apply(ChangeRecord&) override { return TransformOutcome::keep(); }
};

}  // namespace wb::applier

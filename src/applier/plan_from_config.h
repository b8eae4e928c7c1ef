// The adapter from the pipeline model (src/config) to what the applier runs (job_plan.h): resolves
// connections (secrets included), load strategies, TYPE2 settings and the applier settings, and
// names each output. Kept apart so that the applier itself does not depend on the YAML model.
#pragma once
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "applier/job_plan.h"
#include "config/pipeline.h"

namespace wb::applier {

// A pipeline that loads but cannot run here (an output kind or target the applier does not write,
// a TYPE2 indicator it cannot read, transforms with no transform engine, an unset secret).
class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PlanOptions {
  RedisEndpoint redis;
  std::string prefix = "wb:";
  std::string instance_id;  // empty: default_instance_id()
  // Where relative SQLite paths are resolved: the pipeline directory (`run --dir`), else the
  // current directory.
  std::filesystem::path pipeline_dir;
  // Builds the transform chain of a job that has transform blocks. Empty: such a job is a PlanError
  // (running it without its filters would write what the job excludes).
  std::function<TransformChainFactory(const config::Job&)> transforms;
  // Builds the row expander of a relational.write with `foreach`. Empty: such an output is a
  // PlanError.
  std::function<RowExpander(const config::RelationalWrite&)> foreach;
};

ApplierPlan plan_from_config(const config::Pipeline& pipeline, const PlanOptions& options);

// TYPE2: "is_active = 'Y'" (or "is_active" alone) and the inactive_record_mapping -> Type2Spec.
// Throws PlanError when the indicator is not `column [= literal]`.
sink::Type2Spec type2_spec_from(const config::RelationalWrite& w);

}  // namespace wb::applier

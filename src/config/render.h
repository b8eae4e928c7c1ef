// A normalized, deterministic rendering of a pipeline as JSON: defaults applied, every field in a
// fixed order, secrets left unresolved and passwords shown as ****. Used by describe-job and as
// the `expected` output of valid cases in the test corpus; the same pipeline always renders to
// the same text, whichever spelling (source.redis or source.keyspace, single or list form) it was
// written in.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "config/pipeline.h"

namespace wb::config {

inline constexpr std::string_view kMaskedPassword = "****";

nlohmann::ordered_json connection_to_json(const Connection& c);  // password masked
nlohmann::ordered_json applier_to_json(const ApplierSettings& a);
nlohmann::ordered_json job_to_json(const Job& job);
nlohmann::ordered_json pipeline_to_json(const Pipeline& pipeline);

// pipeline_to_json, indented by two spaces, ending in a newline.
std::string render_pipeline(const Pipeline& pipeline);

}  // namespace wb::config

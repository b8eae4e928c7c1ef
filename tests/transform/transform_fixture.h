// Helpers of the transform tests: a job loaded from YAML text through the real pipeline loader
// (with the expression checkers registered), and change records in both row formats shaped like
// the entry decoder's.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "config/loader.h"
#include "source/change_record.h"
#include "transform/chain.h"
#include "transform/expression_checks.h"

namespace wbtest {

using nlohmann::json;

inline const char* kTestConfig =
    "connections:\n"
    "  db:\n"
    "    type: sqlite\n"
    "    database: ./t.db\n";

// Loads config + jobs/<name>.yaml; fails the test when the pipeline has errors.
inline wb::config::LoadResult load_jobs(const std::map<std::string, std::string>& jobs) {
  static bool registered = [] {
    wb::transform::register_expression_checkers();
    return true;
  }();
  (void)registered;
  wb::config::PipelineFiles files;
  files["config.yaml"] = kTestConfig;
  for (const auto& [name, text] : jobs) files["jobs/" + name + ".yaml"] = text;
  return wb::config::load_pipeline(files);
}

inline wb::config::Job load_job(const std::string& job_yaml) {
  auto r = load_jobs({{"j", job_yaml}});
  EXPECT_TRUE(r.ok()) << r.diagnostics.to_string();
  if (r.pipeline.jobs.empty()) return {};
  return r.pipeline.jobs[0];
}

// A job with these transform blocks (YAML list items, indented by 2), a captured source and a
// relational output; full: row_format full.
inline std::string job_yaml(const std::string& transform, bool full = false) {
  return std::string("source:\n  redis:\n    key_pattern: k:*\n") + (full ? "  row_format: full\n" : "") +
         "transform:\n" + transform +
         "output:\n  - uses: relational.write\n    with:\n      connection: db\n      table: t\n";
}

inline std::shared_ptr<const wb::transform::JobTransforms> compile_transforms(const std::string& transform,
                                                                              bool full = false) {
  return wb::transform::JobTransforms::compile(load_job(job_yaml(transform, full)));
}

// A record as the decoder makes it: data_only -> data itself ({} for d); full -> {key: {key},
// before: null, after: data (null for d), opcode}.
inline wb::ChangeRecord make_record(json data, wb::RowFormat format = wb::RowFormat::DataOnly,
                                    wb::Op op = wb::Op::Create, const std::string& key = "k:1") {
  wb::ChangeRecord r;
  r.entry_id = "1700000000000-0";
  r.redis_key = key;
  r.op = op;
  r.format = format;
  if (op == wb::Op::Delete) data = json::object();
  if (format == wb::RowFormat::Full) {
    r.set_record(json{{"key", {{"key", key}}},
                      {"before", nullptr},
                      {"after", op == wb::Op::Delete ? json() : data},
                      {"opcode", std::string(1, wb::op_code(op))}});
  } else {
    r.set_record(data);
  }
  return r;
}

inline wb::ChangeRecord full_record(json data, wb::Op op = wb::Op::Create) {
  return make_record(std::move(data), wb::RowFormat::Full, op);
}

using Verdict = wb::applier::TransformOutcome::Verdict;

}  // namespace wbtest

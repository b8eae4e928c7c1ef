// Job discovery from the deployed pipeline and the live appliers (see known_jobs.h).
#include "metrics/known_jobs.h"

#include <algorithm>

#include "config/deployed_pipeline.h"
#include "config/loader.h"

namespace wb::metrics {

const JobRef* KnownJobs::find(const std::string& name) const {
  for (const JobRef& j : jobs) {
    if (j.name == name) return &j;
  }
  return nullptr;
}

std::string KnownJobs::names() const {
  std::string out;
  for (const JobRef& j : jobs) {
    if (!out.empty()) out += ", ";
    out += j.name;
  }
  return out;
}

KnownJobs discover_jobs(RedisConnection& redis, std::string_view prefix, const std::vector<InstanceInfo>& instances,
                        int64_t now_ms) {
  KnownJobs known;
  std::map<std::string, JobRef> by_name;
  if (auto deployed = config::fetch_pipeline(redis, prefix)) {
    known.pipeline_deployed = true;
    config::LoadOptions options;
    options.checkers = nullptr;  // only the jobs' shape matters here
    config::LoadResult loaded = config::load_pipeline(deployed->files, options);
    for (const auto& [name, conn] : loaded.pipeline.connections) {
      known.connection_types[name] = std::string(config::to_string(conn.type));
    }
    for (const config::Job& job : loaded.pipeline.jobs) {
      JobRef ref;
      ref.name = job.name;
      if (job.source.kind == config::SourceKind::kStream) ref.stream = job.source.stream_name;
      for (const config::Output& o : job.outputs) {
        if (std::find(ref.connections.begin(), ref.connections.end(), o.connection()) == ref.connections.end()) {
          ref.connections.push_back(o.connection());
        }
      }
      by_name[ref.name] = std::move(ref);
    }
  }
  for (const InstanceInfo& inst : instances) {
    if (!inst.alive(now_ms)) continue;
    for (const JobRef& j : inst.jobs) by_name.try_emplace(j.name, j);
  }
  for (auto& [name, ref] : by_name) known.jobs.push_back(std::move(ref));
  return known;
}

}  // namespace wb::metrics

// The in-memory view of the job registry: the jobs read from the hash <prefix>jobs in the capture
// database, the key matcher built from their patterns, and per-job counters.
//
// The hash is the single source of truth (RDB, AOF and replication carry it); this view is rebuilt
// from it whenever it may have changed: at load, after RDB/AOF loading, on a role change, after
// FLUSHALL/FLUSHDB/SWAPDB, and on any keyspace event on the registry key itself (which is how a
// replica or a WB.JOB.SET sees changes). mark_dirty() only sets a flag; refresh() rebuilds lazily
// at the next moment the view is needed, so a burst of registry writes costs one rebuild.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "module/job_spec.h"
#include "module/key_matcher.h"
#include "module/rm_handles.h"

namespace wb::capture {

// Keys are captured, and the registry and streams live, in this database only.
inline constexpr int kCaptureDb = 0;
inline constexpr std::string_view kDefaultPrefix = "wb:";
inline constexpr std::size_t kMaxPrefixBytes = 64;

// Counters kept in memory per job name (reset when the server restarts).
struct JobCounters {
  uint64_t captured = 0;             // entries appended (or queued for appending) to the stream
  uint64_t skipped_excluded = 0;     // changes ignored because of the job's EXCLUDE list
  uint64_t skipped_unsupported = 0;  // changes to a matching key of an unsupported type (list, ...)
};

struct Job {
  JobSpec spec;
  rm::String stream_key;            // <prefix>stream:<name>
  JobCounters* counters = nullptr;  // owned by the Registry, stable while the job exists
};

class Registry {
 public:
  explicit Registry(std::string prefix);

  const std::string& prefix() const { return prefix_; }
  const std::string& registry_key_name() const { return registry_key_name_; }
  RedisModuleString* registry_key() const { return registry_key_.get(); }
  std::string stream_key_name(std::string_view job) const { return prefix_ + "stream:" + std::string(job); }

  // True if `key` is under the reserved prefix (never captured).
  bool is_reserved(std::string_view key) const {
    return key.size() >= prefix_.size() && key.compare(0, prefix_.size(), prefix_) == 0;
  }

  void mark_dirty() { dirty_ = true; }
  bool dirty() const { return dirty_; }
  // Rebuilds from the registry hash if dirty. `ctx` must have the capture database selected.
  void refresh(RedisModuleCtx* ctx);

  const std::vector<Job>& jobs() const { return jobs_; }  // sorted by name
  const KeyMatcher& matcher() const { return matcher_; }
  const Job* find(std::string_view name) const;

 private:
  std::string prefix_;
  std::string registry_key_name_;
  rm::String registry_key_;
  bool dirty_ = true;
  std::vector<Job> jobs_;
  KeyMatcher matcher_;
  std::map<std::string, std::unique_ptr<JobCounters>, std::less<>> counters_;
};

}  // namespace wb::capture

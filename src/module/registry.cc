// Rebuilding the in-memory job registry from the registry hash (see registry.h).
#include "module/registry.h"

#include <algorithm>
#include <new>
#include <string>
#include <variant>

namespace wb::capture {

namespace {

struct ScanState {
  std::vector<std::pair<std::string, std::string>> entries;
  bool failed = false;
};

// Called by Redis from inside RedisModule_ScanKey: nothing may throw through it.
void collect_entry(RedisModuleKey*, RedisModuleString* field, RedisModuleString* value,
                   void* pd) noexcept {
  auto* state = static_cast<ScanState*>(pd);
  try {
    state->entries.emplace_back(std::string(rm::view(field)), std::string(rm::view(value)));
  } catch (...) {
    state->failed = true;
  }
}

}  // namespace

Registry::Registry(std::string prefix)
    : prefix_(std::move(prefix)),
      registry_key_name_(prefix_ + "jobs"),
      registry_key_(rm::String::copy_of(registry_key_name_)) {}

const Job* Registry::find(std::string_view name) const {
  auto it = std::lower_bound(jobs_.begin(), jobs_.end(), name,
                             [](const Job& j, std::string_view n) { return j.spec.name < n; });
  return (it != jobs_.end() && it->spec.name == name) ? &*it : nullptr;
}

void Registry::refresh(RedisModuleCtx* ctx) {
  if (!dirty_) return;

  ScanState state;
  {
    rm::Key key(ctx, registry_key_.get(), REDISMODULE_READ | REDISMODULE_OPEN_KEY_NOTOUCH);
    if (key.type() == REDISMODULE_KEYTYPE_HASH) {
      rm::ScanCursor cursor;
      while (RedisModule_ScanKey(key.get(), cursor.get(), collect_entry, &state)) {
      }
    } else if (key.type() != REDISMODULE_KEYTYPE_EMPTY) {
      RedisModule_Log(ctx, "warning",
                      "writebehind: registry key '%s' is not a hash; no capture jobs are active",
                      registry_key_name_.c_str());
    }
  }
  if (state.failed) throw std::bad_alloc();  // stays dirty: retried at the next use
  // A hash scan can in principle report a field twice; keep the first of each name.
  std::sort(state.entries.begin(), state.entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  std::vector<Job> jobs;
  jobs.reserve(state.entries.size());
  for (std::size_t i = 0; i < state.entries.size(); ++i) {
    const auto& [name, value] = state.entries[i];
    if (i > 0 && state.entries[i - 1].first == name) continue;
    auto parsed = deserialize(name, value);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      RedisModule_Log(ctx, "warning", "writebehind: ignoring job '%.64s' in %s: %s", name.c_str(),
                      registry_key_name_.c_str(), why->c_str());
      continue;
    }
    Job job;
    job.spec = std::move(std::get<JobSpec>(parsed));
    job.stream_key = rm::String::copy_of(stream_key_name(job.spec.name));
    jobs.push_back(std::move(job));
  }

  // Counters survive a rebuild for jobs that still exist and are dropped for the others.
  std::map<std::string, std::unique_ptr<JobCounters>, std::less<>> counters;
  KeyMatcher matcher;
  for (uint32_t i = 0; i < jobs.size(); ++i) {
    Job& job = jobs[i];
    auto it = counters_.find(job.spec.name);
    auto owned = it != counters_.end() ? std::move(it->second) : std::make_unique<JobCounters>();
    job.counters = owned.get();
    counters.emplace(job.spec.name, std::move(owned));
    for (const std::string& pattern : job.spec.patterns) matcher.add(pattern, i);
  }
  jobs_ = std::move(jobs);
  matcher_ = std::move(matcher);
  counters_ = std::move(counters);
  dirty_ = false;
  RedisModule_Log(ctx, "verbose", "writebehind: %zu capture job(s) active", jobs_.size());
}

}  // namespace wb::capture

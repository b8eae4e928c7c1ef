// Applier heartbeats and target states in Redis (see instance_registry.h).
#include "metrics/instance_registry.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "metrics/ops_keys.h"

namespace wb::metrics {
namespace {

using nlohmann::json;

template <class T>
T get_or(const json& doc, const char* name, T fallback) {
  auto it = doc.find(name);
  if (it == doc.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

}  // namespace

std::string to_json_text(const InstanceInfo& info) {
  json jobs = json::array();
  for (const JobRef& j : info.jobs)
    jobs.push_back({{"name", j.name}, {"stream", j.stream}, {"connections", j.connections}});
  json doc = {{"host", info.host},
              {"pid", info.pid},
              {"version", info.version},
              {"started_ms", info.started_ms},
              {"heartbeat_ms", info.heartbeat_ms},
              {"metrics", info.metrics},
              {"pipeline_checksum", info.pipeline_checksum},
              {"jobs", jobs}};
  return doc.dump();
}

std::string to_json_text(const TargetState& t) {
  json doc = {{"type", t.type}, {"reachable", t.reachable}, {"checked_ms", t.checked_ms}, {"instance", t.instance}};
  return doc.dump();
}

void publish_instance(RedisConnection& redis, std::string_view prefix, const InstanceInfo& info) {
  redis.command({"HSET", instances_key(prefix), info.id, to_json_text(info)});
}

void remove_instance(RedisConnection& redis, std::string_view prefix, const std::string& id) {
  redis.command({"HDEL", instances_key(prefix), id});
}

std::vector<InstanceInfo> read_instances(RedisConnection& redis, std::string_view prefix, int64_t now_ms) {
  std::vector<InstanceInfo> out;
  RedisReplyPtr r = redis.command({"HGETALL", instances_key(prefix)});
  for (size_t i = 0; i + 1 < reply_size(r.get()); i += 2) {
    InstanceInfo info;
    info.id = reply_text(reply_at(r.get(), i));
    json doc = json::parse(reply_text(reply_at(r.get(), i + 1)), nullptr, false);
    if (!doc.is_object()) continue;
    info.host = get_or<std::string>(doc, "host", "");
    info.pid = get_or<int64_t>(doc, "pid", 0);
    info.version = get_or<std::string>(doc, "version", "");
    info.started_ms = get_or<int64_t>(doc, "started_ms", 0);
    info.heartbeat_ms = get_or<int64_t>(doc, "heartbeat_ms", 0);
    info.metrics = get_or<std::string>(doc, "metrics", "");
    info.pipeline_checksum = get_or<std::string>(doc, "pipeline_checksum", "");
    if (now_ms - info.heartbeat_ms > kInstanceForgetAfter.count()) {
      redis.command({"HDEL", instances_key(prefix), info.id});
      continue;
    }
    auto jobs = doc.find("jobs");
    if (jobs != doc.end() && jobs->is_array()) {
      for (const json& j : *jobs) {
        if (!j.is_object()) continue;
        JobRef ref;
        ref.name = get_or<std::string>(j, "name", "");
        ref.stream = get_or<std::string>(j, "stream", "");
        ref.connections = get_or<std::vector<std::string>>(j, "connections", {});
        if (!ref.name.empty()) info.jobs.push_back(std::move(ref));
      }
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const InstanceInfo& a, const InstanceInfo& b) { return a.id < b.id; });
  return out;
}

void publish_target_states(RedisConnection& redis, std::string_view prefix, const std::vector<TargetState>& targets) {
  if (targets.empty()) return;
  std::vector<std::string> cmd{"HSET", targets_key(prefix)};
  for (const TargetState& t : targets) {
    cmd.push_back(t.connection);
    cmd.push_back(to_json_text(t));
  }
  redis.command(cmd);
}

std::map<std::string, TargetState> read_target_states(RedisConnection& redis, std::string_view prefix) {
  std::map<std::string, TargetState> out;
  RedisReplyPtr r = redis.command({"HGETALL", targets_key(prefix)});
  for (size_t i = 0; i + 1 < reply_size(r.get()); i += 2) {
    TargetState t;
    t.connection = reply_text(reply_at(r.get(), i));
    json doc = json::parse(reply_text(reply_at(r.get(), i + 1)), nullptr, false);
    if (!doc.is_object()) continue;
    t.type = get_or<std::string>(doc, "type", "");
    t.reachable = get_or<bool>(doc, "reachable", false);
    t.checked_ms = get_or<int64_t>(doc, "checked_ms", 0);
    t.instance = get_or<std::string>(doc, "instance", "");
    out[t.connection] = std::move(t);
  }
  return out;
}

}  // namespace wb::metrics

// /api/status JSON (see status_json.h).
#include "metrics/status_json.h"

namespace wb::metrics {

using nlohmann::json;

nlohmann::json status_to_json(const StatusSnapshot& snap, bool ready, size_t max_history) {
  json jobs = json::array();
  for (const JobSnapshot& j : snap.jobs) {
    const JobStatus& s = j.status;
    json rejected = json::array();
    for (const DeadLetter& d : s.latest_rejected) {
      rejected.push_back({{"id", d.id},
                          {"time", d.time},
                          {"error", d.error},
                          {"output", d.output},
                          {"entry_id", d.entry_id},
                          {"key", d.original_field("key")},
                          {"op", d.original_field("op")}});
    }
    json history = json::array();
    size_t skip = j.history.size() > max_history ? j.history.size() - max_history : 0;
    for (size_t i = skip; i < j.history.size(); ++i) {
      const HistoryPoint& p = j.history[i];
      history.push_back({{"seq", p.seq},
                         {"t_ms", p.t_ms},
                         {"inserted", p.inserted},
                         {"updated", p.updated},
                         {"deleted", p.deleted},
                         {"filtered", p.filtered},
                         {"rejected", p.rejected},
                         {"lag_ms", p.lag_ms},
                         {"backlog", p.backlog},
                         {"pending", p.pending}});
    }
    jobs.push_back({{"name", s.job.name},
                    {"state", j.state},
                    {"paused", s.paused},
                    {"stream", s.stream},
                    {"counters",
                     {{"inserted", s.counters.inserted},
                      {"updated", s.counters.updated},
                      {"deleted", s.counters.deleted},
                      {"filtered", s.counters.filtered},
                      {"rejected", s.counters.rejected}}},
                    {"last_entry_id", s.counters.last_entry_id},
                    {"last_applied_ms", s.counters.last_applied_ms},
                    {"last_error", s.counters.last_error},
                    {"backlog", s.stream_length},
                    {"pending", s.pending},
                    {"lag_ms", s.lag_ms},
                    {"dead_letters", s.dead_letters},
                    {"targets", s.job.connections},
                    {"latest_rejected", rejected},
                    {"history", history}});
  }
  json targets = json::array();
  for (const TargetState& t : snap.targets) {
    targets.push_back(
        {{"name", t.connection}, {"type", t.type}, {"reachable", t.reachable}, {"checked_ms", t.checked_ms}});
  }
  return json{{"seq", snap.seq},
              {"now_ms", snap.now_ms},
              {"instance", snap.instance},
              {"version", snap.version},
              {"started_ms", snap.started_ms},
              {"ready", ready},
              {"pipeline_checksum", snap.pipeline_checksum},
              {"redis", {{"url", snap.redis}, {"reachable", snap.redis_ok}, {"error", snap.redis_error}}},
              {"jobs", jobs},
              {"targets", targets}};
}

}  // namespace wb::metrics

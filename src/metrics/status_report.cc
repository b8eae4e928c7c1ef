// `writebehind status`: collection and rendering (see status_report.h).
#include "metrics/status_report.h"

#include <set>

#include "metrics/text_table.h"

namespace wb::metrics {

StatusReport collect_status(RedisConnection& redis, const std::string& prefix) {
  StatusReport r;
  r.redis = redis.endpoint().to_string();
  r.prefix = prefix;
  r.now_ms = redis_time_ms(redis);
  r.instances = read_instances(redis, prefix, r.now_ms);
  r.known = discover_jobs(redis, prefix, r.instances, r.now_ms);
  std::set<std::string> running;
  for (const InstanceInfo& i : r.instances) {
    if (!i.alive(r.now_ms)) continue;
    for (const JobRef& j : i.jobs) running.insert(j.name);
  }
  for (const JobRef& ref : r.known.jobs) {
    StatusReport::Job job;
    job.status = read_job_status(redis, prefix, ref, resolve_stream(redis, ref), r.now_ms, 0);
    if (job.status.paused) {
      job.state = "paused";
    } else if (!running.contains(ref.name)) {
      job.state = "stopped";
    } else if (job.status.counters.state == "retrying" || job.status.counters.state == "schema-error") {
      job.state = job.status.counters.state;
    } else {
      job.state = "running";
    }
    r.jobs.push_back(std::move(job));
  }
  r.targets = read_target_states(redis, prefix);
  return r;
}

std::string render_status(const StatusReport& r) {
  std::string out;
  size_t alive = 0;
  for (const InstanceInfo& i : r.instances) alive += i.alive(r.now_ms) ? 1 : 0;
  out += "Redis   " + r.redis + "  (time " + iso8601_ms(r.now_ms) + ")\n";
  if (alive == 0) {
    out += "Engine  stopped: no applier is running\n";
  } else {
    out += "Engine  running: " + std::to_string(alive) + (alive == 1 ? " applier\n" : " appliers\n");
  }
  for (const InstanceInfo& i : r.instances) {
    if (i.alive(r.now_ms)) {
      out += "        " + i.id + "  up " + human_duration_ms(r.now_ms - i.started_ms) + ", version " + i.version +
             (i.metrics.empty() ? "" : ", metrics http://" + i.metrics + "/") + "\n";
    } else {
      out += "        " + i.id + "  gone (last heartbeat " + human_duration_ms(r.now_ms - i.heartbeat_ms) + " ago)\n";
    }
  }
  out += "\n";

  if (r.jobs.empty()) {
    out += "No jobs: nothing is deployed (writebehind deploy --dir DIR) and no applier is running.\n";
  } else {
    TextTable jobs({"JOB", "STATE", "INSERTED", "UPDATED", "DELETED", "FILTERED", "REJECTED", "BACKLOG", "PENDING",
                    "LAG", "DLQ", "LAST APPLIED", "LAST ENTRY"},
                   {false, false, true, true, true, true, true, true, true, true, true, false, false});
    for (const auto& j : r.jobs) {
      const JobStatus& s = j.status;
      const JobCountersView& c = s.counters;
      jobs.add_row({s.job.name, j.state, std::to_string(c.inserted), std::to_string(c.updated),
                    std::to_string(c.deleted), std::to_string(c.filtered), std::to_string(c.rejected),
                    std::to_string(s.stream_length), std::to_string(s.pending), human_duration_ms(s.lag_ms),
                    std::to_string(s.dead_letters), iso8601_ms(c.last_applied_ms),
                    c.last_entry_id.empty() ? "-" : c.last_entry_id});
    }
    out += jobs.render();
    for (const auto& j : r.jobs) {
      const JobStatus& s = j.status;
      if (s.paused) {
        out += "  " + s.job.name + ": paused since " + iso8601_ms(s.paused_since_ms) + " (writebehind start --job " +
               s.job.name + " resumes it)\n";
      }
      if ((j.state == "retrying" || j.state == "schema-error") && !s.counters.last_error.empty()) {
        out += "  " + s.job.name + ": " + j.state + ": " + s.counters.last_error + "\n";
      }
      if (s.dead_letters > 0) {
        out += "  " + s.job.name + ": " + std::to_string(s.dead_letters) +
               " rejected entries (writebehind get-rejected --job " + s.job.name + ")\n";
      }
    }
  }

  std::map<std::string, std::vector<std::string>> users;  // connection -> jobs
  for (const JobRef& j : r.known.jobs) {
    for (const std::string& c : j.connections) users[c].push_back(j.name);
  }
  for (const auto& [name, t] : r.targets) users.try_emplace(name);
  if (!users.empty()) {
    out += "\n";
    TextTable targets({"TARGET", "TYPE", "REACHABLE", "CHECKED", "JOBS"});
    for (const auto& [name, jobs] : users) {
      std::string type, reachable = "unknown", checked = "-";
      auto ct = r.known.connection_types.find(name);
      if (ct != r.known.connection_types.end()) type = ct->second;
      auto it = r.targets.find(name);
      if (it != r.targets.end()) {
        if (type.empty()) type = it->second.type;
        int64_t age = r.now_ms - it->second.checked_ms;
        checked = human_duration_ms(age) + " ago";
        // A state no live applier refreshes any more says nothing about now.
        if (age <= kInstanceStaleAfter.count()) reachable = it->second.reachable ? "yes" : "NO";
      }
      std::string job_list;
      for (const auto& j : jobs) job_list += (job_list.empty() ? "" : ", ") + j;
      targets.add_row({name, type.empty() ? "-" : type, reachable, checked, job_list.empty() ? "-" : job_list});
    }
    out += targets.render();
  }
  return out;
}

}  // namespace wb::metrics

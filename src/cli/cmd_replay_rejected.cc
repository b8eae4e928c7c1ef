// writebehind replay-rejected --job NAME (--all | --id ID ...) [--redis URL]: after fixing the
// cause of a rejection (say, a column too narrow), puts those dead letters back into the job's
// stream with their original fields — the applier reads them as if just captured — and removes
// them from the dead-letter stream, atomically per entry (metrics/dead_letter_replay.h). --all
// replays oldest first, so the entries keep their order.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "metrics/dead_letter_entry.h"
#include "metrics/dead_letter_replay.h"
#include "metrics/instance_registry.h"
#include "metrics/known_jobs.h"
#include "metrics/ops_keys.h"

namespace wb::cli {
namespace {

constexpr size_t kReadChunk = 1000;

struct ReplayOptions {
  std::string redis;
  std::string job;
  bool all = false;
  std::vector<std::string> ids;
};

// The job's stream: a stream-source job's own stream (from the deployed pipeline or a live
// applier), else the module's capture stream.
std::string job_stream(RedisConnection& redis, const std::string& prefix, const std::string& job) {
  int64_t now = metrics::redis_time_ms(redis);
  metrics::KnownJobs known = metrics::discover_jobs(redis, prefix, metrics::read_instances(redis, prefix, now), now);
  const metrics::JobRef* ref = known.find(job);
  std::string stream = metrics::resolve_stream(redis, ref != nullptr ? *ref : metrics::JobRef{job, "", {}});
  if (stream.empty()) {
    throw CliFailure("job '" + job + "' has no stream: it is not captured by the module (writebehind deploy) " +
                     (known.jobs.empty() ? std::string("and no job is known") : "(known jobs: " + known.names() + ")"));
  }
  return stream;
}

void run_replay(const ReplayOptions& o) {
  if (o.all == !o.ids.empty()) throw CliFailure("give either --all or --id ID ...", kExitUsage);
  auto redis = connect_redis(o.redis);
  const std::string prefix = config::fetch_module_key_prefix(*redis);
  const std::string dlq = metrics::dlq_key(prefix, o.job);
  const std::string stream = job_stream(*redis, prefix, o.job);

  std::vector<std::string> ids = o.ids;
  if (o.all) {
    std::string start = "-";
    for (;;) {
      RedisReplyPtr r = redis->command({"XRANGE", dlq, start, "+", "COUNT", std::to_string(kReadChunk)});
      auto entries = metrics::stream_entries_of(r.get());
      for (auto& [id, fields] : entries) ids.push_back(id);
      if (entries.size() < kReadChunk) break;
      start = "(" + entries.back().first;
    }
    if (ids.empty()) {
      std::cout << "job " << o.job << ": no rejected entries to replay\n";
      return;
    }
  } else {
    // Check every id first: a typo replays nothing.
    std::vector<std::string> missing;
    for (const std::string& id : ids) {
      if (!metrics::read_dead_letter(*redis, dlq, id)) missing.push_back(id);
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& id : missing) list += (list.empty() ? "" : ", ") + id;
      throw CliFailure("no such entry in " + dlq + ": " + list + " (writebehind get-rejected --job " + o.job + ")");
    }
  }

  size_t replayed = 0, gone = 0;
  for (const std::string& id : ids) {
    metrics::ReplayResult r = metrics::replay_dead_letter(*redis, dlq, stream, id);
    if (r.outcome == metrics::ReplayResult::Outcome::Replayed) {
      ++replayed;
      std::cout << "replayed " << id << " -> " << stream << " " << r.new_id << "\n";
    } else {
      ++gone;  // replayed or removed by someone else meanwhile
      std::cout << "skipped " << id << ": no longer in " << dlq << "\n";
    }
  }
  std::cout << "job " << o.job << ": " << count(replayed, "entry") << " replayed into " << stream
            << (gone > 0 ? ", " + std::to_string(gone) + " already gone" : "") << "\n";
}

}  // namespace

void register_replay_rejected(CLI::App& app) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App* cmd = app.add_subcommand(
      "replay-rejected", "Put rejected entries back into the job's stream and remove them from the dead-letter stream");
  add_redis_option(cmd, &o->redis);
  cmd->add_option("--job", o->job, "The job")->required();
  cmd->add_flag("--all", o->all, "Every rejected entry of the job, oldest first");
  cmd->add_option("--id", o->ids, "A dead-letter entry id (as get-rejected shows it); repeatable");
  cmd->callback([o] { run_replay(*o); });
}

}  // namespace wb::cli

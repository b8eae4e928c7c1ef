// writebehind get-rejected [--job NAME] [--max-records N] [--oldest] [--json] [--redis URL]: the
// entries of the dead-letter streams (<prefix>dlq:<job>) with the record, the error and the time,
// newest first unless --oldest. Without --job: every job's dead letters, merged by time.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "config/deployed_pipeline.h"
#include "metrics/dead_letter_entry.h"
#include "metrics/dead_letter_format.h"
#include "metrics/job_status.h"
#include "metrics/ops_keys.h"

namespace wb::cli {
namespace {

constexpr size_t kDefaultMaxRecords = 100;
constexpr size_t kScanCount = 1000;

struct GetRejectedOptions {
  std::string redis;
  std::string job;
  size_t max_records = kDefaultMaxRecords;
  bool oldest = false;
  bool json = false;
};

// Jobs with a dead-letter stream: SCAN <prefix>dlq:*.
std::vector<std::string> jobs_with_dead_letters(RedisConnection& redis, const std::string& prefix) {
  const std::string key_prefix = metrics::dlq_key(prefix, "");
  std::vector<std::string> jobs;
  std::string cursor = "0";
  do {
    RedisReplyPtr r = redis.command(
        {"SCAN", cursor, "MATCH", key_prefix + "*", "TYPE", "stream", "COUNT", std::to_string(kScanCount)});
    cursor = std::string(reply_text(reply_at(r.get(), 0)));
    const redisReply* keys = reply_at(r.get(), 1);
    for (size_t i = 0; i < reply_size(keys); ++i)
      jobs.emplace_back(reply_text(reply_at(keys, i)).substr(key_prefix.size()));
  } while (cursor != "0");
  std::sort(jobs.begin(), jobs.end());
  jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
  return jobs;
}

void run_get_rejected(const GetRejectedOptions& o) {
  auto redis = connect_redis(o.redis);
  const std::string prefix = config::fetch_module_key_prefix(*redis);
  std::vector<std::string> jobs =
      o.job.empty() ? jobs_with_dead_letters(*redis, prefix) : std::vector<std::string>{o.job};

  std::vector<std::pair<std::string, metrics::DeadLetter>> all;  // (job, letter)
  for (const std::string& job : jobs) {
    for (auto& d : metrics::read_dead_letters(*redis, metrics::dlq_key(prefix, job), o.max_records, o.oldest)) {
      all.emplace_back(job, std::move(d));
    }
  }
  // Merge the jobs by the dead letters' ids (their time of rejection), then keep max_records.
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    int64_t ta = metrics::stream_id_ms(a.second.id), tb = metrics::stream_id_ms(b.second.id);
    if (ta != tb) return o.oldest ? ta < tb : ta > tb;
    return false;
  });
  if (o.max_records > 0 && all.size() > o.max_records) all.resize(o.max_records);

  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [job, d] : all) out.push_back(metrics::dead_letter_to_json(job, d));
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (all.empty()) {
    std::cout << (o.job.empty() ? std::string("no rejected entries\n") : "no rejected entries for job " + o.job + "\n");
    return;
  }
  bool first = true;
  for (const auto& [job, d] : all) {
    if (!first) std::cout << "\n";
    first = false;
    std::cout << metrics::dead_letter_to_text(job, d);
  }
}

}  // namespace

void register_get_rejected(CLI::App& app) {
  auto o = std::make_shared<GetRejectedOptions>();
  CLI::App* cmd = app.add_subcommand("get-rejected", "Show rejected entries (the dead-letter streams)");
  add_redis_option(cmd, &o->redis);
  cmd->add_option("--job", o->job, "Only this job (default: every job)");
  cmd->add_option("--max-records", o->max_records, "At most N entries (0: all; default 100)");
  cmd->add_flag("--oldest", o->oldest, "Oldest first (default: newest first)");
  cmd->add_flag("--json", o->json, "Print a JSON array");
  cmd->callback([o] { run_get_rejected(*o); });
}

}  // namespace wb::cli

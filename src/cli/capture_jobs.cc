// Capture job registration through the module's commands (see capture_jobs.h).
#include "cli/capture_jobs.h"

#include "cli/cli_support.h"

namespace wb::cli {
namespace {

std::vector<std::string> string_array(const redisReply* r) {
  std::vector<std::string> out;
  for (size_t i = 0; i < reply_size(r); ++i) out.emplace_back(reply_text(reply_at(r, i)));
  return out;
}

// One element of WB.JOB.LIST: [job <name> patterns [...] exclude [...] expired yes|no ...].
CaptureJob read_capture_job(const redisReply* r) {
  CaptureJob job;
  for (size_t i = 0; i + 1 < reply_size(r); i += 2) {
    std::string_view field = reply_text(reply_at(r, i));
    const redisReply* value = reply_at(r, i + 1);
    if (field == "job") job.name = std::string(reply_text(value));
    if (field == "patterns") job.patterns = string_array(value);
    if (field == "exclude") job.excludes = string_array(value);
  }
  return job;
}

}  // namespace

std::vector<std::string> capture_job_command(const config::Job& job) {
  std::vector<std::string> cmd = {"WB.JOB.SET", job.name, "PATTERN", job.source.key_pattern};
  if (!job.source.exclude_commands.empty()) {
    cmd.push_back("EXCLUDE");
    for (const auto& c : job.source.exclude_commands) cmd.push_back(c);
  }
  return cmd;
}

std::vector<CaptureJob> list_capture_jobs(RedisConnection& redis) {
  RedisReplyPtr reply;
  try {
    reply = redis.command({"WB.JOB.LIST"});
  } catch (const RedisReplyError& e) {
    throw CliFailure("the writebehind module does not answer in Redis at " + redis.endpoint().to_string() + " (" +
                     e.what() + "); load it with redis-server --loadmodule writebehind.so");
  }
  std::vector<CaptureJob> jobs;
  for (size_t i = 0; i < reply_size(reply.get()); ++i) {
    CaptureJob job = read_capture_job(reply_at(reply.get(), i));
    if (!job.name.empty()) jobs.push_back(std::move(job));
  }
  return jobs;
}

void set_capture_job(RedisConnection& redis, const config::Job& job) {
  try {
    redis.command(capture_job_command(job));
  } catch (const RedisReplyError& e) {
    throw CliFailure("WB.JOB.SET " + job.name + " failed: " + e.what());
  }
}

void delete_capture_job(RedisConnection& redis, const std::string& name) {
  try {
    redis.command({"WB.JOB.DEL", name});
  } catch (const RedisReplyError& e) {
    throw CliFailure("WB.JOB.DEL " + name + " failed: " + e.what());
  }
}

}  // namespace wb::cli

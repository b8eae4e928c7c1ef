// Reading a job's status from Redis (see job_status.h).
#include "metrics/job_status.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "metrics/ops_keys.h"

namespace wb::metrics {
namespace {

int64_t to_int(std::string_view text) {
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

bool is_no_group_or_stream(const RedisReplyError& e) {
  std::string_view m = e.what();
  return m.starts_with("NOGROUP") || m.find("no such key") != std::string_view::npos ||
         m.starts_with("ERR no such key");
}

// The id of the first entry of the stream strictly after `after` ("" -> the first entry), if any.
std::optional<std::string> first_entry_after(RedisConnection& redis, const std::string& stream,
                                             const std::string& after) {
  std::string start = after.empty() ? "-" : "(" + after;
  RedisReplyPtr r = redis.command({"XRANGE", stream, start, "+", "COUNT", "1"});
  if (reply_size(r.get()) == 0) return std::nullopt;
  return std::string(reply_text(reply_at(reply_at(r.get(), 0), 0)));
}

}  // namespace

int64_t redis_time_ms(RedisConnection& redis) {
  RedisReplyPtr r = redis.command({"TIME"});
  int64_t secs = to_int(reply_text(reply_at(r.get(), 0)));
  int64_t micros = to_int(reply_text(reply_at(r.get(), 1)));
  return secs * 1000 + micros / 1000;
}

int64_t stream_id_ms(std::string_view id) {
  auto dash = id.find('-');
  return to_int(id.substr(0, dash));
}

std::string resolve_stream(RedisConnection& redis, const JobRef& ref) {
  if (!ref.stream.empty()) return ref.stream;
  try {
    RedisReplyPtr r = redis.command({"WB.STREAM", ref.name});
    return std::string(reply_text(r.get()));
  } catch (const RedisReplyError&) {
    return "";  // no module, or the module does not capture this job (not deployed)
  }
}

JobCountersView read_job_counters(RedisConnection& redis, std::string_view prefix, std::string_view job) {
  JobCountersView c;
  RedisReplyPtr r = redis.command({"HGETALL", stats_key(prefix, job)});
  for (size_t i = 0; i + 1 < reply_size(r.get()); i += 2) {
    std::string_view f = reply_text(reply_at(r.get(), i));
    std::string_view v = reply_text(reply_at(r.get(), i + 1));
    if (f == "inserted")
      c.inserted = to_int(v);
    else if (f == "updated")
      c.updated = to_int(v);
    else if (f == "deleted")
      c.deleted = to_int(v);
    else if (f == "filtered")
      c.filtered = to_int(v);
    else if (f == "rejected")
      c.rejected = to_int(v);
    else if (f == "last_entry_id")
      c.last_entry_id = v;
    else if (f == "last_applied_ms")
      c.last_applied_ms = to_int(v);
    else if (f == "state")
      c.state = v;
    else if (f == "last_error")
      c.last_error = v;
  }
  return c;
}

std::optional<int64_t> read_paused(RedisConnection& redis, std::string_view prefix, std::string_view job) {
  RedisReplyPtr r = redis.command({"HGET", control_key(prefix), paused_field(job)});
  if (reply_is_nil(r.get())) return std::nullopt;
  auto doc = nlohmann::json::parse(reply_text(r.get()), nullptr, false);
  if (doc.is_object() && doc.contains("since_ms") && doc["since_ms"].is_number_integer()) {
    return doc["since_ms"].get<int64_t>();
  }
  return int64_t{0};
}

JobStatus read_job_status(RedisConnection& redis, std::string_view prefix, const JobRef& ref, const std::string& stream,
                          int64_t now_ms, size_t latest_rejected) {
  JobStatus s;
  s.job = ref;
  s.stream = stream;
  s.counters = read_job_counters(redis, prefix, ref.name);
  if (auto since = read_paused(redis, prefix, ref.name)) {
    s.paused = true;
    s.paused_since_ms = *since;
  }
  const std::string dlq = dlq_key(prefix, ref.name);
  s.dead_letters = reply_integer(redis.command({"XLEN", dlq}).get());
  if (latest_rejected > 0 && s.dead_letters > 0)
    s.latest_rejected = read_dead_letters(redis, dlq, latest_rejected, false);
  if (stream.empty()) return s;

  s.stream_length = reply_integer(redis.command({"XLEN", stream}).get());
  std::optional<std::string> oldest_unacked;
  try {
    // Summary form: [count, smallest id, greatest id, [[consumer, count], ...]].
    RedisReplyPtr p = redis.command({"XPENDING", stream, std::string(kGroup)});
    s.group_exists = true;
    s.pending = reply_integer(reply_at(p.get(), 0));
    if (s.pending > 0) oldest_unacked = std::string(reply_text(reply_at(p.get(), 1)));
  } catch (const RedisReplyError& e) {
    if (!is_no_group_or_stream(e)) throw;
  }
  if (!oldest_unacked && s.stream_length > 0) {
    std::string last_delivered;
    if (s.group_exists) {
      RedisReplyPtr groups = redis.command({"XINFO", "GROUPS", stream});
      for (size_t g = 0; g < reply_size(groups.get()); ++g) {
        const redisReply* info = reply_at(groups.get(), g);
        std::string name, delivered;
        for (size_t i = 0; i + 1 < reply_size(info); i += 2) {
          std::string_view f = reply_text(reply_at(info, i));
          if (f == "name") name = reply_text(reply_at(info, i + 1));
          if (f == "last-delivered-id") delivered = reply_text(reply_at(info, i + 1));
        }
        if (name == kGroup) last_delivered = delivered;
      }
    }
    oldest_unacked = first_entry_after(redis, stream, last_delivered);
  }
  if (oldest_unacked) s.lag_ms = std::max<int64_t>(0, now_ms - stream_id_ms(*oldest_unacked));
  return s;
}

}  // namespace wb::metrics

// Atomic replay of one dead letter (see dead_letter_replay.h).
#include "metrics/dead_letter_replay.h"

#include "metrics/dead_letter_entry.h"

namespace wb::metrics {

ReplayResult replay_dead_letter(RedisConnection& redis, const std::string& dlq_key, const std::string& stream,
                                const std::string& id) {
  for (int attempt = 0; attempt < kMaxReplayAttempts; ++attempt) {
    redis.command({"WATCH", dlq_key});
    std::optional<DeadLetter> letter;
    try {
      RedisReplyPtr r = redis.command({"XRANGE", dlq_key, id, id});
      for (auto& [entry_id, fields] : stream_entries_of(r.get())) {
        if (entry_id != id) continue;
        letter = parse_dead_letter(entry_id, fields);
        if (!letter)
          throw RedisReplyError("entry " + id + " of " + dlq_key + " is not a dead letter written by writebehind");
      }
    } catch (...) {
      redis.command({"UNWATCH"});
      throw;
    }
    if (!letter) {
      redis.command({"UNWATCH"});
      return ReplayResult{};
    }
    if (letter->original.empty()) {
      redis.command({"UNWATCH"});
      throw RedisReplyError("dead letter " + id + " of " + dlq_key + " holds no original entry");
    }
    std::vector<std::string> xadd{"XADD", stream, "*"};
    for (const auto& [f, v] : letter->original) {
      xadd.push_back(f);
      xadd.push_back(v);
    }
    redis.append({"MULTI"});
    redis.append(xadd);
    redis.append({"XDEL", dlq_key, id});
    redis.append({"EXEC"});
    RedisReplyPtr multi = redis.read_reply();
    RedisReplyPtr queued_add = redis.read_reply();
    RedisReplyPtr queued_del = redis.read_reply();
    RedisReplyPtr exec = redis.read_reply();
    for (const RedisReplyPtr* r : {&multi, &queued_add, &queued_del, &exec}) {
      if (reply_is_error(r->get())) throw RedisReplyError(std::string(reply_text(r->get())));
    }
    if (reply_is_nil(exec.get())) continue;  // the dead-letter stream changed: read it again
    const redisReply* added = reply_at(exec.get(), 0);
    if (reply_is_error(added)) throw RedisReplyError(std::string(reply_text(added)));
    ReplayResult result;
    result.outcome = ReplayResult::Outcome::Replayed;
    result.new_id = std::string(reply_text(added));
    return result;
  }
  throw RedisReplyError("the dead-letter stream " + dlq_key + " keeps changing; replay of " + id + " not done");
}

}  // namespace wb::metrics

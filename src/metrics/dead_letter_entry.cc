// Dead-letter entries read back from Redis (see dead_letter_entry.h).
#include "metrics/dead_letter_entry.h"

#include <hiredis/hiredis.h>

namespace wb::metrics {

std::string DeadLetter::original_field(const std::string& name) const {
  for (const auto& [f, v] : original) {
    if (f == name) return v;
  }
  return "";
}

std::optional<DeadLetter> parse_dead_letter(std::string id, const FieldList& fields) {
  static const char* const kLeading[] = {"error", "output", "time", "entry_id"};
  if (fields.size() < std::size(kLeading)) return std::nullopt;
  for (size_t i = 0; i < std::size(kLeading); ++i) {
    if (fields[i].first != kLeading[i]) return std::nullopt;
  }
  DeadLetter d;
  d.id = std::move(id);
  d.error = fields[0].second;
  d.output = fields[1].second;
  d.time = fields[2].second;
  d.entry_id = fields[3].second;
  d.original.assign(fields.begin() + std::size(kLeading), fields.end());
  return d;
}

std::vector<std::pair<std::string, FieldList>> stream_entries_of(const redisReply* reply) {
  std::vector<std::pair<std::string, FieldList>> out;
  for (size_t i = 0; i < reply_size(reply); ++i) {
    const redisReply* entry = reply_at(reply, i);
    if (reply_size(entry) < 2) continue;
    std::string id(reply_text(reply_at(entry, 0)));
    const redisReply* kv = reply_at(entry, 1);
    FieldList fields;
    fields.reserve(reply_size(kv) / 2);
    for (size_t j = 0; j + 1 < reply_size(kv); j += 2) {
      fields.emplace_back(std::string(reply_text(reply_at(kv, j))), std::string(reply_text(reply_at(kv, j + 1))));
    }
    out.emplace_back(std::move(id), std::move(fields));
  }
  return out;
}

std::vector<DeadLetter> read_dead_letters(RedisConnection& redis, const std::string& dlq_key, size_t max_entries,
                                          bool oldest_first) {
  std::vector<std::string> cmd = oldest_first ? std::vector<std::string>{"XRANGE", dlq_key, "-", "+"}
                                              : std::vector<std::string>{"XREVRANGE", dlq_key, "+", "-"};
  if (max_entries > 0) {
    cmd.push_back("COUNT");
    cmd.push_back(std::to_string(max_entries));
  }
  RedisReplyPtr reply = redis.command(cmd);
  std::vector<DeadLetter> out;
  for (auto& [id, fields] : stream_entries_of(reply.get())) {
    if (auto d = parse_dead_letter(std::move(id), fields)) out.push_back(std::move(*d));
  }
  return out;
}

std::optional<DeadLetter> read_dead_letter(RedisConnection& redis, const std::string& dlq_key, const std::string& id) {
  RedisReplyPtr reply = redis.command({"XRANGE", dlq_key, id, id});
  for (auto& [entry_id, fields] : stream_entries_of(reply.get())) {
    if (entry_id == id) return parse_dead_letter(std::move(entry_id), fields);
  }
  return std::nullopt;
}

}  // namespace wb::metrics

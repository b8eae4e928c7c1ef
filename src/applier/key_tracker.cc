// Key tracking cache and encoding (see key_tracker.h).
#include "applier/key_tracker.h"

#include "common/flat_reply.h"

#include <algorithm>

namespace wb::applier {

std::string encode_key_tuple(const KeyTuple& tuple) {
  // A JSON array of strings and nulls, written directly (this runs for every changed key).
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "[";
  for (size_t i = 0; i < tuple.size(); ++i) {
    if (i > 0) out += ',';
    if (!tuple[i]) {
      out += "null";
      continue;
    }
    out += '"';
    for (unsigned char ch : *tuple[i]) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += static_cast<char>(ch);
      } else if (ch < 0x20) {
        out += "\\u00";
        out += kHex[ch >> 4];
        out += kHex[ch & 15];
      } else {
        out += static_cast<char>(ch);
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

std::optional<KeyTuple> decode_key_tuple(std::string_view text) {
  // The inverse of encode_key_tuple; bytes pass through unchanged (key values need not be UTF-8).
  KeyTuple tuple;
  size_t i = 0;
  auto at = [&](char c) { return i < text.size() && text[i] == c; };
  if (!at('[')) return std::nullopt;
  ++i;
  if (at(']')) return i + 1 == text.size() ? std::optional<KeyTuple>(tuple) : std::nullopt;
  while (true) {
    if (text.substr(i, 4) == "null") {
      tuple.emplace_back(std::nullopt);
      i += 4;
    } else if (at('"')) {
      ++i;
      std::string value;
      while (i < text.size() && text[i] != '"') {
        char ch = text[i++];
        if (ch != '\\') {
          value += ch;
          continue;
        }
        if (i >= text.size()) return std::nullopt;
        char esc = text[i++];
        switch (esc) {
          case '"': case '\\': case '/': value += esc; break;
          case 'b': value += '\b'; break;
          case 'f': value += '\f'; break;
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'u': {
            if (i + 4 > text.size()) return std::nullopt;
            unsigned code = 0;
            for (size_t k = 0; k < 4; ++k) {
              char h = text[i + k];
              code <<= 4;
              if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
              else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
              else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
              else return std::nullopt;
            }
            i += 4;
            if (code >= 0x80) return std::nullopt;  // the encoder escapes control characters only
            value += static_cast<char>(code);
            break;
          }
          default:
            return std::nullopt;
        }
      }
      if (!at('"')) return std::nullopt;
      ++i;
      tuple.emplace_back(std::move(value));
    } else {
      return std::nullopt;
    }
    if (at(',')) {
      ++i;
      continue;
    }
    if (at(']') && i + 1 == text.size()) return tuple;
    return std::nullopt;
  }
}

KeyTracker::KeyTracker(std::string hash_key, size_t max_cached_keys)
    : hash_key_(std::move(hash_key)), max_cached_keys_(max_cached_keys) {
  committed_.reserve(std::min<size_t>(max_cached_keys_, kReservedCacheSlots));
}

namespace {

// HMGET of keys[begin, end) from hash (flat: no redisReply tree); calls put(key, tuple) per key.
template <class Put>
void read_tuples(RedisConnection& redis, const std::string& hash, const std::vector<const std::string*>& keys,
                 Put put) {
  for (size_t i = 0; i < keys.size(); i += KeyTracker::kMaxFieldsPerRead) {
    size_t end = std::min(keys.size(), i + KeyTracker::kMaxFieldsPerRead);
    std::vector<std::string> cmd{"HMGET", hash};
    cmd.reserve(2 + end - i);
    for (size_t j = i; j < end; ++j) cmd.push_back(*keys[j]);
    const FlatReply& reply = redis.command_flat(cmd);
    if (!reply.is_array(FlatReply::kRoot) || reply.elements(FlatReply::kRoot) != end - i) {
      throw RedisReplyError("HMGET " + hash + ": unexpected reply shape");
    }
    FlatReply::Index v = FlatReply::kRoot + 1;  // the first element
    for (size_t j = i; j < end; ++j, v = reply.next(v)) {
      std::optional<KeyTuple> tuple;
      if (!reply.is_nil(v)) tuple = decode_key_tuple(reply.text(v));  // malformed: as if untracked
      put(*keys[j], std::move(tuple));
    }
  }
}

}  // namespace

void KeyTracker::load(const std::function<RedisConnection&()>& redis, const std::vector<const std::string*>& keys) {
  std::vector<const std::string*> missing = uncached(keys);
  if (missing.empty()) return;
  if (committed_.size() + missing.size() > max_cached_keys_) {
    shrink_cache();  // staged entries stay valid on their own
    missing = uncached(keys);
  }
  read_tuples(redis(), hash_key_, missing,
              [&](const std::string& key, std::optional<KeyTuple> tuple) { committed_[key] = {std::move(tuple), 0}; });
}

KeyTracker::Prefetched KeyTracker::read_ahead(RedisConnection& redis, const std::string& hash_key,
                                              const std::vector<const std::string*>& keys) {
  Prefetched out;
  out.reserve(keys.size());
  read_tuples(redis, hash_key, keys,
              [&](const std::string& key, std::optional<KeyTuple> tuple) { out.emplace_back(key, std::move(tuple)); });
  return out;
}

bool KeyTracker::adopt(Prefetched values) {
  if (commits_ < adopt_from_) return false;  // forgotten lately: the recent commits' keys are not cached
  if (committed_.size() + values.size() > max_cached_keys_) shrink_cache();
  for (auto& [key, tuple] : values) {
    if (!tuple) continue;  // untracked in Redis: not holding it says the same (a cached value wins)
    committed_.try_emplace(std::move(key), Cached{std::move(tuple), 0});  // a cached value is never older
  }
  return true;
}

const KeyTuple* KeyTracker::current(std::string_view key) const {
  if (auto s = staged_.find(key); s != staged_.end()) return s->second ? &*s->second : nullptr;
  if (auto c = committed_.find(key); c != committed_.end()) return c->second.tuple ? &*c->second.tuple : nullptr;
  return nullptr;
}

void KeyTracker::stage(const std::string& key, std::optional<KeyTuple> tuple) {
  auto [it, inserted] = staged_.try_emplace(key);
  if (owners_built_ && !inserted && it->second) {
    auto owners = staged_owners_.find(*it->second);
    if (owners != staged_owners_.end()) {
      owners->second.erase(key);
      if (owners->second.empty()) staged_owners_.erase(owners);
    }
  }
  if (tuple && owners_built_) staged_owners_[*tuple].insert(key);
  it->second = std::move(tuple);
}

bool KeyTracker::staged_owner_exists(const KeyTuple& tuple, const std::function<bool(const std::string&)>& skip) const {
  if (!owners_built_) {
    // Built on first use in a batch (only deletes ask), then kept up to date by stage().
    for (const auto& [key, t] : staged_) {
      if (t) staged_owners_[*t].insert(key);
    }
    owners_built_ = true;
  }
  auto owners = staged_owners_.find(tuple);
  if (owners == staged_owners_.end()) return false;
  for (const auto& key : owners->second) {
    if (!skip(key)) return true;
  }
  return false;
}

void KeyTracker::collect_changes(std::vector<TrackingChange>& out) const {
  for (const auto& [key, tuple] : staged_) {
    auto c = committed_.find(key);
    if (c != committed_.end() && c->second.tuple == tuple) continue;  // unchanged: nothing to write
    TrackingChange change;
    change.hash = hash_key_;  // a view: valid while this tracker lives (the ack comes first)
    change.field = key;
    if (tuple) change.value = encode_key_tuple(*tuple);
    out.push_back(std::move(change));
  }
}

void KeyTracker::commit_staged() {
  ++commits_;
  for (auto& [key, tuple] : staged_) {
    committed_[key] = Cached{std::move(tuple), commits_};
  }
  staged_.clear();
  staged_owners_.clear();
  owners_built_ = false;
  if (committed_.size() > max_cached_keys_) shrink_cache();
}

std::vector<const std::string*> KeyTracker::uncached(const std::vector<const std::string*>& keys) const {
  std::vector<const std::string*> out;
  for (const std::string* k : keys) {
    if (!committed_.contains(*k)) out.push_back(k);
  }
  return out;
}

void KeyTracker::shrink_cache() {
  KeyMap kept;
  kept.reserve(std::min<size_t>(max_cached_keys_, kReservedCacheSlots));
  for (auto& [key, cached] : committed_) {
    if (recent(cached)) kept.emplace(key, std::move(cached));
  }
  committed_.swap(kept);
}

void KeyTracker::discard_staged() {
  staged_.clear();
  staged_owners_.clear();
  owners_built_ = false;
}

void KeyTracker::forget_all() {
  committed_.clear();
  adopt_from_ = commits_ + 2;
  discard_staged();
}

}  // namespace wb::applier

// StreamReader's entries, as parsed from flat replies (RedisConnection::command_flat), against a real
// redis-server: values come back byte for byte (NULs, CR/LF, empty, 5 MB) through all three reads
// (own pending, XCLAIM from a dead consumer, new), deleted entries, a 10,000-entry batch, error
// replies (WRONGTYPE thrown, NOGROUP recovered), and a connection killed while a batch is sent.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/redis_server.h"
#include "source/stream_reader.h"

using namespace wbtest;
using wb::EntryFields;
using wb::ReadOrigin;
using wb::StreamEntry;
using wb::StreamReader;
using wb::StreamReaderOptions;

namespace {

RedisOptions plain_redis() {
  RedisOptions o;
  o.load_module = false;
  return o;
}

StreamReaderOptions options_for(const RedisServer& server, const std::string& consumer = "me") {
  StreamReaderOptions o;
  o.endpoint = wb::RedisEndpoint::parse(server.url());
  o.stream = "s";
  o.consumer = consumer;
  o.batch_size = 100;
  o.block = std::chrono::milliseconds(50);
  return o;
}

// XADDs an entry with these fields; returns its id.
std::string add(RedisClient& c, const EntryFields& fields) {
  std::vector<std::string> cmd{"XADD", "s", "*"};
  for (const auto& [f, v] : fields) {
    cmd.push_back(f);
    cmd.push_back(v);
  }
  Reply r = c.command(cmd);
  EXPECT_EQ(r.type, Reply::Type::String) << r.to_string();
  return r.str;
}

EntryFields hash_entry(const std::string& key, const EntryFields& values) {
  EntryFields f{{"key", key}, {"op", "c"}, {"cmd", "hset"}, {"type", "hash"}, {"ts", "1700000000000"}};
  f.insert(f.end(), values.begin(), values.end());
  return f;
}

// Values a parser could get wrong: NULs, CR/LF and RESP syntax inside, empty, all 256 bytes, 5 MB.
std::vector<EntryFields> awkward_entries() {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  std::string big(5 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 256);
  return {
      hash_entry("k:nul", {{"a", std::string("x\0y\0", 4)}, {std::string("f\0", 2), "v"}}),
      hash_entry("k:resp", {{"crlf", "line\r\nline"}, {"fake", "$5\r\nhello\r\n*-1\r\n"}}),
      hash_entry("k:empty", {{"empty", ""}, {"", "empty field name"}}),
      hash_entry("k:bytes", {{"all", all_bytes}}),
      hash_entry("k:big", {{"big", big}, {"after", "small"}}),
  };
}

void expect_entries(const std::vector<StreamEntry>& got, const std::vector<std::string>& ids,
                    const std::vector<EntryFields>& fields) {
  ASSERT_EQ(got.size(), ids.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, ids[i]);
    EXPECT_FALSE(got[i].deleted);
    ASSERT_EQ(got[i].fields.size(), fields[i].size()) << "entry " << i;
    for (size_t j = 0; j < fields[i].size(); ++j) {
      EXPECT_TRUE(got[i].fields[j] == fields[i][j]) << "entry " << i << " field " << j;
    }
  }
}

TEST(StreamEntries, AwkwardValuesComeBackExactlyThroughEveryRead) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::vector<EntryFields> entries = awkward_entries();
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(add(c, e));
  ASSERT_FALSE(c.command({"XGROUP", "CREATE", "s", "writebehind", "0"}).is_error());
  // A consumer that read everything and died (its connection is not named after it: gone).
  ASSERT_FALSE(c.command({"XREADGROUP", "GROUP", "writebehind", "dead", "STREAMS", "s", ">"}).is_error());

  StreamReader reader(options_for(server));
  reader.connect();
  wb::ReadBatch claimed = reader.read_batch();  // XCLAIM
  EXPECT_EQ(claimed.origin, ReadOrigin::Claimed);
  EXPECT_EQ(claimed.owner, "dead");
  expect_entries(claimed.entries, ids, entries);

  reader.connect();  // as after a crash: XREADGROUP ... 0
  wb::ReadBatch own = reader.read_batch();
  EXPECT_EQ(own.origin, ReadOrigin::OwnPending);
  expect_entries(own.entries, ids, entries);
  reader.ack(wb::AckBatch{ids, {}, {}, {}, 1});

  std::vector<std::string> new_ids;
  for (const auto& e : entries) new_ids.push_back(add(c, e));
  wb::ReadBatch fresh = reader.read_batch();  // XREADGROUP ... >
  EXPECT_EQ(fresh.origin, ReadOrigin::New);
  expect_entries(fresh.entries, new_ids, entries);
}

TEST(StreamEntries, DeletedPendingEntriesComeBackWithNoFields) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(add(c, hash_entry("k:" + std::to_string(i), {{"v", std::to_string(i)}})));
  StreamReader reader(options_for(server));
  reader.connect();
  ASSERT_EQ(reader.read().size(), 5u);
  ASSERT_EQ(c.command({"XDEL", "s", ids[0], ids[2], ids[4]}).integer, 3);
  reader.connect();
  std::vector<StreamEntry> again = reader.read();
  ASSERT_EQ(again.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(again[i].id, ids[i]);
    EXPECT_EQ(again[i].deleted, i % 2 == 0) << i;
    if (i % 2 == 0) {
      EXPECT_TRUE(again[i].fields.empty());
    } else {
      EXPECT_TRUE(again[i].fields == hash_entry("k:" + std::to_string(i), {{"v", std::to_string(i)}}));
    }
  }
}

TEST(StreamEntries, TenThousandEntriesInOneBatch) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  constexpr size_t kEntries = 10000;
  std::vector<EntryFields> entries;
  for (size_t i = 0; i < kEntries; ++i) {
    entries.push_back(hash_entry("user:" + std::to_string(i), {{"name", "name " + std::to_string(i)},
                                                               {"email", "u" + std::to_string(i) + "@example.com"},
                                                               {"n", std::to_string(i * i)}}));
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < kEntries; i += 500) {
    for (size_t j = i; j < i + 500; ++j) {
      std::vector<std::string> cmd{"XADD", "s", "*"};
      for (const auto& [f, v] : entries[j]) {
        cmd.push_back(f);
        cmd.push_back(v);
      }
      c.append(cmd);
    }
    for (size_t j = i; j < i + 500; ++j) ids.push_back(c.read_reply().str);
  }
  auto opts = options_for(server);
  opts.batch_size = kEntries;
  StreamReader reader(opts);
  reader.connect();
  expect_entries(reader.read(), ids, entries);
}

TEST(StreamEntries, ErrorRepliesThrowWithRedisMessageAndNoGroupIsRecovered) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add(c, hash_entry("k:1", {{"v", "1"}}));
  StreamReader reader(options_for(server));
  reader.connect();
  ASSERT_EQ(reader.read().size(), 1u);
  // The group is destroyed: NOGROUP, recovered by recreating it (at 0: the entry is read again).
  c.command({"XGROUP", "DESTROY", "s", "writebehind"});
  EXPECT_TRUE(reader.read().empty());
  std::vector<StreamEntry> again = reader.read();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, a);
  // The key is no stream any more: Redis's WRONGTYPE error, thrown as it is.
  c.command({"DEL", "s"});
  c.command({"SET", "s", "not a stream"});
  try {
    reader.read();
    FAIL() << "no error";
  } catch (const wb::RedisReplyError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("WRONGTYPE")) << e.what();
  }
  // The connection is still usable.
  c.command({"DEL", "s"});
  EXPECT_TRUE(reader.read().empty());  // NOGROUP again: the stream and group are recreated
  std::string b = add(c, hash_entry("k:2", {{"v", "2"}}));
  std::vector<StreamEntry> fresh = reader.read();
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].id, b);
}

// The id of a client named `name` that Redis has reply bytes queued for (CLIENT LIST's omem), or
// "" when there is none.
std::string client_receiving(RedisClient& c, const std::string& name) {
  Reply r = c.command({"CLIENT", "LIST", "TYPE", "normal"});
  size_t start = 0;
  while (start < r.str.size()) {
    size_t eol = r.str.find('\n', start);
    std::string line = r.str.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
    start = eol == std::string::npos ? r.str.size() : eol + 1;
    size_t omem = line.find(" omem=");
    if (line.find(" name=" + name + " ") == std::string::npos || omem == std::string::npos) continue;
    if (std::stoll(line.substr(omem + 6)) > 0) return line.substr(3, line.find(' ') - 3);  // "id=<id> ..."
  }
  return "";
}

TEST(StreamEntries, ConnectionKilledWhileABatchIsSentLosesNothing) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string value(4 << 20, 'v');
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(add(c, hash_entry("k:" + std::to_string(i), {{"v", value}})));  // 48 MB
  // Both reader connections are named writebehind:me; only the read connection gets a big reply.
  StreamReader reader(options_for(server));
  constexpr int kAttempts = 10;
  bool killed_mid_batch = false;
  for (int attempt = 0; attempt < kAttempts && !killed_mid_batch; ++attempt) {
    reader.connect();  // reads the same pending batch again
    std::atomic<bool> stop{false};
    std::thread killer([&] {
      RedisClient k = server.client();
      while (!stop) {
        std::string id = client_receiving(k, "writebehind:me");
        if (!id.empty()) {
          k.command({"CLIENT", "KILL", "ID", id});
          return;
        }
      }
    });
    try {
      std::vector<StreamEntry> batch = reader.read();
      EXPECT_EQ(batch.size(), ids.size());
    } catch (const wb::RedisConnectionError&) {
      killed_mid_batch = true;
    }
    stop = true;
    killer.join();
  }
  ASSERT_TRUE(killed_mid_batch);
  EXPECT_THROW(reader.read(), wb::RedisConnectionError);  // unusable until reconnected
  reader.connect();
  std::vector<StreamEntry> again = reader.read();
  ASSERT_EQ(again.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(again[i].id, ids[i]);
    EXPECT_TRUE(again[i].fields.back().second == value);
  }
}

}  // namespace

// StreamReader against a real redis-server (module not loaded: the tests XADD entries in the
// module's format themselves): group creation, read order, acknowledgement with counters, key
// tracking and dead letters in one transaction, trimming, reconnects and deleted entries.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "harness/redis_server.h"
#include "source/stream_reader.h"

using namespace wbtest;
using wb::StreamEntry;
using wb::StreamReader;
using wb::StreamReaderOptions;

namespace {

RedisOptions plain_redis(bool appendonly = false) {
  RedisOptions o;
  o.load_module = false;
  o.appendonly = appendonly;
  return o;
}

StreamReaderOptions options_for(const RedisServer& server, const std::string& stream,
                                 const std::string& consumer = "me") {
  StreamReaderOptions o;
  o.endpoint = wb::RedisEndpoint::parse(server.url());
  o.stream = stream;
  o.consumer = consumer;
  o.batch_size = 100;
  o.block = std::chrono::milliseconds(50);
  o.stats_key = "wb:stats:job";
  o.dlq_key = "wb:dlq:job";
  return o;
}

// XADDs a captured hash entry in the module's format; returns its id.
std::string add_hash(RedisClient& c, const std::string& stream, const std::string& key, const std::string& v) {
  Reply r = c.command({"XADD", stream, "*", "key", key, "op", "c", "cmd", "hset", "type", "hash", "ts", "1", "v", v});
  EXPECT_EQ(r.type, Reply::Type::String) << r.to_string();
  return r.str;
}

// n captured entries of keys k:0, k:1, ... in stream s; their ids.
std::vector<std::string> add_hashes(RedisClient& c, const std::string& stream, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(add_hash(c, stream, "k:" + std::to_string(i), std::to_string(i)));
  return ids;
}

// A connected reader of stream s as consumer "me", batches of batch_size.
std::unique_ptr<StreamReader> connected_reader(const RedisServer& server, size_t batch_size,
                                               std::chrono::milliseconds claim_min_idle) {
  auto opts = options_for(server, "s");
  opts.batch_size = batch_size;
  opts.claim_min_idle = claim_min_idle;
  auto reader = std::make_unique<StreamReader>(opts);
  reader->connect();
  return reader;
}

std::vector<std::string> ids_of(const std::vector<StreamEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.id);
  return ids;
}

// For readable failures (gtest prints an enum as bytes).
std::string origin_name(wb::ReadOrigin o) {
  switch (o) {
    case wb::ReadOrigin::OwnPending: return "OwnPending";
    case wb::ReadOrigin::Claimed: return "Claimed";
    case wb::ReadOrigin::New: return "New";
  }
  return "?";
}

wb::AckBatch ack_of(const std::vector<StreamEntry>& entries) {
  wb::AckBatch b;
  b.entry_ids = ids_of(entries);
  b.applied_at_ms = 1234;
  return b;
}

long long integer_of(RedisClient& c, std::initializer_list<std::string_view> cmd) {
  Reply r = c.command(cmd);
  EXPECT_EQ(r.type, Reply::Type::Integer) << r.to_string();
  return r.integer;
}

std::string hget(RedisClient& c, const std::string& key, const std::string& field) {
  Reply r = c.command({"HGET", key, field});
  return r.is_nil() ? "(nil)" : r.str;
}

// The commands of a RESP file (the AOF), each as its arguments.
std::vector<std::vector<std::string>> parse_resp_commands(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  size_t pos = 0;
  auto line = [&]() {
    size_t eol = text.find("\r\n", pos);
    std::string l = text.substr(pos, eol - pos);
    pos = eol + 2;
    return l;
  };
  while (pos < text.size()) {
    std::string head = line();
    if (head.empty() || head[0] != '*') break;
    int n = std::stoi(head.substr(1));
    std::vector<std::string> cmd;
    for (int i = 0; i < n; ++i) {
      size_t len = std::stoul(line().substr(1));
      cmd.push_back(text.substr(pos, len));
      pos += len + 2;
    }
    out.push_back(std::move(cmd));
  }
  return out;
}

}  // namespace

TEST(StreamReaderTest, CreatesTheGroupAtZeroSoEarlierEntriesAreRead) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k:1", "1");
  std::string b = add_hash(c, "s", "k:2", "2");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  auto entries = reader.read();
  ASSERT_EQ(ids_of(entries), (std::vector<std::string>{a, b}));
  EXPECT_EQ(entries[0].fields[0], (std::pair<std::string, std::string>{"key", "k:1"}));
  EXPECT_EQ(entries[1].fields.back(), (std::pair<std::string, std::string>{"v", "2"}));
  EXPECT_TRUE(reader.read().empty());  // BLOCK timed out: nothing new
}

TEST(StreamReaderTest, CreatesAMissingStream) {
  RedisServer server(plain_redis());
  StreamReader reader(options_for(server, "fresh"));
  reader.connect();
  RedisClient c = server.client();
  EXPECT_EQ(c.command({"TYPE", "fresh"}).str, "stream");
  EXPECT_TRUE(reader.read().empty());
  std::string id = add_hash(c, "fresh", "k", "1");
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{id});
}

TEST(StreamReaderTest, AnExistingGroupKeepsItsPosition) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  add_hash(c, "s", "old", "1");
  ASSERT_FALSE(c.command({"XGROUP", "CREATE", "s", "writebehind", "$"}).is_error());
  std::string fresh = add_hash(c, "s", "new", "2");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{fresh});
}

TEST(StreamReaderTest, ReadsOwnPendingThenClaimsFromDeadConsumersThenNew) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::vector<std::string> ids = add_hashes(c, "s", 6);
  ASSERT_FALSE(c.command({"XGROUP", "CREATE", "s", "writebehind", "0"}).is_error());
  // "me" read two entries and crashed before acknowledging them; "dead" read the next two and died.
  ASSERT_EQ(c.command({"XREADGROUP", "GROUP", "writebehind", "me", "COUNT", "2", "STREAMS", "s", ">"}).elements.size(), 1u);
  ASSERT_EQ(c.command({"XREADGROUP", "GROUP", "writebehind", "dead", "COUNT", "2", "STREAMS", "s", ">"}).elements.size(), 1u);
  std::string later = add_hash(c, "s", "k:late", "7");

  auto opts = options_for(server, "s", "me");
  opts.claim_min_idle = std::chrono::milliseconds(200);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  StreamReader reader(opts);
  reader.connect();
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[0], ids[1]}));  // own pending
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[2], ids[3]}));  // claimed from "dead"
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[4], ids[5], later}));  // new
  // Everything read is now pending on "me" until acknowledged.
  Reply pending = c.command({"XPENDING", "s", "writebehind", "-", "+", "100", "dead"});
  EXPECT_TRUE(pending.elements.empty()) << pending.to_string();
  EXPECT_EQ(c.command({"XPENDING", "s", "writebehind"}).elements[0].integer, 7);
}

// request_new() sends the next read while the caller decodes the batch it has: the entries are
// delivered (pending) at once, and the next read_batch() takes that reply.
TEST(StreamReaderTest, ARequestedReadIsTakenByTheNextReadBatch) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  const auto ids = add_hashes(c, "s", 7);
  auto owned = connected_reader(server, 3, std::chrono::milliseconds(60000));
  StreamReader& reader = *owned;
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[0], ids[1], ids[2]}));
  reader.request_new();
  reader.request_new();  // one request at a time: a second call sends nothing
  ASSERT_TRUE(wait_until([&] { return c.command({"XPENDING", "s", "writebehind"}).elements[0].integer == 6; }));
  wb::ReadBatch next = reader.read_batch(/*new_only=*/true);
  EXPECT_EQ(origin_name(next.origin), "New");
  EXPECT_EQ(ids_of(next.entries), (std::vector<std::string>{ids[3], ids[4], ids[5]}));
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[6]}));
  EXPECT_TRUE(reader.read().empty());
}

// A requested read not taken before a claim sweep falls due is dropped by the sweep's recovery pass,
// which reads those entries (now this consumer's pending ones) first, in stream order.
TEST(StreamReaderTest, AClaimSweepReadsARequestedReadAgainInStreamOrder) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  const auto ids = add_hashes(c, "s", 8);
  auto owned = connected_reader(server, 3, std::chrono::milliseconds(300));
  StreamReader& reader = *owned;
  reader.ack(ack_of(reader.read()));  // ids 0..2
  reader.request_new();  // ids 3..5 delivered
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a claim sweep is due
  EXPECT_FALSE(reader.new_entries_next());
  wb::ReadBatch again = reader.read_batch();
  EXPECT_EQ(origin_name(again.origin), "OwnPending");
  EXPECT_EQ(ids_of(again.entries), (std::vector<std::string>{ids[3], ids[4], ids[5]}));
  reader.ack(ack_of(again.entries));
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[6], ids[7]}));  // then new entries
}

TEST(StreamReaderTest, RecoveryReadsOwnAndDeadConsumersPendingEntriesInStreamOrder) {
  // "me" restarted under its own name: its own pending entries (a batch it had read ahead) are
  // newer than those a successor ("dead") claimed from it and died with. Recovery reads the group's
  // pending entries in id order whoever holds them — the dead consumer's older ones first, then the
  // own ones, then the dead consumer's newer one — then new entries. The entry of "live" (another
  // applier's batch in flight: its connection is there, idle far below claim_min_idle) lies in
  // between and is never returned.
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::vector<std::string> ids = add_hashes(c, "s", 8);
  ASSERT_FALSE(c.command({"XGROUP", "CREATE", "s", "writebehind", "0"}).is_error());
  RedisClient live = server.client();
  ASSERT_FALSE(live.command({"CLIENT", "SETNAME", "writebehind:live"}).is_error());
  auto deliver = [&](RedisClient& client, const std::string& consumer, int count) {
    Reply r = client.command({"XREADGROUP", "GROUP", "writebehind", consumer, "COUNT", std::to_string(count), "STREAMS", "s", ">"});
    ASSERT_EQ(r.elements.size(), 1u) << r.to_string();
    ASSERT_EQ(r.elements[0].elements[1].elements.size(), static_cast<size_t>(count)) << r.to_string();
  };
  deliver(c, "dead", 2);     // ids[0], ids[1]
  deliver(live, "live", 1);  // ids[2]
  deliver(c, "me", 2);       // ids[3], ids[4]
  deliver(c, "dead", 1);     // ids[5]
  std::string later = add_hash(c, "s", "k:late", "8");

  auto opts = options_for(server, "s", "me");
  opts.claim_min_idle = std::chrono::milliseconds(60000);
  StreamReader reader(opts);
  reader.connect();
  wb::ReadBatch b = reader.read_batch();
  EXPECT_EQ(ids_of(b.entries), (std::vector<std::string>{ids[0], ids[1]}));  // the dead consumer's, older
  EXPECT_EQ(origin_name(b.origin), "Claimed");
  EXPECT_EQ(b.owner, "dead");
  b = reader.read_batch();
  EXPECT_EQ(ids_of(b.entries), (std::vector<std::string>{ids[3], ids[4]}));  // own
  EXPECT_EQ(origin_name(b.origin), "OwnPending");
  EXPECT_EQ(b.owner, "me");
  b = reader.read_batch();
  EXPECT_EQ(ids_of(b.entries), (std::vector<std::string>{ids[5]}));  // the dead consumer's, newer
  EXPECT_EQ(origin_name(b.origin), "Claimed");
  EXPECT_EQ(b.owner, "dead");
  b = reader.read_batch();
  EXPECT_EQ(ids_of(b.entries), (std::vector<std::string>{ids[6], ids[7], later}));  // new
  EXPECT_EQ(origin_name(b.origin), "New");
  EXPECT_TRUE(reader.read().empty());

  // Read again from the start (a reconnect): everything but the live consumer's entry is this
  // consumer's now, read in two runs around it.
  reader.connect();
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{ids[3], ids[4], ids[5], ids[6], ids[7], later}));
  EXPECT_TRUE(reader.read().empty());
  Reply held = c.command({"XPENDING", "s", "writebehind", "-", "+", "100", "live"});
  ASSERT_EQ(held.elements.size(), 1u) << held.to_string();
  EXPECT_EQ(held.elements[0].elements[0].str, ids[2]);
  EXPECT_TRUE(c.command({"XPENDING", "s", "writebehind", "-", "+", "100", "dead"}).elements.empty());
}

TEST(StreamReaderTest, DoesNotClaimFromConsumersIdleLessThanTheThreshold) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k:1", "1");
  ASSERT_FALSE(c.command({"XGROUP", "CREATE", "s", "writebehind", "0"}).is_error());
  // "busy" is alive (its connection is there) and has not been idle for long.
  RedisClient busy = server.client();
  ASSERT_FALSE(busy.command({"CLIENT", "SETNAME", "writebehind:busy"}).is_error());
  ASSERT_FALSE(busy.command({"XREADGROUP", "GROUP", "writebehind", "busy", "STREAMS", "s", ">"}).is_error());
  std::string b = add_hash(c, "s", "k:2", "2");
  auto opts = options_for(server, "s", "me");
  opts.claim_min_idle = std::chrono::milliseconds(60000);
  StreamReader reader(opts);
  reader.connect();
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{b});
  EXPECT_TRUE(reader.read().empty());
}

TEST(StreamReaderTest, AConsumerWithASpaceInItsNameIsSeenAlive) {
  // Connection names cannot hold spaces: "my host" names its connections writebehind:my_host. Its
  // entries in flight must not look abandoned to another reader.
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  add_hash(c, "s", "k:1", "1");
  auto held_opts = options_for(server, "s", "my host");
  held_opts.claim_min_idle = std::chrono::milliseconds(60000);
  StreamReader holder(held_opts);
  holder.connect();
  ASSERT_EQ(holder.read().size(), 1u);  // in flight, not acknowledged
  auto opts = options_for(server, "s", "other");
  opts.claim_min_idle = std::chrono::milliseconds(60000);
  StreamReader reader(opts);
  reader.connect();
  EXPECT_TRUE(reader.read().empty());  // not claimed: "my host" is alive
  Reply pending = c.command({"XPENDING", "s", "writebehind", "-", "+", "10", "my host"});
  EXPECT_EQ(pending.elements.size(), 1u) << pending.to_string();
}

TEST(StreamReaderTest, ClaimsAtOnceFromAConsumerWhoseConnectionIsGone) {
  // An applier restarted under a new instance id (hostname-pid) must apply its predecessor's batch
  // before anything newer, without waiting for claim_min_idle.
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k:1", "v1");
  auto old_opts = options_for(server, "s", "host-100");
  auto old = std::make_unique<StreamReader>(old_opts);
  old->connect();
  ASSERT_EQ(ids_of(old->read()), std::vector<std::string>{a});
  old.reset();  // killed: its connection is gone, its batch still pending
  std::string b = add_hash(c, "s", "k:1", "v2");

  auto new_opts = options_for(server, "s", "host-200");
  new_opts.claim_min_idle = std::chrono::milliseconds(60000);
  StreamReader reader(new_opts);
  reader.connect();
  EXPECT_TRUE(wait_until([&] {
    return c.command({"CLIENT", "LIST"}).str.find("writebehind:host-100") == std::string::npos;
  }));
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{a});  // the old batch first
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{b});
  reader.ack(ack_of({}));
  // host-100 left nothing pending and is gone: the next sweep removes it from the group.
  Reply pending = c.command({"XPENDING", "s", "writebehind", "-", "+", "10", "host-100"});
  EXPECT_TRUE(pending.elements.empty()) << pending.to_string();
}

TEST(StreamReaderTest, ForgetsConsumersThatAreGoneAndLeftNothing) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  add_hash(c, "s", "k:1", "1");
  {
    StreamReader old(options_for(server, "s", "host-1"));
    old.connect();
    auto e = old.read();
    old.ack(ack_of(e));
  }
  auto opts = options_for(server, "s", "host-2");
  StreamReader reader(opts);
  wait_until([&] { return c.command({"CLIENT", "LIST"}).str.find("writebehind:host-1") == std::string::npos; });
  reader.connect();
  EXPECT_TRUE(reader.read().empty());
  Reply consumers = c.command({"XINFO", "CONSUMERS", "s", "writebehind"});
  ASSERT_EQ(consumers.elements.size(), 1u) << consumers.to_string();
  EXPECT_EQ(consumers.elements[0].elements[1].str, "host-2");
}

TEST(StreamReaderTest, TouchKeepsEntriesFromBeingClaimed) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k:1", "1");
  auto slow_opts = options_for(server, "s", "slow");
  StreamReader slow(slow_opts);
  slow.connect();
  auto batch = slow.read();
  ASSERT_EQ(ids_of(batch), std::vector<std::string>{a});

  auto other_opts = options_for(server, "s", "other");
  other_opts.claim_min_idle = std::chrono::milliseconds(300);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  slow.touch(ids_of(batch));  // still retrying this batch
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  StreamReader other(other_opts);
  other.connect();
  EXPECT_TRUE(other.read().empty());  // idle 200 ms < 300 ms: not abandoned
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  other.connect();  // start over: claims once the owner really went quiet
  EXPECT_EQ(ids_of(other.read()), std::vector<std::string>{a});
}

TEST(StreamReaderTest, AckCommitsCountersTrackingAndDeadLettersAndTrims) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  for (int i = 0; i < 4; ++i) add_hash(c, "s", "k:" + std::to_string(i), "x");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  auto entries = reader.read();
  ASSERT_EQ(entries.size(), 4u);

  wb::AckBatch batch = ack_of(entries);
  batch.counters = {.inserted = 2, .updated = 1, .deleted = 1, .filtered = 1, .rejected = 1};
  batch.tracking = {{"wb:keys:job:out", "k:0", std::string(R"(["0"])")},
                    {"wb:keys:job:out", "k:1", std::string(R"(["1"])")},
                    {"wb:keys:job:out", "k:2", std::nullopt}};
  batch.dead_letters = {{{"key", "k:3"}, {"error", "value too long"}, {"output", "pg"}}};
  c.command({"HSET", "wb:keys:job:out", "k:2", "old"});
  reader.ack(batch);
  reader.ack(ack_of({}));  // an empty batch is a no-op transaction

  EXPECT_EQ(c.command({"XPENDING", "s", "writebehind"}).elements[0].integer, 0);
  EXPECT_EQ(hget(c, "wb:stats:job", "inserted"), "2");
  EXPECT_EQ(hget(c, "wb:stats:job", "updated"), "1");
  EXPECT_EQ(hget(c, "wb:stats:job", "deleted"), "1");
  EXPECT_EQ(hget(c, "wb:stats:job", "filtered"), "1");
  EXPECT_EQ(hget(c, "wb:stats:job", "rejected"), "1");
  EXPECT_EQ(hget(c, "wb:stats:job", "last_entry_id"), entries.back().id);
  EXPECT_EQ(hget(c, "wb:stats:job", "last_applied_ms"), "1234");
  EXPECT_EQ(hget(c, "wb:keys:job:out", "k:0"), R"(["0"])");
  EXPECT_EQ(hget(c, "wb:keys:job:out", "k:2"), "(nil)");
  Reply dlq = c.command({"XRANGE", "wb:dlq:job", "-", "+"});
  ASSERT_EQ(dlq.elements.size(), 1u);
  EXPECT_EQ(dlq.elements[0].elements[1].to_string(), R"(["key", "k:3", "error", "value too long", "output", "pg"])");
  EXPECT_EQ(integer_of(c, {"XLEN", "s"}), 0);  // everything acknowledged: trimmed away

  // Counters add up across batches.
  std::string next = add_hash(c, "s", "k:9", "y");
  auto more = reader.read();
  ASSERT_EQ(ids_of(more), std::vector<std::string>{next});
  wb::AckBatch second = ack_of(more);
  second.counters.inserted = 1;
  reader.ack(second);
  EXPECT_EQ(hget(c, "wb:stats:job", "inserted"), "3");
  EXPECT_EQ(hget(c, "wb:stats:job", "last_entry_id"), next);
}

TEST(StreamReaderTest, TrimKeepsTheOldestPendingEntryAndWhatFollows) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(add_hash(c, "s", "k", std::to_string(i)));
  StreamReader reader(options_for(server, "s", "me"));
  reader.connect();
  // Another live consumer holds ids[1]... simulate by reading everything, then handing one over.
  auto entries = reader.read();
  ASSERT_EQ(entries.size(), 3u);
  ASSERT_FALSE(c.command({"XCLAIM", "s", "writebehind", "peer", "0", ids[1], "JUSTID"}).is_error());
  std::string unread = add_hash(c, "s", "k", "3");  // never delivered yet
  wb::AckBatch batch;
  batch.entry_ids = {ids[0], ids[2]};
  reader.ack(batch);
  Reply left = c.command({"XRANGE", "s", "-", "+"});
  ASSERT_EQ(left.elements.size(), 3u) << left.to_string();
  EXPECT_EQ(left.elements[0].elements[0].str, ids[1]);
  EXPECT_EQ(left.elements[2].elements[0].str, unread);
}

TEST(StreamReaderTest, TrimNeverRemovesUndeliveredEntries) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k", "1");
  auto opts = options_for(server, "s");
  opts.batch_size = 1;
  StreamReader reader(opts);
  reader.connect();
  auto first = reader.read();
  ASSERT_EQ(ids_of(first), std::vector<std::string>{a});
  std::string b = add_hash(c, "s", "k", "2");
  std::string d = add_hash(c, "s", "k", "3");
  reader.ack(ack_of(first));
  Reply left = c.command({"XRANGE", "s", "-", "+"});
  ASSERT_EQ(left.elements.size(), 2u);
  EXPECT_EQ(left.elements[0].elements[0].str, b);
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{b});
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{d});
}

TEST(StreamReaderTest, StreamSourceStartsAtItsStartIdAndIsNeverTrimmed) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "app", "k", "1");
  std::string b = add_hash(c, "app", "k", "2");
  auto opts = options_for(server, "app");
  opts.trim = false;
  opts.group_start_id = a;  // entries after a
  StreamReader reader(opts);
  reader.connect();
  auto entries = reader.read();
  ASSERT_EQ(ids_of(entries), std::vector<std::string>{b});
  reader.ack(ack_of(entries));
  EXPECT_EQ(integer_of(c, {"XLEN", "app"}), 2);
  EXPECT_EQ(c.command({"XPENDING", "app", "writebehind"}).elements[0].integer, 0);
}

TEST(StreamReaderTest, DeadLetterStreamIsCappedExactly) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  add_hash(c, "s", "k", "1");
  auto opts = options_for(server, "s");
  opts.dlq_max_messages = 3;
  StreamReader reader(opts);
  reader.connect();
  wb::AckBatch batch = ack_of(reader.read());
  for (int i = 0; i < 5; ++i) batch.dead_letters.push_back({{"n", std::to_string(i)}});
  reader.ack(batch);
  Reply dlq = c.command({"XRANGE", "wb:dlq:job", "-", "+"});
  ASSERT_EQ(dlq.elements.size(), 3u);
  EXPECT_EQ(dlq.elements[0].elements[1].elements[1].str, "2");  // the oldest were dropped
  EXPECT_EQ(dlq.elements[2].elements[1].elements[1].str, "4");
}

TEST(StreamReaderTest, AckIsOneTransactionInTheAof) {
  RedisServer server(plain_redis(/*appendonly=*/true));
  RedisClient c = server.client();
  add_hash(c, "s", "k:1", "1");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  wb::AckBatch batch = ack_of(reader.read());
  batch.counters.inserted = 1;
  batch.tracking = {{"wb:keys:job:out", "k:1", std::string("[\"1\"]")}};
  batch.dead_letters = {{{"error", "x"}}};
  reader.ack(batch);

  std::string aof;
  for (const auto& f : std::filesystem::directory_iterator(server.aof_dir())) {
    if (f.path().string().ends_with(".incr.aof")) {
      std::ifstream in(f.path(), std::ios::binary);
      aof += std::string(std::istreambuf_iterator<char>(in), {});
    }
  }
  auto cmds = parse_resp_commands(aof);
  // Find the transaction holding the XACK; it must also hold every other effect of the ack.
  std::vector<std::string> in_tx;
  bool open = false, found = false;
  for (const auto& cmd : cmds) {
    std::string name = cmd.empty() ? "" : cmd[0];
    for (auto& ch : name) ch = static_cast<char>(toupper(ch));
    if (name == "MULTI") {
      open = true;
      in_tx.clear();
    } else if (name == "EXEC") {
      if (std::find(in_tx.begin(), in_tx.end(), "XACK") != in_tx.end()) {
        found = true;
        break;
      }
      open = false;
    } else if (open) {
      in_tx.push_back(name);
    }
  }
  ASSERT_TRUE(found) << aof;
  for (const char* expected : {"XACK", "HINCRBY", "HSET", "XADD", "XTRIM"}) {
    EXPECT_NE(std::find(in_tx.begin(), in_tx.end(), expected), in_tx.end()) << expected << " not in the ack's MULTI";
  }
}

TEST(StreamReaderTest, ReconnectAfterClientKillRereadsThePendingBatch) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k:1", "1");
  std::string b = add_hash(c, "s", "k:2", "2");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  auto batch = reader.read();
  ASSERT_EQ(ids_of(batch), (std::vector<std::string>{a, b}));
  // The batch is being applied when the connection dies.
  ASSERT_FALSE(c.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).is_error());
  EXPECT_THROW(reader.ack(ack_of(batch)), wb::RedisConnectionError);
  reader.connect();
  EXPECT_EQ(ids_of(reader.read()), (std::vector<std::string>{a, b}));  // nothing lost
  std::string d = add_hash(c, "s", "k:3", "3");
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{d});
}

TEST(StreamReaderTest, BlockedReadNoticesAKilledConnection) {
  RedisServer server(plain_redis());
  auto opts = options_for(server, "s");
  opts.block = std::chrono::milliseconds(2000);
  StreamReader reader(opts);
  reader.connect();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    RedisClient c = server.client();
    c.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  });
  EXPECT_THROW(reader.read(), wb::RedisConnectionError);
  killer.join();
}

TEST(StreamReaderTest, PendingEntryDeletedFromTheStreamIsReportedForAck) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  std::string a = add_hash(c, "s", "k:1", "1");
  std::string b = add_hash(c, "s", "k:2", "2");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  ASSERT_EQ(reader.read().size(), 2u);
  EXPECT_EQ(integer_of(c, {"XDEL", "s", a}), 1);
  reader.connect();  // as after a crash
  auto again = reader.read();
  ASSERT_EQ(ids_of(again), (std::vector<std::string>{a, b}));
  EXPECT_TRUE(again[0].deleted);
  EXPECT_FALSE(again[1].deleted);
  reader.ack(ack_of(again));
  EXPECT_EQ(c.command({"XPENDING", "s", "writebehind"}).elements[0].integer, 0);
}

TEST(StreamReaderTest, RecreatesTheGroupWhenTheStreamIsDeleted) {
  RedisServer server(plain_redis());
  RedisClient c = server.client();
  add_hash(c, "s", "k:1", "1");
  StreamReader reader(options_for(server, "s"));
  reader.connect();
  ASSERT_EQ(reader.read().size(), 1u);
  c.command({"DEL", "s"});
  EXPECT_TRUE(reader.read().empty());
  std::string b = add_hash(c, "s", "k:2", "2");
  EXPECT_EQ(ids_of(reader.read()), std::vector<std::string>{b});
}

TEST(StreamIds, NextAndOrder) {
  EXPECT_EQ(wb::next_stream_id("5-3"), "5-4");
  EXPECT_EQ(wb::next_stream_id("5-18446744073709551615"), "6-0");
  EXPECT_TRUE(wb::stream_id_less("9-0", "10-0"));
  EXPECT_TRUE(wb::stream_id_less("10-1", "10-2"));
  EXPECT_FALSE(wb::stream_id_less("10-2", "10-2"));
}

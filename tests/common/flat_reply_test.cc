// FlatReply and RedisConnection::command_flat(). The parser on its own (every RESP2 type, replies
// arriving in pieces split at every byte, malformed input), then against a real redis-server:
// binary-safe values, a 5 MB value, a 10,000-element reply, error replies, ordinary commands before
// and after, a timeout, and a connection killed while its reply is being sent.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/flat_reply.h"
#include "common/redis_connection.h"
#include "harness/redis_server.h"

using wb::FlatReply;
using wb::RedisConnection;
using wb::RedisConnectionError;
using wb::RedisReplyError;
using Type = FlatReply::Type;

namespace {

wbtest::RedisOptions plain_redis() {
  wbtest::RedisOptions o;
  o.load_module = false;
  return o;
}

wb::RedisEndpoint endpoint_of(const wbtest::RedisServer& server) { return wb::RedisEndpoint::parse(server.url()); }

// A rendering of a parsed reply, to compare parses: ["a", 1, (nil), +OK, -ERR x, []].
std::string render(const FlatReply& r, FlatReply::Index i) {
  switch (r.type(i)) {
    case Type::String: return "\"" + std::string(r.text(i)) + "\"";
    case Type::Status: return "+" + std::string(r.text(i));
    case Type::Error: return "-" + std::string(r.text(i));
    case Type::Integer: return std::to_string(r.integer(i));
    case Type::Nil: return "(nil)";
    case Type::Array: {
      std::string out = "[";
      FlatReply::Index e = i + 1;
      for (size_t k = 0; k < r.elements(i); ++k, e = r.next(e)) out += (k ? ", " : "") + render(r, e);
      return out + "]";
    }
  }
  return "?";
}

// A reply mixing every type, nested arrays, an empty array, a nil array and binary strings.
const std::string kMixed =
    "*7\r\n"
    "$5\r\nhello\r\n"
    ":-42\r\n"
    "*3\r\n*0\r\n*-1\r\n*2\r\n$0\r\n\r\n$4\r\na\r\nb\r\n"
    "$-1\r\n"
    "+OK\r\n"
    "-ERR nested\r\n"
    ":9223372036854775807\r\n";
const char* kMixedRendered =
    "[\"hello\", -42, [[], (nil), [\"\", \"a\r\nb\"]], (nil), +OK, -ERR nested, 9223372036854775807]";

TEST(FlatReplyParse, EveryTypeNestedAndNavigable) {
  FlatReply r;
  ASSERT_EQ(r.feed(kMixed), FlatReply::Progress::Complete);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(render(r, FlatReply::kRoot), kMixedRendered);
  EXPECT_EQ(r.elements(FlatReply::kRoot), 7u);
  FlatReply::Index nested = r.child(FlatReply::kRoot, 2);
  EXPECT_EQ(r.elements(nested), 3u);
  EXPECT_EQ(r.text(r.child(r.child(nested, 2), 1)), "a\r\nb");
  EXPECT_EQ(r.next(nested), r.child(FlatReply::kRoot, 3));  // next() skips everything inside
  EXPECT_EQ(r.next(r.child(FlatReply::kRoot, 6)), r.node_count());
  EXPECT_THROW(r.child(FlatReply::kRoot, 7), RedisReplyError);
  EXPECT_THROW(r.child(r.child(FlatReply::kRoot, 0), 0), RedisReplyError);  // a string has no elements
  EXPECT_THROW(r.integer(r.child(FlatReply::kRoot, 0)), RedisReplyError);   // "hello"
  EXPECT_TRUE(r.unparsed().empty());
}

TEST(FlatReplyParse, StringsHoldingIntegersReadAsIntegers) {
  FlatReply r;
  ASSERT_EQ(r.feed("*3\r\n$3\r\n123\r\n$2\r\n-7\r\n$0\r\n\r\n"), FlatReply::Progress::Complete);
  EXPECT_EQ(r.integer(r.child(0, 0)), 123);
  EXPECT_EQ(r.integer(r.child(0, 1)), -7);
  EXPECT_THROW(r.integer(r.child(0, 2)), RedisReplyError);
}

TEST(FlatReplyParse, SingleValueReplies) {
  const std::pair<std::string, std::string> cases[] = {
      {"+PONG\r\n", "+PONG"}, {"-WRONGTYPE no\r\n", "-WRONGTYPE no"}, {":0\r\n", "0"},
      {"$-1\r\n", "(nil)"},   {"*-1\r\n", "(nil)"},                  {"*0\r\n", "[]"},
      {"$0\r\n\r\n", "\"\""}, {":-9223372036854775808\r\n", "-9223372036854775808"}};
  for (const auto& [wire, rendered] : cases) {
    FlatReply r;
    ASSERT_EQ(r.feed(wire), FlatReply::Progress::Complete) << wire;
    EXPECT_EQ(render(r, FlatReply::kRoot), rendered);
    EXPECT_EQ(r.node_count(), 1u);
  }
}

TEST(FlatReplyParse, ArrivingInPiecesSplitAtEveryByte) {
  for (size_t cut = 0; cut <= kMixed.size(); ++cut) {
    FlatReply r;
    FlatReply::Progress first = r.feed(std::string_view(kMixed).substr(0, cut));
    if (cut < kMixed.size()) {
      ASSERT_EQ(first, FlatReply::Progress::Incomplete) << "cut at " << cut;
      EXPECT_FALSE(r.complete());
    }
    ASSERT_EQ(r.feed(std::string_view(kMixed).substr(cut)), FlatReply::Progress::Complete) << "cut at " << cut;
    EXPECT_EQ(render(r, FlatReply::kRoot), kMixedRendered) << "cut at " << cut;
  }
  // One byte at a time.
  FlatReply r;
  for (size_t i = 0; i + 1 < kMixed.size(); ++i) {
    ASSERT_EQ(r.feed(kMixed.substr(i, 1)), FlatReply::Progress::Incomplete);
  }
  ASSERT_EQ(r.feed(kMixed.substr(kMixed.size() - 1)), FlatReply::Progress::Complete);
  EXPECT_EQ(render(r, FlatReply::kRoot), kMixedRendered);
}

TEST(FlatReplyParse, AskForRoomForALargeStringAtOnce) {
  FlatReply r;
  const size_t size = 3 << 20;
  ASSERT_EQ(r.feed("$" + std::to_string(size) + "\r\nabc"), FlatReply::Progress::Incomplete);
  FlatReply::Space s = r.space(16);
  EXPECT_GE(s.size, size - 3 + 2);  // the rest of the payload and its CRLF, in one piece
  std::string rest(size - 3, 'x');
  rest += "\r\n";
  ASSERT_EQ(r.feed(rest), FlatReply::Progress::Complete);
  EXPECT_EQ(r.text(0).size(), size);
  EXPECT_EQ(r.text(0).substr(0, 4), "abcx");
}

TEST(FlatReplyParse, BytesAfterTheReplyAreLeftUnparsed) {
  FlatReply r;
  ASSERT_EQ(r.feed(":1\r\n+OK\r\n"), FlatReply::Progress::Complete);
  EXPECT_EQ(r.integer(0), 1);
  EXPECT_EQ(r.unparsed(), "+OK\r\n");
}

TEST(FlatReplyParse, MalformedInputIsRejected) {
  const char* cases[] = {"?x\r\n",       "$abc\r\n",  "$-2\r\n",      "*-5\r\n",     "$3\r\nabcde\r\n", ":12a\r\n",
                         ":\r\n",        "$\r\n",     "+OK\rX",       "*1\r\n$1\rx", "$-0\r\n",
                         ":99999999999999999999\r\n", "$99999999999999\r\n"};
  for (const char* wire : cases) {
    FlatReply r;
    EXPECT_EQ(r.feed(wire), FlatReply::Progress::Malformed) << wire;
  }
}

TEST(FlatReplyParse, ClearForgetsTheReplyAndStartsOver) {
  FlatReply r;
  ASSERT_EQ(r.feed("*2\r\n:1\r\n"), FlatReply::Progress::Incomplete);
  r.clear();
  ASSERT_EQ(r.feed("$2\r\nok\r\n"), FlatReply::Progress::Complete);
  EXPECT_EQ(render(r, 0), "\"ok\"");
}

// --- against redis-server -------------------------------------------------------------------------

TEST(CommandFlat, EveryReplyTypeFromRedis) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  EXPECT_EQ(render(conn.command_flat({"SET", "k", "v"}), 0), "+OK");
  EXPECT_EQ(render(conn.command_flat({"INCRBY", "n", "-5"}), 0), "-5");
  EXPECT_EQ(render(conn.command_flat({"GET", "missing"}), 0), "(nil)");
  EXPECT_EQ(render(conn.command_flat({"LRANGE", "missing", "0", "-1"}), 0), "[]");
  conn.command({"RPUSH", "l", "a", "", "c"});
  EXPECT_EQ(render(conn.command_flat({"LRANGE", "l", "0", "-1"}), 0), "[\"a\", \"\", \"c\"]");
  // A transaction whose second command fails at run time: its error is a node, not an exception.
  conn.command({"MULTI"});
  conn.command({"INCR", "n"});
  conn.command({"LPUSH", "k", "x"});
  const FlatReply& exec = conn.command_flat({"EXEC"});
  ASSERT_EQ(exec.elements(0), 2u);
  EXPECT_EQ(exec.integer(exec.child(0, 0)), -4);
  EXPECT_TRUE(exec.is_error(exec.child(0, 1)));
  EXPECT_TRUE(exec.text(exec.child(0, 1)).starts_with("WRONGTYPE"));
}

TEST(CommandFlat, BinaryValuesEmptyValuesAndA5MegabyteValueComeBackExactly) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  std::string binary("a\0b\r\n\0\xff$3\r\n", 11);
  std::string big(5 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) % 251);
  conn.command({"HSET", "h", "binary", binary, "empty", "", "big", big, std::string("\0key", 4), "v"});
  const FlatReply& r = conn.command_flat({"HMGET", "h", "binary", "empty", "big", std::string("\0key", 4), "none"});
  ASSERT_EQ(r.elements(0), 5u);
  EXPECT_EQ(r.text(r.child(0, 0)), binary);
  EXPECT_EQ(r.type(r.child(0, 1)), Type::String);
  EXPECT_EQ(r.text(r.child(0, 1)), "");
  EXPECT_TRUE(r.text(r.child(0, 2)) == big);
  EXPECT_EQ(r.text(r.child(0, 3)), "v");
  EXPECT_TRUE(r.is_nil(r.child(0, 4)));
  // Smaller replies afterwards reuse the connection's buffers.
  EXPECT_EQ(render(conn.command_flat({"HGET", "h", "empty"}), 0), "\"\"");
}

TEST(CommandFlat, TenThousandElementReply) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  constexpr size_t kCount = 10000;
  std::vector<std::string> push{"RPUSH", "l"};
  for (size_t i = 0; i < kCount; ++i) push.push_back("value-" + std::to_string(i));
  conn.command(push);
  const FlatReply& r = conn.command_flat({"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(r.elements(0), kCount);
  FlatReply::Index e = 1;
  for (size_t i = 0; i < kCount; ++i, e = r.next(e)) ASSERT_EQ(r.text(e), "value-" + std::to_string(i));
  EXPECT_EQ(e, r.node_count());
}

TEST(CommandFlat, ErrorReplyThrowsRedisMessageAndTheConnectionStaysUsable) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  conn.command({"SET", "s", "x"});
  try {
    conn.command_flat({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
    FAIL() << "no error";
  } catch (const RedisReplyError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("WRONGTYPE")) << e.what();
  }
  try {
    conn.command_flat({"XREADGROUP", "GROUP", "nogroup", "c", "STREAMS", "nostream", ">"});
    FAIL() << "no error";
  } catch (const RedisReplyError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("NOGROUP")) << e.what();
  }
  EXPECT_EQ(render(conn.command_flat({"GET", "s"}), 0), "\"x\"");
  EXPECT_EQ(wb::reply_text(conn.command({"GET", "s"}).get()), "x");
}

TEST(CommandFlat, OrdinaryCommandsAndPipeliningWorkBeforeAndAfter) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  conn.command({"SET", "a", "1"});
  EXPECT_EQ(render(conn.command_flat({"MGET", "a", "b"}), 0), "[\"1\", (nil)]");
  EXPECT_EQ(wb::reply_integer(conn.command({"INCR", "a"}).get()), 2);
  conn.append({"INCR", "a"});
  conn.append({"GET", "a"});
  EXPECT_EQ(wb::reply_integer(conn.read_reply().get()), 3);
  EXPECT_EQ(wb::reply_text(conn.read_reply().get()), "3");
  EXPECT_EQ(render(conn.command_flat({"GET", "a"}), 0), "\"3\"");
  EXPECT_EQ(wb::reply_text(conn.command({"GET", "a"}).get()), "3");
}

TEST(CommandFlat, RefusedWhilePipelinedRepliesAreOutstanding) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  conn.append({"PING"});
  conn.read_reply();
  conn.append({"SET", "a", "1"});
  conn.append({"SET", "b", "2"});
  EXPECT_EQ(wb::reply_text(conn.read_reply().get()), "OK");  // hiredis may now hold the second reply
  // Whether or not hiredis has read the second reply yet, the next reply read must be it.
  EXPECT_EQ(wb::reply_text(conn.read_reply().get()), "OK");
  EXPECT_EQ(render(conn.command_flat({"MGET", "a", "b"}), 0), "[\"1\", \"2\"]");
  conn.append({"PING"});
  conn.append({"PING"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both replies are on the socket
  conn.read_reply();  // reads both off the socket into hiredis's reader, returns the first
  EXPECT_THROW(conn.command_flat({"PING"}), std::logic_error);
}

TEST(CommandFlat, TimeoutThrowsConnectionErrorAndTheConnectionIsUnusable) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server), std::chrono::milliseconds(200));
  EXPECT_THROW(conn.command_flat({"BLPOP", "nothing", "5"}), RedisConnectionError);
  EXPECT_THROW(conn.command({"PING"}), RedisConnectionError);
  EXPECT_THROW(conn.command_flat({"PING"}), RedisConnectionError);
}

// CLIENT LIST's omem (bytes of replies queued for the client) of one client; -1 when it is gone.
long long queued_reply_bytes(wbtest::RedisClient& c, long long id) {
  wbtest::Reply r = c.command({"CLIENT", "LIST", "ID", std::to_string(id)});
  size_t at = r.str.find(" omem=");
  if (r.is_error() || at == std::string::npos) return -1;
  return std::stoll(r.str.substr(at + 6));
}

TEST(CommandFlat, ConnectionKilledWhileTheReplyIsBeingSent) {
  wbtest::RedisServer server(plain_redis());
  {
    RedisConnection filler(endpoint_of(server));
    std::string value(4 << 20, 'v');
    for (int i = 0; i < 12; ++i) filler.command({"RPUSH", "big", value});  // a 48 MB reply
  }
  // Another client kills the reader's connection as soon as Redis has the reply queued for it.
  // The reader may (rarely) have received all of it by then: try a few times.
  constexpr int kAttempts = 10;
  int killed_mid_reply = 0;
  for (int attempt = 0; attempt < kAttempts && killed_mid_reply == 0; ++attempt) {
    RedisConnection conn(endpoint_of(server));
    long long id = wb::reply_integer(conn.command({"CLIENT", "ID"}).get());
    std::atomic<bool> stop{false}, killed{false};
    std::thread killer([&] {
      wbtest::RedisClient c = server.client();
      while (!stop) {
        if (queued_reply_bytes(c, id) > 0) {
          c.command({"CLIENT", "KILL", "ID", std::to_string(id)});
          killed = true;
          return;
        }
      }
    });
    bool threw = false;
    try {
      const FlatReply& r = conn.command_flat({"LRANGE", "big", "0", "-1"});
      EXPECT_EQ(r.elements(0), 12u);
    } catch (const RedisConnectionError& e) {
      threw = true;
      EXPECT_TRUE(std::string(e.what()).find("lost connection to Redis") != std::string::npos) << e.what();
    }
    stop = true;
    killer.join();
    if (threw) {
      EXPECT_TRUE(killed.load());
      ++killed_mid_reply;
      // The connection is unusable afterwards, for both kinds of command.
      EXPECT_THROW(conn.command_flat({"PING"}), RedisConnectionError);
      EXPECT_THROW(conn.command({"PING"}), RedisConnectionError);
    }
  }
  EXPECT_EQ(killed_mid_reply, 1);
}

TEST(CommandFlat, ConnectionKilledBeforeTheCommandThrowsConnectionError) {
  wbtest::RedisServer server(plain_redis());
  RedisConnection conn(endpoint_of(server));
  long long id = wb::reply_integer(conn.command({"CLIENT", "ID"}).get());
  wbtest::RedisClient other = server.client();
  other.command({"CLIENT", "KILL", "ID", std::to_string(id)});
  EXPECT_THROW(conn.command_flat({"PING"}), RedisConnectionError);
  EXPECT_THROW(conn.command({"PING"}), RedisConnectionError);
}

}  // namespace

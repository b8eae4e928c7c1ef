// One synchronous connection to Redis over hiredis (RAII), owned by one thread: the CLI's deploy,
// list-jobs and describe-job use it, and the applier gives each job worker its own (XREADGROUP
// BLOCK holds a connection while it waits).
//
// Errors: a connection that cannot be made or is lost throws RedisConnectionError (one line naming
// the server, never its password); an error reply to command() throws RedisReplyError. Pipelined
// replies (append/read_reply) are returned as they are, error replies included.
//
// Two ways to read a reply. command() returns hiredis's redisReply tree (an allocation per element):
// fine for small replies. command_flat() returns a FlatReply (common/flat_reply.h): the reply's raw
// bytes and an index of its elements, no allocation per element and no copy of its strings — for
// large replies read often (the applier's XREADGROUP / XCLAIM batches). It sends through hiredis as
// usual, then reads the reply from the socket itself into the FlatReply the connection owns and
// reuses. (Custom reply functions on hiredis's reader can build the same index, but hiredis's
// parser plus a callback per element measured 2.5x the instructions.) hiredis's reader is left as
// it was — empty, since no other reply may be outstanding — so command(), append() and read_reply()
// work as usual before and after. A lost connection, a timeout or a malformed reply throws
// RedisConnectionError and marks the hiredis context failed: unusable, as after command().
#pragma once
#include <chrono>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/flat_reply.h"
#include "common/redis_endpoint.h"

struct redisContext;
struct redisReply;

namespace wb {

class RedisConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RedisReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RedisReplyDeleter {
  void operator()(redisReply* r) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// Read-only helpers over a reply tree (hiredis types: string, array, integer, nil, status, error).
bool reply_is_nil(const redisReply* r);
bool reply_is_error(const redisReply* r);
bool reply_is_array(const redisReply* r);
std::string_view reply_text(const redisReply* r);  // string, status or error text; "" otherwise
long long reply_integer(const redisReply* r);       // integer, or a string holding one; throws otherwise
size_t reply_size(const redisReply* r);             // number of array elements (0 for non-arrays)
const redisReply* reply_at(const redisReply* r, size_t i);  // throws RedisReplyError when out of range

class RedisConnection {
 public:
  static constexpr std::chrono::milliseconds kDefaultConnectTimeout{5000};
  static constexpr std::chrono::milliseconds kDefaultIoTimeout{15000};

  // Connects, authenticates (AUTH [user] password) and selects the database; throws
  // RedisConnectionError on failure. io_timeout bounds every socket read and write: it must
  // exceed any BLOCK time used on this connection.
  explicit RedisConnection(const RedisEndpoint& endpoint,
                           std::chrono::milliseconds io_timeout = kDefaultIoTimeout,
                           std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command (binary safe) and returns its reply; throws RedisReplyError on an error reply.
  RedisReplyPtr command(const std::vector<std::string>& args);
  RedisReplyPtr command(std::initializer_list<std::string_view> args);

  // The same, the reply parsed into the connection's FlatReply, which stays valid until the next
  // command_flat() on this connection. Throws RedisReplyError when the reply is an error (nested
  // error replies, e.g. in EXEC's array, are returned as nodes). No pipelined replies may be
  // outstanding (append() without read_reply()).
  const FlatReply& command_flat(const std::vector<std::string>& args);
  const FlatReply& command_flat(std::initializer_list<std::string_view> args);

  // command_flat() in two halves, so that the server works on a command while the caller does
  // something else: send_flat() sends it, receive_flat() reads its reply (as command_flat()). At
  // most one command sent this way may be outstanding, and nothing else may use the connection
  // until its reply is received.
  void send_flat(std::initializer_list<std::string_view> args);
  const FlatReply& receive_flat();

  // Pipelining: queue commands, then read exactly that many replies in order.
  void append(const std::vector<std::string>& args);
  RedisReplyPtr read_reply();

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  void append_argv(size_t argc, const char** argv, const size_t* lens);
  void append_list(std::initializer_list<std::string_view> args);
  RedisReplyPtr checked(RedisReplyPtr reply);
  void check_nothing_outstanding() const;  // throws std::logic_error when replies are pending
  void flush();  // sends what append() buffered
  const FlatReply& read_flat_reply();  // the reply of a command already sent
  void set_error(int type, const char* text);  // marks the connection unusable, as hiredis does
  [[noreturn]] void fail(const char* what);

  RedisEndpoint endpoint_;
  redisContext* ctx_ = nullptr;
  FlatReply flat_;  // command_flat()'s reply, reused from call to call
  std::string command_buffer_;  // append_argv()'s RESP encoding, reused from call to call
  static constexpr size_t kMaxKeptCommandBuffer = size_t{4} << 20;  // larger ones are freed after use
};

}  // namespace wb

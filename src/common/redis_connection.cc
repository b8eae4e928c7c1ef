// hiredis-backed RedisConnection (see redis_connection.h). command_flat() sends through hiredis and
// receives the reply itself into a FlatReply.
#include "common/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <new>

namespace wb {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// command_flat() receives with room for at least this much per read() (hiredis reads 16 KB at a
// time and copies it into its own buffer; a FlatReply is received into directly).
constexpr size_t kFlatReadChunk = size_t{64} << 10;

}  // namespace

void RedisReplyDeleter::operator()(redisReply* r) const {
  if (r != nullptr) freeReplyObject(r);
}

bool reply_is_nil(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_NIL; }
bool reply_is_error(const redisReply* r) { return r != nullptr && r->type == REDIS_REPLY_ERROR; }
bool reply_is_array(const redisReply* r) { return r != nullptr && r->type == REDIS_REPLY_ARRAY; }

std::string_view reply_text(const redisReply* r) {
  if (r == nullptr) return {};
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR) {
    return std::string_view(r->str, r->len);
  }
  return {};
}

long long reply_integer(const redisReply* r) {
  if (r != nullptr && r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r != nullptr && r->type == REDIS_REPLY_STRING) {
    long long v = 0;
    auto [end, ec] = std::from_chars(r->str, r->str + r->len, v);
    if (ec == std::errc() && end == r->str + r->len && r->len > 0) return v;
  }
  throw RedisReplyError("expected an integer reply from Redis");
}

size_t reply_size(const redisReply* r) { return reply_is_array(r) ? r->elements : 0; }

const redisReply* reply_at(const redisReply* r, size_t i) {
  if (!reply_is_array(r) || i >= r->elements) throw RedisReplyError("unexpected reply shape from Redis");
  return r->element[i];
}

RedisConnection::RedisConnection(const RedisEndpoint& endpoint, std::chrono::milliseconds io_timeout,
                                 std::chrono::milliseconds connect_timeout)
    : endpoint_(endpoint) {
  ctx_ = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(connect_timeout));
  if (ctx_ == nullptr) throw RedisConnectionError("cannot allocate a Redis connection");
  if (ctx_->err != 0) {
    std::string msg = "cannot connect to Redis at " + endpoint.to_string() + ": " + ctx_->errstr;
    redisFree(ctx_);
    ctx_ = nullptr;
    throw RedisConnectionError(msg);
  }
  redisSetTimeout(ctx_, to_timeval(io_timeout));
  redisEnableKeepAlive(ctx_);
  try {
    if (!endpoint.password.empty()) {
      if (endpoint.user.empty()) {
        command({"AUTH", endpoint.password});
      } else {
        command({"AUTH", endpoint.user, endpoint.password});
      }
    }
    if (endpoint.db != 0) command({"SELECT", std::to_string(endpoint.db)});
  } catch (const RedisReplyError& e) {
    redisFree(ctx_);
    ctx_ = nullptr;
    throw RedisConnectionError("cannot use Redis at " + endpoint.to_string() + ": " + e.what());
  } catch (...) {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
    throw;
  }
}

RedisConnection::~RedisConnection() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

void RedisConnection::fail(const char* what) {
  std::string msg = std::string(what) + " Redis at " + endpoint_.to_string() + ": " +
                    (ctx_ != nullptr && ctx_->err != 0 ? ctx_->errstr : "connection lost");
  throw RedisConnectionError(msg);
}

void RedisConnection::append_argv(size_t argc, const char** argv, const size_t* lens) {
  if (ctx_ == nullptr || ctx_->err != 0) fail("connection unusable to");
  // RESP encoded here, into a buffer kept from call to call: hiredis's formatter (sdscatfmt per
  // argument) cost ~7% of the applier's CPU on the acknowledgements' XACK and HSET of thousands of
  // arguments; hiredis then only copies the bytes into its output buffer.
  size_t total = 32;
  for (size_t i = 0; i < argc; ++i) total += lens[i] + 32;
  command_buffer_.resize(total);
  char* p = command_buffer_.data();
  char* const end = p + total;
  auto put_header = [&](char kind, size_t n) {
    *p++ = kind;
    p = std::to_chars(p, end, n).ptr;
    *p++ = '\r';
    *p++ = '\n';
  };
  put_header('*', argc);
  for (size_t i = 0; i < argc; ++i) {
    put_header('$', lens[i]);
    if (lens[i] > 0) std::memcpy(p, argv[i], lens[i]);
    p += lens[i];
    *p++ = '\r';
    *p++ = '\n';
  }
  const size_t used = static_cast<size_t>(p - command_buffer_.data());
  if (redisAppendFormattedCommand(ctx_, command_buffer_.data(), used) != REDIS_OK) fail("cannot send to");
  if (command_buffer_.capacity() > kMaxKeptCommandBuffer) {
    command_buffer_.clear();
    command_buffer_.shrink_to_fit();
  }
}

void RedisConnection::append(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  append_argv(args.size(), argv.data(), lens.data());
}

RedisReplyPtr RedisConnection::read_reply() {
  if (ctx_ == nullptr || ctx_->err != 0) fail("connection unusable to");
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) fail("lost connection to");
  return RedisReplyPtr(static_cast<redisReply*>(raw));
}

RedisReplyPtr RedisConnection::checked(RedisReplyPtr reply) {
  if (reply_is_error(reply.get())) throw RedisReplyError(std::string(reply_text(reply.get())));
  return reply;
}

RedisReplyPtr RedisConnection::command(const std::vector<std::string>& args) {
  append(args);
  return checked(read_reply());
}

void RedisConnection::append_list(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  append_argv(args.size(), argv.data(), lens.data());
}

RedisReplyPtr RedisConnection::command(std::initializer_list<std::string_view> args) {
  append_list(args);
  return checked(read_reply());
}

void RedisConnection::set_error(int type, const char* text) {
  ctx_->err = type;
  std::snprintf(ctx_->errstr, sizeof(ctx_->errstr), "%s", text);
}

void RedisConnection::check_nothing_outstanding() const {
  if (ctx_ == nullptr) return;  // append() reports the connection unusable
  const redisReader* reader = ctx_->reader;
  if (reader->pos < reader->len || reader->ridx != -1) {
    // hiredis holds (part of) an earlier reply: the next reply on the socket would not be ours.
    throw std::logic_error("command_flat() while pipelined replies are outstanding");
  }
}

void RedisConnection::flush() {
  if (ctx_ == nullptr || ctx_->err != 0) fail("connection unusable to");
  int done = 0;
  do {
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) fail("cannot send to");
  } while (done == 0);
}

const FlatReply& RedisConnection::read_flat_reply() {
  if (ctx_ == nullptr || ctx_->err != 0) fail("connection unusable to");
  flat_.clear();
  try {
    while (true) {
      FlatReply::Space space = flat_.space(kFlatReadChunk);
      ssize_t n = ::read(ctx_->fd, space.data, space.size);
      if (n > 0) {
        flat_.received(static_cast<size_t>(n));
        FlatReply::Progress progress = flat_.parse();
        if (progress == FlatReply::Progress::Complete) break;
        if (progress == FlatReply::Progress::Malformed) {
          set_error(REDIS_ERR_PROTOCOL, "Protocol error: malformed reply");
          break;
        }
      } else if (n == 0) {
        set_error(REDIS_ERR_EOF, "Server closed the connection");
        break;
      } else if (errno != EINTR) {
        char text[128];
        set_error(REDIS_ERR_IO, strerror_r(errno, text, sizeof(text)));  // EAGAIN: the io_timeout passed
        break;
      }
    }
  } catch (const std::bad_alloc&) {
    set_error(REDIS_ERR_OOM, "Out of memory");
  }
  if (ctx_->err != 0) {
    flat_.clear();
    fail("lost connection to");
  }
  // Bytes past the reply (none, unless the server sent something unasked): hiredis reads them next.
  std::string_view rest = flat_.unparsed();
  if (!rest.empty()) redisReaderFeed(ctx_->reader, rest.data(), rest.size());
  return flat_;
}

const FlatReply& RedisConnection::command_flat(const std::vector<std::string>& args) {
  check_nothing_outstanding();
  append(args);
  flush();
  return receive_flat();
}

const FlatReply& RedisConnection::command_flat(std::initializer_list<std::string_view> args) {
  send_flat(args);
  return receive_flat();
}

void RedisConnection::send_flat(std::initializer_list<std::string_view> args) {
  check_nothing_outstanding();
  append_list(args);
  flush();
}

const FlatReply& RedisConnection::receive_flat() {
  const FlatReply& reply = read_flat_reply();
  if (reply.is_error(FlatReply::kRoot)) throw RedisReplyError(std::string(reply.text(FlatReply::kRoot)));
  return reply;
}

}  // namespace wb

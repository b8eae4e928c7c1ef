// hiredis-backed RedisConnection (see redis_connection.h).
#include "common/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>

namespace wb {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

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
  if (redisAppendCommandArgv(ctx_, static_cast<int>(argc), argv, lens) != REDIS_OK) fail("cannot send to");
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

RedisReplyPtr RedisConnection::command(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  append_argv(args.size(), argv.data(), lens.data());
  return checked(read_reply());
}

}  // namespace wb

// RedisClient over hiredis 0.14: binary-safe argv commands, pipelining, and replies copied into
// plain Reply values (hiredis replies are freed at once, so tests never hold hiredis memory).
#include "harness/redis_client.h"

#include <hiredis/hiredis.h>

#include <cstdio>
#include <stdexcept>

namespace wbtest {
namespace {

constexpr int kConnectTimeoutSeconds = 5;
// Generous, so that slow sanitizer builds pass, yet a hung server fails the test instead of
// blocking it forever.
constexpr int kCommandTimeoutSeconds = 60;

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::String;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::Status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::Error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::Array;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; i++) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::Nil;
      break;
  }
  return out;
}

void quote_into(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out += '"';
}

void render(std::string& out, const Reply& r) {
  switch (r.type) {
    case Reply::Type::String:
      quote_into(out, r.str);
      break;
    case Reply::Type::Status:
      out += r.str;
      break;
    case Reply::Type::Error:
      out += "(error) " + r.str;
      break;
    case Reply::Type::Integer:
      out += std::to_string(r.integer);
      break;
    case Reply::Type::Nil:
      out += "(nil)";
      break;
    case Reply::Type::Array:
      out += '[';
      for (size_t i = 0; i < r.elements.size(); i++) {
        if (i) out += ", ";
        render(out, r.elements[i]);
      }
      out += ']';
      break;
  }
}

}  // namespace

std::string Reply::to_string() const {
  std::string out;
  render(out, *this);
  return out;
}

RedisClient::RedisClient(const std::string& host, int port) {
  timeval connect_timeout{kConnectTimeoutSeconds, 0};
  ctx_ = redisConnectWithTimeout(host.c_str(), port, connect_timeout);
  if (ctx_ == nullptr) throw std::runtime_error("redis: cannot allocate a connection");
  if (ctx_->err) {
    std::string msg = "redis: cannot connect to " + host + ":" + std::to_string(port) + ": " + ctx_->errstr;
    redisFree(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error(msg);
  }
  timeval command_timeout{kCommandTimeoutSeconds, 0};
  redisSetTimeout(ctx_, command_timeout);
}

RedisClient::~RedisClient() {
  if (ctx_) redisFree(ctx_);
}

RedisClient::RedisClient(RedisClient&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }

RedisClient& RedisClient::operator=(RedisClient&& other) noexcept {
  if (this != &other) {
    if (ctx_) redisFree(ctx_);
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void RedisClient::append(const std::vector<std::string>& args) {
  if (!ctx_) throw std::runtime_error("redis: connection closed");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
    throw std::runtime_error(std::string("redis: ") + ctx_->errstr);
}

Reply RedisClient::read_reply() {
  if (!ctx_) throw std::runtime_error("redis: connection closed");
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr)
    throw std::runtime_error(std::string("redis: connection lost: ") + ctx_->errstr);
  auto* r = static_cast<redisReply*>(raw);
  Reply out = convert(r);
  freeReplyObject(r);
  return out;
}

Reply RedisClient::command(const std::vector<std::string>& args) {
  append(args);
  return read_reply();
}

Reply RedisClient::command(std::initializer_list<std::string_view> args) {
  std::vector<std::string> v;
  v.reserve(args.size());
  for (auto a : args) v.emplace_back(a);
  return command(v);
}

}  // namespace wbtest

// A small synchronous Redis client for tests and benchmarks, over hiredis.
// Replies are copied into a plain value tree so that tests can inspect them after the call.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace wbtest {

struct Reply {
  enum class Type { String, Array, Integer, Nil, Status, Error };
  Type type = Type::Nil;
  std::string str;              // String, Status, Error
  long long integer = 0;        // Integer
  std::vector<Reply> elements;  // Array

  bool is_error() const { return type == Type::Error; }
  bool is_nil() const { return type == Type::Nil; }
  // Human-readable rendering, e.g. for failure messages: ["a", 1, (nil)].
  std::string to_string() const;
};

class RedisClient {
 public:
  RedisClient(const std::string& host, int port);  // throws std::runtime_error when it cannot connect
  ~RedisClient();
  RedisClient(RedisClient&&) noexcept;
  RedisClient& operator=(RedisClient&&) noexcept;

  // Binary-safe: each argument is sent as is. Error replies are returned (type Error), not thrown;
  // a lost connection throws std::runtime_error.
  Reply command(const std::vector<std::string>& args);
  Reply command(std::initializer_list<std::string_view> args);

  // Pipelining: append many commands, then read that many replies.
  void append(const std::vector<std::string>& args);
  Reply read_reply();

 private:
  redisContext* ctx_ = nullptr;
};

}  // namespace wbtest

// Where a Redis server lives: host, port, credentials and database, parsed from a URL
// redis://[[user]:password@]host[:port][/db]. Kept apart from the connection so that a URL can be
// checked (and shown in messages, without its password) before anything connects.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace wb {

struct RedisEndpoint {
  static constexpr int kDefaultPort = 6379;
  static constexpr std::string_view kDefaultUrl = "redis://127.0.0.1:6379";

  std::string host = "127.0.0.1";
  int port = kDefaultPort;
  std::string user;      // empty: AUTH <password> (the default user)
  std::string password;  // empty: no AUTH
  int db = 0;

  // Throws std::invalid_argument when the URL is not of the form above. The message never
  // contains the password. User and password may be percent-encoded (%40 for '@', ...).
  static RedisEndpoint parse(std::string_view url);
  // redis://host:port/db, or redis://user:****@host:port/db: safe for logs and messages.
  std::string to_string() const;
};

}  // namespace wb

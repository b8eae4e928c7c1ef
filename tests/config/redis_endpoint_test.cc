// redis:// URL parsing for --redis and WRITEBEHIND_REDIS (src/common/redis_endpoint.h).
#include <gtest/gtest.h>

#include "common/redis_endpoint.h"

namespace {

using wb::RedisEndpoint;

TEST(RedisEndpoint, Defaults) {
  RedisEndpoint e = RedisEndpoint::parse("redis://");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0);
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.password, "");
  EXPECT_EQ(RedisEndpoint::parse(std::string(RedisEndpoint::kDefaultUrl)).port, 6379);
}

TEST(RedisEndpoint, HostPortDb) {
  RedisEndpoint e = RedisEndpoint::parse("redis://cache.internal:6380/3");
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 3);
  EXPECT_EQ(e.to_string(), "redis://cache.internal:6380/3");
}

TEST(RedisEndpoint, Credentials) {
  RedisEndpoint e = RedisEndpoint::parse("redis://app:s3cr%40t%2F1@h:1/0");
  EXPECT_EQ(e.user, "app");
  EXPECT_EQ(e.password, "s3cr@t/1");
  RedisEndpoint bare = RedisEndpoint::parse("redis://:pw@h");
  EXPECT_EQ(bare.user, "");
  EXPECT_EQ(bare.password, "pw");
  RedisEndpoint slashy = RedisEndpoint::parse("redis://u:a/b:c@h:2/4");
  EXPECT_EQ(slashy.password, "a/b:c");
  EXPECT_EQ(slashy.port, 2);
  EXPECT_EQ(slashy.db, 4);
}

TEST(RedisEndpoint, ToStringNeverShowsThePassword) {
  RedisEndpoint e = RedisEndpoint::parse("redis://app:topsecret@h:1");
  EXPECT_EQ(e.to_string(), "redis://app:****@h:1/0");
  EXPECT_EQ(e.to_string().find("topsecret"), std::string::npos);
}

TEST(RedisEndpoint, Ipv6) {
  RedisEndpoint e = RedisEndpoint::parse("redis://[::1]:7000");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.to_string(), "redis://[::1]:7000/0");
}

TEST(RedisEndpoint, ErrorsNameTheUrlWithoutItsPassword) {
  for (const char* bad : {"http://h:1", "redis://h:0", "redis://h:65536", "redis://h:x", "redis://h/x",
                          "redis://u:p%zz@h", "127.0.0.1:6379"}) {
    EXPECT_THROW(RedisEndpoint::parse(bad), std::invalid_argument) << bad;
  }
  try {
    RedisEndpoint::parse("redis://u:topsecret@h:notaport");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("notaport"), std::string::npos) << e.what();
  }
}

}  // namespace

// Unit tests of the keyspace event classification (src/module/event_kind.h).
#include "module/event_kind.h"

#include <gtest/gtest.h>

#include "module/redismodule_api.h"

using wb::capture::classify_event;
using wb::capture::EventKind;

TEST(EventKind, GenericEvents) {
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "del"), EventKind::Removal);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "rename_from"), EventKind::Removal);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "move_from"), EventKind::Removal);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "rename_to"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "restore"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "copy_to"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "move_to"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "expire"), EventKind::Ignore);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_GENERIC, "persist"), EventKind::Ignore);
}

TEST(EventKind, ValueEvents) {
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_HASH, "hset"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_HASH, "hdel"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_HASH, "hexpire"), EventKind::Ignore);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_STRING, "setrange"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_MODULE, "json.set"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_LIST, "lpush"), EventKind::Change);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_EXPIRED, "expired"), EventKind::Expired);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_EVICTED, "evicted"), EventKind::Evicted);
  EXPECT_EQ(classify_event(REDISMODULE_NOTIFY_NEW, "new"), EventKind::Ignore);
}

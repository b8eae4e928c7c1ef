// Reading a job's status from a real Redis: backlog, pending, lag (pending, undelivered, none),
// counters, dead letters, the pause flag, WB.STREAM resolution, and the instance/target registry.
#include "metrics/job_status.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/redis_connection.h"
#include "harness/redis_server.h"
#include "metrics/dead_letter_entry.h"
#include "metrics/instance_registry.h"
#include "metrics/ops_keys.h"

using namespace wb::metrics;
using wbtest::RedisServer;

namespace {

std::unique_ptr<wb::RedisConnection> connect(const RedisServer& server) {
  return std::make_unique<wb::RedisConnection>(wb::RedisEndpoint::parse(server.url()));
}

// XADDs an entry with an explicit millisecond id.
void add_at(wb::RedisConnection& c, const std::string& stream, int64_t ms, const std::string& key) {
  c.command({"XADD", stream, std::to_string(ms) + "-0", "key", key, "op", "c", "cmd", "hset", "type", "hash", "ts",
             std::to_string(ms), "name", "v"});
}

}  // namespace

TEST(JobStatus, BacklogPendingAndLag) {
  RedisServer server;
  auto c = connect(server);
  const std::string stream = "app:events";
  int64_t now = redis_time_ms(*c);
  add_at(*c, stream, now - 9000, "k1");
  add_at(*c, stream, now - 7000, "k2");
  add_at(*c, stream, now - 4000, "k3");
  JobRef ref{"events", stream, {"pg"}};

  // No group yet: everything is unacknowledged; the oldest entry is 9 s old.
  JobStatus s = read_job_status(*c, "wb:", ref, stream, now, 5);
  EXPECT_FALSE(s.group_exists);
  EXPECT_EQ(s.stream_length, 3);
  EXPECT_EQ(s.pending, 0);
  EXPECT_EQ(s.lag_ms, 9000);

  // Two delivered, not acknowledged: the smallest pending id decides.
  c->command({"XGROUP", "CREATE", stream, "writebehind", "0"});
  c->command({"XREADGROUP", "GROUP", "writebehind", "a", "COUNT", "2", "STREAMS", stream, ">"});
  s = read_job_status(*c, "wb:", ref, stream, now, 5);
  EXPECT_TRUE(s.group_exists);
  EXPECT_EQ(s.pending, 2);
  EXPECT_EQ(s.lag_ms, 9000);

  // Acknowledged: the first undelivered entry (k3) decides.
  c->command({"XACK", stream, "writebehind", std::to_string(now - 9000) + "-0", std::to_string(now - 7000) + "-0"});
  s = read_job_status(*c, "wb:", ref, stream, now, 5);
  EXPECT_EQ(s.pending, 0);
  EXPECT_EQ(s.lag_ms, 4000);
  EXPECT_EQ(s.stream_length, 3);  // an application's stream is not trimmed

  // Everything acknowledged: no lag.
  c->command({"XREADGROUP", "GROUP", "writebehind", "a", "COUNT", "10", "STREAMS", stream, ">"});
  c->command({"XACK", stream, "writebehind", std::to_string(now - 4000) + "-0"});
  s = read_job_status(*c, "wb:", ref, stream, now, 5);
  EXPECT_EQ(s.pending, 0);
  EXPECT_EQ(s.lag_ms, 0);

  // A stream that does not exist: zeros, no error.
  s = read_job_status(*c, "wb:", JobRef{"none", "no:such:stream", {}}, "no:such:stream", now, 5);
  EXPECT_EQ(s.stream_length, 0);
  EXPECT_EQ(s.lag_ms, 0);
  EXPECT_FALSE(s.group_exists);
}

TEST(JobStatus, CountersDeadLettersAndPause) {
  RedisServer server;
  auto c = connect(server);
  c->command({"HSET",
              stats_key("wb:", "emp"),
              "inserted",
              "10",
              "updated",
              "4",
              "deleted",
              "2",
              "filtered",
              "1",
              "rejected",
              "3",
              "last_entry_id",
              "1700000000000-5",
              "last_applied_ms",
              "1700000000123",
              "state",
              "retrying",
              "last_error",
              "connection refused"});
  for (int i = 0; i < 7; ++i) {
    c->command({"XADD",
                dlq_key("wb:", "emp"),
                "*",
                "error",
                "value too long #" + std::to_string(i),
                "output",
                "pg.public.emp",
                "time",
                "2024-01-01T00:00:0" + std::to_string(i) + ".000Z",
                "entry_id",
                "1-" + std::to_string(i),
                "key",
                "emp:" + std::to_string(i),
                "op",
                "c",
                "cmd",
                "hset",
                "type",
                "hash",
                "ts",
                "1",
                "name",
                "xxxxxxxx"});
  }
  c->command({"HSET", control_key("wb:"), paused_field("emp"), R"({"since_ms":1700000000999})"});

  JobStatus s = read_job_status(*c, "wb:", JobRef{"emp", "", {"pg"}}, "", redis_time_ms(*c), 5);
  EXPECT_EQ(s.counters.inserted, 10);
  EXPECT_EQ(s.counters.updated, 4);
  EXPECT_EQ(s.counters.deleted, 2);
  EXPECT_EQ(s.counters.filtered, 1);
  EXPECT_EQ(s.counters.rejected, 3);
  EXPECT_EQ(s.counters.last_entry_id, "1700000000000-5");
  EXPECT_EQ(s.counters.last_applied_ms, 1700000000123);
  EXPECT_EQ(s.counters.state, "retrying");
  EXPECT_EQ(s.counters.last_error, "connection refused");
  EXPECT_TRUE(s.paused);
  EXPECT_EQ(s.paused_since_ms, 1700000000999);
  EXPECT_EQ(s.dead_letters, 7);
  ASSERT_EQ(s.latest_rejected.size(), 5u);
  EXPECT_EQ(s.latest_rejected[0].error, "value too long #6");  // newest first
  EXPECT_EQ(s.latest_rejected[0].original_field("key"), "emp:6");
  EXPECT_EQ(s.latest_rejected[0].output, "pg.public.emp");
  EXPECT_EQ(s.latest_rejected[0].entry_id, "1-6");
  ASSERT_EQ(s.latest_rejected[0].original.size(), 6u);
  EXPECT_EQ(s.latest_rejected[0].original[0], (std::pair<std::string, std::string>{"key", "emp:6"}));

  auto oldest = read_dead_letters(*c, dlq_key("wb:", "emp"), 2, true);
  ASSERT_EQ(oldest.size(), 2u);
  EXPECT_EQ(oldest[0].error, "value too long #0");
  auto one = read_dead_letter(*c, dlq_key("wb:", "emp"), oldest[1].id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->error, "value too long #1");
  EXPECT_FALSE(read_dead_letter(*c, dlq_key("wb:", "emp"), "1-1").has_value());

  c->command({"HDEL", control_key("wb:"), paused_field("emp")});
  EXPECT_FALSE(read_paused(*c, "wb:", "emp").has_value());
}

TEST(JobStatus, CapturedJobStreamComesFromTheModule) {
  RedisServer server;  // with the capture module
  auto c = connect(server);
  c->command({"WB.JOB.SET", "emp", "PATTERN", "emp:*"});
  c->command({"HSET", "emp:1", "name", "Ann"});
  c->command({"HSET", "emp:2", "name", "Bob"});
  JobRef ref{"emp", "", {}};
  std::string stream = resolve_stream(*c, ref);
  std::string expected(wb::reply_text(c->command({"WB.STREAM", "emp"}).get()));
  EXPECT_EQ(stream, expected);
  JobStatus s = read_job_status(*c, "wb:", ref, stream, redis_time_ms(*c), 0);
  EXPECT_EQ(s.stream_length, 2);
  EXPECT_GE(s.lag_ms, 0);
  EXPECT_EQ(resolve_stream(*c, JobRef{"unknown", "", {}}), "");
}

TEST(InstanceRegistry, HeartbeatsAndTargets) {
  RedisServer server;
  auto c = connect(server);
  int64_t now = redis_time_ms(*c);
  InstanceInfo a;
  a.id = "host-1";
  a.host = "host";
  a.pid = 1;
  a.version = "0.1.0";
  a.started_ms = now - 1000;
  a.heartbeat_ms = now;
  a.metrics = "127.0.0.1:9121";
  a.jobs = {JobRef{"emp", "", {"pg", "lite"}}, JobRef{"events", "app:events", {"pg"}}};
  publish_instance(*c, "wb:", a);
  InstanceInfo old = a;
  old.id = "host-0";
  old.heartbeat_ms = now - kInstanceForgetAfter.count() - 1;
  publish_instance(*c, "wb:", old);
  InstanceInfo stale = a;
  stale.id = "host-2";
  stale.heartbeat_ms = now - kInstanceStaleAfter.count() - 1;
  publish_instance(*c, "wb:", stale);

  auto all = read_instances(*c, "wb:", now);
  ASSERT_EQ(all.size(), 2u);  // the forgotten one is gone
  EXPECT_EQ(all[0].id, "host-1");
  EXPECT_TRUE(all[0].alive(now));
  EXPECT_FALSE(all[1].alive(now));
  ASSERT_EQ(all[0].jobs.size(), 2u);
  EXPECT_EQ(all[0].jobs[1].stream, "app:events");
  EXPECT_EQ(all[0].jobs[0].connections, (std::vector<std::string>{"pg", "lite"}));
  EXPECT_EQ(wb::reply_integer(c->command({"HEXISTS", instances_key("wb:"), "host-0"}).get()), 0);
  remove_instance(*c, "wb:", "host-1");
  EXPECT_EQ(read_instances(*c, "wb:", now).size(), 1u);

  publish_target_states(
      *c, "wb:",
      {TargetState{"pg", "postgresql", true, now, "host-1"}, TargetState{"lite", "sqlite", false, now, "host-1"}});
  auto targets = read_target_states(*c, "wb:");
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_TRUE(targets["pg"].reachable);
  EXPECT_FALSE(targets["lite"].reachable);
  EXPECT_EQ(targets["lite"].type, "sqlite");
  EXPECT_EQ(targets["pg"].checked_ms, now);
}

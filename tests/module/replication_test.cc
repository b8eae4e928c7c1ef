// Replication: a replica holds exactly the master's stream and never adds entries of its own; the
// registry reaches it like any key; once promoted, it captures.
#include <string>
#include <vector>

#include "module/module_fixture.h"

using namespace wbtest;

namespace {

void write_mix(RedisClient& c) {
  must(c, {"HSET", "k:1", "a", "1", "b", "2"});
  must(c, {"HINCRBY", "k:1", "a", "1"});
  must(c, {"SET", "k:2", "v"});
  must(c, {"APPEND", "k:2", "w"});
  must(c, {"MULTI"});
  c.command({"HDEL", "k:1", "a", "b"});
  c.command({"SET", "k:3", "x"});
  must(c, {"EXEC"});
  must(c, {"EVAL", "redis.call('SET', KEYS[1], 'lua'); redis.call('DEL', KEYS[2]); return 1", "2", "k:4", "k:2"});
  must(c, {"RENAME", "k:3", "k:5"});
  must(c, {"SET", "other", "x"});
}

class Replication : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = std::make_unique<RedisServer>(module_options());
    RedisOptions ro = module_options();
    ro.replica_of_port = master_->port();
    replica_ = std::make_unique<RedisServer>(ro);
    replica_->wait_for_sync(*master_);
  }
  void TearDown() override {
    expect_clean_log(*master_);
    expect_clean_log(*replica_);
  }
  std::unique_ptr<RedisServer> master_, replica_;
};

const Reply& info_job_field(const Reply& info, const std::string& name) {
  const Reply& job = info.elements.at(9).elements.at(0);
  for (std::size_t i = 0; i + 1 < job.elements.size(); i += 2) {
    if (job.elements[i].str == name) return job.elements[i + 1];
  }
  static Reply missing;
  ADD_FAILURE() << name;
  return missing;
}

}  // namespace

TEST_F(Replication, ReplicaHoldsTheIdenticalStreamAndAddsNothing) {
  RedisClient m = master_->client();
  RedisClient r = replica_->client();
  must(m, {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  write_mix(m);
  replica_->wait_for_sync(*master_);

  auto on_master = read_stream(m, "wb:stream:j");
  auto on_replica = read_stream(r, "wb:stream:j");
  ASSERT_EQ(on_master.size(), 10u);
  ASSERT_EQ(on_replica.size(), on_master.size());
  for (std::size_t i = 0; i < on_master.size(); ++i) {
    EXPECT_EQ(on_replica[i].id, on_master[i].id);
    EXPECT_EQ(on_replica[i].fields, on_master[i].fields);
  }
  // The replica knows the job (the registry is an ordinary replicated key) but captured nothing.
  EXPECT_EQ(must(r, {"WB.JOB.LIST"}).elements.size(), 1u);
  EXPECT_EQ(must(r, {"WB.STREAM", "j"}).str, "wb:stream:j");
  Reply rinfo = must(r, {"WB.INFO"});
  EXPECT_EQ(info_job_field(rinfo, "captured").integer, 0);
  EXPECT_EQ(info_job_field(rinfo, "stream_length").integer, 10);
  // Registry commands are writes: a read-only replica refuses them.
  EXPECT_TRUE(r.command({"WB.JOB.SET", "x", "PATTERN", "x"}).is_error());
}

TEST_F(Replication, ReplicaSeesRegistryChangesAsTheyReplicate) {
  RedisClient m = master_->client();
  RedisClient r = replica_->client();
  must(m, {"WB.JOB.SET", "a", "PATTERN", "a:*"});
  replica_->wait_for_sync(*master_);
  EXPECT_EQ(must(r, {"WB.JOB.LIST"}).elements.size(), 1u);
  must(m, {"WB.JOB.SET", "b", "PATTERN", "b:*"});
  must(m, {"WB.JOB.DEL", "a"});
  replica_->wait_for_sync(*master_);
  Reply list = must(r, {"WB.JOB.LIST"});
  ASSERT_EQ(list.elements.size(), 1u);
  EXPECT_EQ(list.elements[0].elements.at(1).str, "b");
}

TEST_F(Replication, PromotedReplicaCaptures) {
  RedisClient m = master_->client();
  RedisClient r = replica_->client();
  must(m, {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  must(m, {"SET", "k:1", "from master"});
  replica_->wait_for_sync(*master_);
  must(r, {"REPLICAOF", "NO", "ONE"});
  must(r, {"SET", "k:1", "from promoted"});
  must(r, {"HSET", "k:9", "f", "v"});
  auto entries = read_stream(r, "wb:stream:j");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].get("value"), "from master");
  expect_entries({entries[1], entries[2]},
                 {{"k:1", "u", "set", "string", {{"value", "from promoted"}}},
                  {"k:9", "c", "hset", "hash", {{"f", "v"}}}});
  EXPECT_NE(replica_->log().find("now a master, capture is active"), std::string::npos);
}

TEST_F(Replication, DemotedMasterStopsCapturing) {
  RedisClient m = master_->client();
  must(m, {"WB.JOB.SET", "j", "PATTERN", "k:*"});
  RedisClient r = replica_->client();
  replica_->wait_for_sync(*master_);
  must(r, {"REPLICAOF", "NO", "ONE"});
  // The old master follows the new one; writes made there reach it only by replication.
  must(m, {"REPLICAOF", "127.0.0.1", std::to_string(replica_->port())});
  master_->wait_for_sync(*replica_);
  must(r, {"SET", "k:1", "v"});
  master_->wait_for_sync(*replica_);
  auto on_new_master = read_stream(r, "wb:stream:j");
  auto on_old_master = read_stream(m, "wb:stream:j");
  ASSERT_EQ(on_new_master.size(), 1u);
  ASSERT_EQ(on_old_master.size(), 1u);
  EXPECT_EQ(on_old_master[0].id, on_new_master[0].id);
}

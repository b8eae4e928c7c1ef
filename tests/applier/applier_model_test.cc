// Model check with real captures: redis-server with the writebehind module, a random workload
// (HSET of new and existing keys, key-column changes, partial HDEL, HDEL of every field, DEL,
// RENAME over existing keys, EXPIRE in the past, expiry, MULTI blocks) on two thousand keys,
// while an applier process (applier_runner) is SIGKILLed at random moments and restarted, its
// Redis connections are killed, and (PostgreSQL) the target is stopped for seconds. After the
// backlog drains, the target table must equal, row for row, what the job maps from Redis's final
// state, and nothing may be dead-lettered.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <random>
#include <sstream>

#include "applier_fixture.h"
#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"

using namespace wbtest;
using Rows = std::vector<std::vector<std::string>>;

namespace {

constexpr int kKeySpace = 2000;
constexpr int kRounds = 80;         // workload rounds; a kill or restart may happen between rounds
constexpr int kOpsPerRound = 150;
constexpr int kMinKills = 10;
constexpr auto kOutage = std::chrono::seconds(3);  // how long the target is down (when the test stops it)
constexpr const char* kStream = "wb:stream:users";

// Random writes to user:<n> hashes; every key that exists has an `id` field, unique among keys.
class Workload {
 public:
  Workload(RedisClient& c, unsigned seed) : c_(c), rng_(seed) {}

  void round(int ops) {
    size_t queued = 0;
    auto send = [&](std::vector<std::string> cmd) {
      c_.append(cmd);
      ++queued;
    };
    for (int i = 0; i < ops; ++i) {
      std::string k = key();
      int dice = pick(100);
      if (dice < 30) {
        send({"HSETNX", k, "id", std::to_string(next_id_++)});
        send({"HSET", k, "name", "n" + std::to_string(pick(1000)), "city", "c" + std::to_string(pick(50))});
      } else if (dice < 40) {
        send({"HSETNX", k, "id", std::to_string(next_id_++)});
        send({"HINCRBY", k, "score", "1"});
      } else if (dice < 48) {
        send({"HSET", k, "id", std::to_string(next_id_++)});  // the key columns change
      } else if (dice < 56) {
        send({"HDEL", k, "city"});  // partial: the row keeps its id, city becomes NULL
      } else if (dice < 60) {
        send({"HDEL", k, "id", "name", "city", "score"});  // the last field goes: the key is deleted
      } else if (dice < 68) {
        send({"DEL", k});
      } else if (dice < 76) {
        send({"RENAME", k, key()});  // may overwrite an existing key; an error when k is missing
      } else if (dice < 80) {
        send({"EXPIRE", k, "0"});  // in the past: deleted at once
      } else if (dice < 84) {
        send({"PEXPIRE", k, std::to_string(1 + pick(300))});  // expires later (job has EXPIRED yes)
      } else if (dice < 92) {
        std::string other = key();
        send({"MULTI"});
        send({"HSETNX", k, "id", std::to_string(next_id_++)});
        send({"HSET", k, "name", "m" + std::to_string(pick(1000))});
        send({"DEL", other});
        send({"HSETNX", other, "id", std::to_string(next_id_++)});
        send({"EXEC"});
      } else {
        send({"HSETNX", k, "id", std::to_string(next_id_++)});
        send({"HSET", k, "score", std::to_string(pick(100))});
      }
    }
    for (size_t i = 0; i < queued; ++i) c_.read_reply();  // errors (RENAME of a missing key) are expected
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string key() { return "user:" + std::to_string(pick(kKeySpace)); }

  RedisClient& c_;
  std::mt19937 rng_;
  long next_id_ = 1;
};

// What the job maps from Redis's final state: one row per user:* hash (id, name, city, score).
Rows expected_rows(RedisClient& c, std::map<std::string, std::string>* key_of_id = nullptr) {
  Rows rows;
  std::string cursor = "0";
  do {
    Reply r = c.command({"SCAN", cursor, "MATCH", "user:*", "COUNT", "1000"});
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) {
      Reply h = c.command({"HGETALL", k.str});
      std::map<std::string, std::string> f;
      for (size_t i = 0; i + 1 < h.elements.size(); i += 2) f[h.elements[i].str] = h.elements[i + 1].str;
      if (f.empty()) continue;  // expired between SCAN and HGETALL
      auto get = [&](const char* n) { return f.contains(n) ? f[n] : std::string("NULL"); };
      rows.push_back({get("id"), get("name"), get("city"), get("score")});
      if (key_of_id != nullptr) (*key_of_id)[get("id")] = k.str;
    }
  } while (cursor != "0");
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Applies the SQL NULL spelling of a target to compare with expected_rows.
Rows normalized(Rows rows, const std::string& null_text) {
  for (auto& r : rows) {
    for (auto& v : r) {
      if (v == null_text) v = "NULL";
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void kill_applier_connections(RedisClient& c) {
  Reply list = c.command({"CLIENT", "LIST"});
  std::istringstream in(list.str);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("name=writebehind:") == std::string::npos) continue;
    std::string id = line.substr(3, line.find(' ') - 3);  // "id=<n> ..."
    c.command({"CLIENT", "KILL", "ID", id});
  }
}

struct ModelTarget {
  std::string connection_yaml;               // the connection block of config.yaml
  std::function<void()> create_table;
  std::function<Rows()> rows;                // id, name, city, score as text
  std::string null_text;
  std::function<void()> outage_begin, outage_end;  // optional: stop and start the target
  // A new instance id at every restart (as the default hostname-pid gives): the predecessor's
  // pending batch must be claimed and applied before anything newer.
  bool fresh_instance_ids = false;
};

void run_model_check(ModelTarget target, unsigned seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  RedisServer redis;  // with the module
  RedisClient c = redis.client();
  RedisClient workload_client = redis.client();
  ASSERT_EQ(c.command({"WB.JOB.SET", "users", "PATTERN", "user:*", "EXPIRED", "yes"}).str, "OK");
  target.create_table();

  TempDir dir("wbtest-model");
  std::filesystem::create_directories(dir.file("jobs"));
  std::ofstream(dir.file("config.yaml")) << "connections:\n  target:\n" << target.connection_yaml
                                         << "applier:\n  read_batch_size: 200\n  write_batch_size: 100\n"
                                            "  duration: 20\n  on_failed_retry_interval: 1\n";
  std::ofstream(dir.file("jobs/users.yaml")) << "source:\n  redis:\n    key_pattern: user:*\n"
                                                "output:\n  - uses: relational.write\n    with:\n"
                                                "      connection: target\n      table: users\n"
                                                "      keys:\n        - id\n"
                                                "      mapping:\n        - id\n        - name\n        - city\n"
                                                "        - score\n";
  ProcessOptions po;
  po.log_file = dir.file("runner.log");
  int generation = 0;
  auto argv = [&] {
    std::string id = target.fresh_instance_ids ? "model-" + std::to_string(generation++) : "model";
    return std::vector<std::string>{WB_APPLIER_RUNNER, "--redis", redis.url(), "--dir", dir.path(), "--instance-id", id};
  };
  auto runner = std::make_unique<Process>(argv(), po);

  std::mt19937 chaos(seed * 7919u);
  Workload workload(workload_client, seed);
  int kills = 0;
  std::chrono::steady_clock::time_point outage_started;
  for (int round = 0; round < kRounds; ++round) {
    workload.round(kOpsPerRound);
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    int dice = std::uniform_int_distribution<int>(0, 99)(chaos);
    if (dice < 25 || (kRounds - round <= 2 * (kMinKills - kills))) {
      runner->stop(SIGKILL);
      ++kills;
      runner = std::make_unique<Process>(argv(), po);
    } else if (dice < 35) {
      kill_applier_connections(c);
    }
    if (round == kRounds / 2 && target.outage_begin) {
      target.outage_begin();
      outage_started = std::chrono::steady_clock::now();
    }
    if (round == kRounds / 2 + 15 && target.outage_end) {
      std::this_thread::sleep_until(outage_started + kOutage);
      target.outage_end();
    }
  }
  EXPECT_GE(kills, kMinKills);
  // Let pending expiries fire, and make Redis notice them (SCAN expires what it visits).
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  expected_rows(c);

  bool drained = wait_until([&] { return c.command({"XLEN", kStream}).integer == 0; }, std::chrono::seconds(90));
  EXPECT_TRUE(drained) << "backlog left: " << c.command({"XLEN", kStream}).integer << "\n"
                       << tail_of(read_text_file(dir.file("runner.log")));
  runner->signal(SIGTERM);
  EXPECT_EQ(exit_code(runner->wait()), 0) << tail_of(read_text_file(dir.file("runner.log")));

  std::map<std::string, std::string> key_of_id;
  Rows expected = expected_rows(c, &key_of_id);
  if (target.outage_begin) {
    EXPECT_NE(read_text_file(dir.file("runner.log")).find("target unavailable"), std::string::npos)
        << "the outage was not noticed";
  }
  Rows actual = normalized(target.rows(), target.null_text);
  EXPECT_GT(expected.size(), 100u);
  EXPECT_EQ(actual.size(), expected.size());
  EXPECT_TRUE(actual == expected) << "target differs from the model";
  if (actual != expected) {
    size_t shown = 0;
    for (const auto& row : expected) {
      if (!std::binary_search(actual.begin(), actual.end(), row) && shown++ < 10) {
        ADD_FAILURE() << "missing: " << row[0] << " " << row[1] << " " << row[2] << " " << row[3] << " (key "
                      << key_of_id[row[0]] << ", tracked as " << hget(c, "wb:keys:users:target.users", key_of_id[row[0]])
                      << ")";
      }
    }
    for (const auto& row : actual) {
      if (!std::binary_search(expected.begin(), expected.end(), row) && shown++ < 20) {
        ADD_FAILURE() << "unexpected: " << row[0] << " " << row[1] << " " << row[2] << " " << row[3];
      }
    }
  }
  EXPECT_EQ(c.command({"EXISTS", "wb:dlq:users"}).integer, 0) << c.command({"XRANGE", "wb:dlq:users", "-", "+", "COUNT", "3"}).to_string();
  EXPECT_EQ(hget(c, "wb:stats:users", "rejected"), "(nil)");
}

}  // namespace

TEST(ModelCheck, SqliteWithKillsAndLostConnections) {
  TempDir db_dir("wbtest-model-db");
  std::string path = db_dir.file("target.db");
  ModelTarget t;
  t.connection_yaml = "    type: sqlite\n    database: " + path + "\n";
  t.create_table = [&] { sqlite_rows(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score TEXT)"); };
  t.rows = [&] { return sqlite_rows(path, "SELECT id, name, city, score FROM users"); };
  t.null_text = "NULL";
  t.fresh_instance_ids = true;
  run_model_check(t, 20251);
}

TEST(ModelCheck, PostgresWithKillsAndAnOutage) {
  PostgresServer& pg = shared_postgres();
  pg.create_database("model");
  ModelTarget t;
  t.connection_yaml = "    type: postgresql\n    host: 127.0.0.1\n    port: " + std::to_string(pg.port()) +
                      "\n    database: model\n    user: postgres\n    password: \"\"\n";
  t.create_table = [&] { pg.query("CREATE TABLE users (id bigint PRIMARY KEY, name text, city text, score text)", "model"); };
  t.rows = [&] { return pg.query("SELECT id, name, city, score FROM users", "model"); };
  t.null_text = "\\N";
  t.outage_begin = [&] { pg.stop(); };
  t.outage_end = [&] { pg.start(); };
  run_model_check(t, 777);
}

TEST(ModelCheck, MariaDbWithKills) {
  MariaDbServer& maria = shared_mariadb();
  maria.create_database("model");
  ModelTarget t;
  t.connection_yaml = "    type: mariadb\n    host: 127.0.0.1\n    port: " + std::to_string(maria.port()) +
                      "\n    database: model\n    user: root\n    password: \"\"\n";
  t.create_table = [&] {
    maria.query("CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(20), city VARCHAR(20), score VARCHAR(20))", "model");
  };
  t.rows = [&] { return maria.query("SELECT id, name, city, score FROM users", "model"); };
  t.null_text = "\\N";
  t.fresh_instance_ids = true;
  run_model_check(t, 4242);
}

// The operational CLI against a real Redis with the capture module, on state written the way the
// applier writes it: get-rejected (order, limits, --json), replay-rejected (exact original fields,
// atomic and exactly once even when two replays race), stop/start (the flag in Redis), and status
// (table content, engine and job states, --live until SIGINT).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "ops_fixture.h"

using namespace wbtest;
using nlohmann::json;

namespace {

class OpsCliTest : public ::testing::Test {
 protected:
  CliResult cli(std::vector<std::string> args) {
    args.push_back("--redis");
    args.push_back(redis_.url());
    return run_cli(args);
  }
  // A dead letter as the applier writes it, with an explicit id (ms-seq).
  void dead_letter(const std::string& job, const std::string& id, const std::string& error, const std::string& key,
                   const std::vector<std::string>& value) {
    std::vector<std::string> cmd{"XADD",
                                 "wb:dlq:" + job,
                                 id,
                                 "error",
                                 error,
                                 "output",
                                 "target.emp",
                                 "time",
                                 "2024-01-01T00:00:00.000Z",
                                 "entry_id",
                                 "1700000000000-" + id.substr(id.find('-') + 1),
                                 "key",
                                 key,
                                 "op",
                                 "c",
                                 "cmd",
                                 "hset",
                                 "type",
                                 "hash",
                                 "ts",
                                 "1700000000000"};
    for (const auto& v : value) cmd.push_back(v);
    Reply r = client_.command(cmd);
    ASSERT_FALSE(r.is_error()) << r.str;
  }
  std::vector<Reply> stream_entries(const std::string& key) {
    return client_.command({"XRANGE", key, "-", "+"}).elements;
  }

  RedisServer redis_;
  RedisClient client_ = redis_.client();
};

}  // namespace

TEST_F(OpsCliTest, GetRejectedNewestFirstLimitsAndJson) {
  dead_letter("emp", "1000-0", "value too long for type character varying(5)", "emp:1", {"name", "Alexander"});
  dead_letter("emp", "3000-0", "invalid input syntax for type integer: \"x\"", "emp:2", {"age", "x"});
  dead_letter("orders", "2000-0", "NOT NULL constraint failed", "order:9", {});

  auto all = cli({"get-rejected"});
  ASSERT_EQ(all.exit_code, 0) << all.describe();
  auto lines = lines_of(all.out);
  ASSERT_GE(lines.size(), 12u) << all.out;
  EXPECT_EQ(lines[0], "emp  3000-0  2024-01-01T00:00:00.000Z");  // newest first, across jobs
  EXPECT_EQ(lines[1], "  error:  invalid input syntax for type integer: \"x\"");
  EXPECT_EQ(lines[2], "  output: target.emp");
  EXPECT_EQ(lines[3], "  entry:  1700000000000-0  key emp:2  op c  cmd hset  type hash  ts 1700000000000");
  EXPECT_EQ(lines[4], "  record: {\"age\":\"x\"}");
  EXPECT_NE(all.out.find("orders  2000-0"), std::string::npos);
  EXPECT_LT(all.out.find("orders  2000-0"), all.out.find("emp  1000-0"));

  auto oldest = cli({"get-rejected", "--job", "emp", "--oldest", "--max-records", "1"});
  ASSERT_EQ(oldest.exit_code, 0) << oldest.describe();
  EXPECT_EQ(lines_of(oldest.out)[0], "emp  1000-0  2024-01-01T00:00:00.000Z");
  EXPECT_EQ(oldest.out.find("3000-0"), std::string::npos);

  auto js = cli({"get-rejected", "--job", "emp", "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.describe();
  json doc = json::parse(js.out);
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[0]["id"], "3000-0");
  EXPECT_EQ(doc[1]["job"], "emp");
  EXPECT_EQ(doc[1]["error"], "value too long for type character varying(5)");
  EXPECT_EQ(doc[1]["key"], "emp:1");
  EXPECT_EQ(doc[1]["record"], json({{"name", "Alexander"}}));
  EXPECT_EQ(doc[1]["fields"][0], json({"key", "emp:1"}));
  EXPECT_EQ(doc[1]["output"], "target.emp");

  auto none = cli({"get-rejected", "--job", "nobody"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.out, "no rejected entries for job nobody\n");
}

TEST_F(OpsCliTest, ReplayPutsTheOriginalEntryBackAndRemovesTheDeadLetter) {
  ASSERT_FALSE(client_.command({"WB.JOB.SET", "emp", "PATTERN", "emp:*"}).is_error());
  const std::string stream = client_.command({"WB.STREAM", "emp"}).str;
  dead_letter("emp", "1000-0", "too long", "emp:1", {"name", "Alexander", "city", "Paris"});
  dead_letter("emp", "2000-0", "too long", "emp:2", {"name", "Bartholomew"});
  dead_letter("emp", "3000-0", "too long", "emp:3", {"name", "Christopher"});

  // A typo replays nothing.
  auto typo = cli({"replay-rejected", "--job", "emp", "--id", "2000-0", "--id", "9999-0"});
  EXPECT_EQ(typo.exit_code, 1) << typo.describe();
  EXPECT_EQ(typo.err, "writebehind: no such entry in wb:dlq:emp: 9999-0 (writebehind get-rejected --job emp)\n");
  EXPECT_TRUE(stream_entries(stream).empty());

  auto one = cli({"replay-rejected", "--job", "emp", "--id", "2000-0"});
  ASSERT_EQ(one.exit_code, 0) << one.describe();
  auto entries = stream_entries(stream);
  ASSERT_EQ(entries.size(), 1u);
  std::vector<std::string> fields;
  for (const auto& f : entries[0].elements[1].elements) fields.push_back(f.str);
  EXPECT_EQ(fields, (std::vector<std::string>{"key", "emp:2", "op", "c", "cmd", "hset", "type", "hash", "ts",
                                              "1700000000000", "name", "Bartholomew"}));
  EXPECT_EQ(client_.command({"XLEN", "wb:dlq:emp"}).integer, 2);
  EXPECT_NE(one.out.find("job emp: 1 entry replayed into " + stream), std::string::npos) << one.out;

  auto all = cli({"replay-rejected", "--job", "emp", "--all"});
  ASSERT_EQ(all.exit_code, 0) << all.describe();
  entries = stream_entries(stream);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].elements[1].elements[1].str, "emp:1");  // oldest first
  EXPECT_EQ(entries[2].elements[1].elements[1].str, "emp:3");
  EXPECT_EQ(entries[1].elements[1].elements[13].str, "Paris");
  EXPECT_EQ(client_.command({"XLEN", "wb:dlq:emp"}).integer, 0);

  auto nothing = cli({"replay-rejected", "--job", "emp", "--all"});
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_EQ(nothing.out, "job emp: no rejected entries to replay\n");

  EXPECT_EQ(cli({"replay-rejected", "--job", "emp"}).exit_code, 2);  // neither --all nor --id
  EXPECT_EQ(cli({"replay-rejected", "--job", "emp", "--all", "--id", "1-1"}).exit_code, 2);
  auto unknown = cli({"replay-rejected", "--job", "ghost", "--all"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("job 'ghost' has no stream"), std::string::npos) << unknown.err;
}

TEST_F(OpsCliTest, ConcurrentReplaysPutEachEntryBackOnce) {
  ASSERT_FALSE(client_.command({"WB.JOB.SET", "emp", "PATTERN", "emp:*"}).is_error());
  const std::string stream = client_.command({"WB.STREAM", "emp"}).str;
  constexpr int kLetters = 300;
  for (int i = 1; i <= kLetters; ++i) {
    dead_letter("emp", std::to_string(i) + "-0", "too long", "emp:" + std::to_string(i), {"n", std::to_string(i)});
  }
  CliResult a, b;
  std::thread ta([&] { a = cli({"replay-rejected", "--job", "emp", "--all"}); });
  std::thread tb([&] { b = cli({"replay-rejected", "--job", "emp", "--all"}); });
  // Meanwhile an "applier" keeps adding dead letters of another key (the WATCH retries).
  for (int i = 0; i < 50; ++i) {
    client_.command({"XADD",
                     "wb:dlq:emp",
                     "*",
                     "error",
                     "later",
                     "output",
                     "",
                     "time",
                     "t",
                     "entry_id",
                     "9-9",
                     "key",
                     "late:" + std::to_string(i),
                     "op",
                     "c",
                     "cmd",
                     "hset",
                     "type",
                     "hash",
                     "ts",
                     "1"});
  }
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.describe();
  ASSERT_EQ(b.exit_code, 0) << b.describe();
  std::map<std::string, int> seen;
  for (const auto& e : stream_entries(stream)) seen[e.elements[1].elements[1].str] += 1;
  for (int i = 1; i <= kLetters; ++i) EXPECT_EQ(seen["emp:" + std::to_string(i)], 1) << i;
  // Whatever was replayed is gone from the dead-letter stream, and nothing was lost.
  EXPECT_EQ(client_.command({"XLEN", "wb:dlq:emp"}).integer + static_cast<long long>(seen.size()), kLetters + 50);
}

TEST_F(OpsCliTest, StopAndStartStoreThePauseFlag) {
  auto stop = cli({"stop", "--job", "emp"});
  ASSERT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_EQ(stop.out,
            "job emp paused: running appliers stop applying it within a second; capture goes on "
            "(writebehind start --job emp resumes it)\n");
  Reply flag = client_.command({"HGET", "wb:control", "paused:emp"});
  ASSERT_EQ(flag.type, Reply::Type::String);
  json doc = json::parse(flag.str);
  EXPECT_GT(doc["since_ms"].get<int64_t>(), 1700000000000);
  EXPECT_EQ(cli({"stop", "--job", "emp"}).out, "job emp is already paused (writebehind start --job emp resumes it)\n");

  auto start = cli({"start", "--job", "emp"});
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  EXPECT_EQ(start.out, "job emp resumed: running appliers apply it again within a second\n");
  EXPECT_TRUE(client_.command({"HGET", "wb:control", "paused:emp"}).is_nil());
  EXPECT_EQ(cli({"start", "--job", "emp"}).out, "job emp was not paused\n");
  EXPECT_EQ(cli({"stop"}).exit_code, 2);  // --job is required
}

TEST_F(OpsCliTest, StatusShowsJobsTargetsAndTheEngine) {
  TempDir dir("wb_ops_status");
  write_files(dir.path(),
              {{"config.yaml", sqlite_config(dir.file("t.db"))},
               {"jobs/emp.yaml",
                "source:\n  redis:\n    key_pattern: emp:*\noutput:\n  - uses: relational.write\n    with:\n"
                "      connection: target\n      table: emp\n      keys: [id]\n"},
               {"jobs/orders.yaml",
                "source:\n  redis:\n    key_pattern: order:*\noutput:\n  - uses: relational.write\n    with:\n"
                "      connection: target\n      table: orders\n      keys: [id]\n"}});
  ASSERT_EQ(cli({"deploy", "--dir", dir.path()}).exit_code, 0);

  auto idle = cli({"status"});
  ASSERT_EQ(idle.exit_code, 0) << idle.describe();
  EXPECT_NE(idle.out.find("Engine  stopped: no applier is running\n"), std::string::npos) << idle.out;

  // What a running applier leaves in Redis: counters, heartbeat, target state; one job paused.
  for (int i = 0; i < 3; ++i) client_.command({"HSET", "emp:" + std::to_string(i), "id", std::to_string(i)});
  client_.command({"HSET", "wb:stats:emp", "inserted", "120", "updated", "31", "deleted", "7", "filtered", "2",
                   "rejected", "1", "last_entry_id", "1700000000000-4", "last_applied_ms", "1700000000123"});
  long long now = std::stoll(client_.command({"TIME"}).elements[0].str) * 1000;
  json beat = {{"host", "h"},
               {"pid", 1},
               {"version", "0.1.0"},
               {"started_ms", now - 65000},
               {"heartbeat_ms", now},
               {"metrics", "127.0.0.1:9121"},
               {"jobs", json::array({{{"name", "emp"}, {"stream", ""}, {"connections", {"target"}}},
                                     {{"name", "orders"}, {"stream", ""}, {"connections", {"target"}}}})}};
  client_.command({"HSET", "wb:instances", "h-1", beat.dump()});
  client_.command({"HSET", "wb:targets", "target",
                   json({{"type", "sqlite"}, {"reachable", true}, {"checked_ms", now}, {"instance", "h-1"}}).dump()});
  ASSERT_EQ(cli({"stop", "--job", "orders"}).exit_code, 0);

  auto st = cli({"status"});
  ASSERT_EQ(st.exit_code, 0) << st.describe();
  auto lines = lines_of(st.out);
  EXPECT_NE(st.out.find("Engine  running: 1 applier\n"), std::string::npos) << st.out;
  // Started 65 s before `now`; the seconds depend on how long the CLI calls since then took.
  EXPECT_TRUE(std::regex_search(
      st.out, std::regex("\n        h-1  up 1m [5-9]s, version 0\\.1\\.0, metrics http://127\\.0\\.0\\.1:9121/\n")))
      << st.out;
  std::string header, emp, orders, target;
  for (const auto& l : lines) {
    if (l.starts_with("JOB ")) header = l;
    if (l.starts_with("emp ")) emp = l;
    if (l.starts_with("orders ")) orders = l;
    if (l.starts_with("target ")) target = l;
  }
  ASSERT_FALSE(header.empty()) << st.out;
  // Numbers are right-aligned under their header.
  EXPECT_EQ(header.find("INSERTED") + std::string("INSERTED").size(), emp.find(" 120 ") + 4) << header << "\n" << emp;
  std::istringstream e(emp);
  std::vector<std::string> cells{std::istream_iterator<std::string>(e), {}};
  ASSERT_GE(cells.size(), 13u) << emp;
  EXPECT_EQ(cells[1], "running");
  EXPECT_EQ(cells[2], "120");
  EXPECT_EQ(cells[3], "31");
  EXPECT_EQ(cells[4], "7");
  EXPECT_EQ(cells[5], "2");
  EXPECT_EQ(cells[6], "1");
  EXPECT_EQ(cells[7], "3");  // backlog: three captured HSETs
  EXPECT_EQ(cells[8], "0");  // pending
  EXPECT_EQ(cells.back(), "1700000000000-4");
  EXPECT_NE(emp.find("2023-11-14T22:13:20.123Z"), std::string::npos) << emp;
  EXPECT_NE(orders.find(" paused "), std::string::npos) << orders;
  EXPECT_NE(target.find("sqlite  yes"), std::string::npos) << target;
  EXPECT_NE(target.find("emp, orders"), std::string::npos) << target;
  EXPECT_NE(st.out.find("  orders: paused since "), std::string::npos);

  EXPECT_EQ(cli({"stop", "--job", "nope"}).err, "writebehind: unknown job 'nope' (jobs: emp, orders)\n");

  // A heartbeat that stopped: the applier is gone, its jobs are stopped.
  beat["heartbeat_ms"] = now - 60000;
  client_.command({"HSET", "wb:instances", "h-1", beat.dump()});
  auto gone = cli({"status"});
  EXPECT_NE(gone.out.find("Engine  stopped: no applier is running\n"), std::string::npos) << gone.out;
  EXPECT_NE(gone.out.find("h-1  gone (last heartbeat 1m "), std::string::npos) << gone.out;
  EXPECT_NE(gone.out.find("emp     stopped"), std::string::npos) << gone.out;
}

TEST_F(OpsCliTest, StatusLiveRedrawsUntilInterrupted) {
  TempDir out("wb_ops_live");
  ProcessOptions o;
  o.log_file = out.file("live.txt");
  Process live({cli_path(), "status", "--live", "--redis", redis_.url()}, o);
  ASSERT_TRUE(wait_until(
      [&] {
        std::string text = read_text_file(out.file("live.txt"));
        size_t frames = 0;
        for (size_t at = text.find("---\n"); at != std::string::npos; at = text.find("---\n", at + 1)) ++frames;
        return frames >= 2;
      },
      std::chrono::seconds(10)));
  live.signal(SIGINT);
  EXPECT_EQ(exit_code(live.wait()), 0);
  EXPECT_NE(read_text_file(out.file("live.txt")).find("Engine  stopped"), std::string::npos);
}

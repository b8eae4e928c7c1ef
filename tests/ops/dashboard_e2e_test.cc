// The dashboard page in a real browser: headless Chromium (Debian's) loads the page of an applier
// under load; after the page's own refreshes, the numbers in its DOM equal what /api/status said
// for the very sample the page shows (data-seq), the charts are drawn, and a screenshot is saved
// as a test artifact (<build>/tests/ops/artifacts/dashboard.png).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "ops_fixture.h"

using namespace wbtest;
using nlohmann::json;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr int kVirtualTimeBudgetMs = 3000;  // the page refreshes every second: a few refreshes

// Chromium with the flags of a quiet, offline, throwaway profile; returns the exit code.
int chromium(const std::vector<std::string>& args, const std::string& out_file, const std::string& profile) {
  std::vector<std::string> argv{kChromium,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--user-data-dir=" + profile,
                                "--virtual-time-budget=" + std::to_string(kVirtualTimeBudgetMs)};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.log_file = out_file;
  Process p(argv, o);
  return exit_code(p.wait());
}

// data-value of the element with this id in a DOM dump ("" when absent).
std::string value_of(const std::string& dom, const std::string& id) {
  std::smatch m;
  std::regex re("id=\"" + id + "\"[^>]*data-value=\"([^\"]*)\"");
  return std::regex_search(dom, m, re) ? m[1].str() : "";
}

}  // namespace

TEST(DashboardInBrowser, NumbersInTheDomMatchApiStatus) {
  ASSERT_TRUE(std::filesystem::exists(kChromium)) << "scripts/install-deps installs chromium";
  RedisServer redis;
  RedisClient c = redis.client();
  TempDir dir("wb_ops_dash");
  const std::string db = dir.file("target.db");
  sqlite_query(db, "CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT CHECK (length(name) <= 12))");
  write_files(dir.path(),
              {{"config.yaml", sqlite_config(db)},
               {"jobs/emp.yaml",
                "source:\n  redis:\n    key_pattern: emp:*\noutput:\n  - uses: relational.write\n    with:\n"
                "      connection: target\n      table: emp\n      keys: [id]\n      mapping: [id, name]\n"}});
  ASSERT_EQ(run_cli({"deploy", "--dir", dir.path(), "--redis", redis.url()}).exit_code, 0);
  ApplierProcess applier(redis, dir.file("run.log"));

  // Two rejections first (constant afterwards), then steady load with creates, updates and deletes.
  c.command({"HSET", "emp:900", "id", "900", "name", "a-name-far-too-long"});
  c.command({"HSET", "emp:901", "id", "901", "name", "another-name-too-long"});
  std::atomic<bool> done{false};
  std::thread writer([&] {
    RedisClient w = redis.client();
    int rev = 0;
    while (!done) {
      for (int i = 0; i < 25; ++i) {
        int k = (rev * 7 + i) % 400;
        ++rev;
        if (rev % 9 == 0) {
          w.command({"DEL", "emp:" + std::to_string(k)});
        } else {
          w.command({"HSET", "emp:" + std::to_string(k), "id", std::to_string(k), "name", "v" + std::to_string(rev)});
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a few history points under load

  const std::string url = "http://127.0.0.1:" + std::to_string(applier.port()) + "/";
  TempDir profile("wb_chromium");
  ASSERT_EQ(chromium({"--dump-dom", url}, dir.file("dom.html"), profile.path()), 0)
      << read_text_file(dir.file("dom.html"));
  std::string dom = read_text_file(dir.file("dom.html"));
  json status = applier.status();  // fetched after the page's last refresh: its history covers it

  std::smatch seq_match;
  ASSERT_TRUE(std::regex_search(dom, seq_match, std::regex("id=\"dashboard\" data-seq=\"(\\d+)\"")))
      << dom.substr(0, 2000);
  const uint64_t seq = std::stoull(seq_match[1].str());
  ASSERT_GT(seq, 0u) << "the page never rendered a status";
  const json* emp = applier.job_status(status, "emp");
  ASSERT_NE(emp, nullptr);
  const json* point = nullptr;
  for (const auto& p : (*emp)["history"]) {
    if (p["seq"].get<uint64_t>() == seq) point = &p;
  }
  ASSERT_NE(point, nullptr) << "sample " << seq << " is not in the history of " << status.dump().substr(0, 500);

  for (const char* field : {"inserted", "updated", "deleted", "filtered", "rejected", "backlog", "pending"}) {
    EXPECT_EQ(value_of(dom, std::string("job-emp-") + field), std::to_string((*point)[field].get<int64_t>())) << field;
  }
  EXPECT_EQ(value_of(dom, "job-emp-lag"), std::to_string((*point)["lag_ms"].get<int64_t>()));
  EXPECT_EQ(value_of(dom, "job-emp-dead_letters"), "2");
  EXPECT_EQ((*emp)["dead_letters"], 2);
  EXPECT_EQ(value_of(dom, "job-emp-rejected"), "2");
  EXPECT_GT(std::stoll(value_of(dom, "job-emp-inserted")), 0);
  EXPECT_GT(std::stoll(value_of(dom, "job-emp-updated")), 0);
  EXPECT_GT(std::stod(value_of(dom, "job-emp-rate")), 0) << "the page shows no throughput under load";
  EXPECT_NE(dom.find("id=\"job-emp-state\">running<"), std::string::npos);
  EXPECT_NE(dom.find("id=\"target-target-state\" data-reachable=\"true\""), std::string::npos);
  EXPECT_NE(dom.find("CHECK constraint failed"), std::string::npos);  // the latest reasons
  // The charts are drawn: one line per operation with points, and the lag line.
  for (const char* series : {"inserted", "updated", "deleted", "filtered", "rejected", "lag"}) {
    std::regex line(std::string("<polyline points=\"[0-9.]+,[0-9.]+ [^\"]*\"[^>]*data-series=\"") + series + "\"");
    EXPECT_TRUE(std::regex_search(dom, line)) << series;
  }

  // The screenshot, as an artifact of the test run.
  std::filesystem::create_directories(WB_OPS_ARTIFACT_DIR);
  const std::string shot = std::string(WB_OPS_ARTIFACT_DIR) + "/dashboard.png";
  std::filesystem::remove(shot);
  ASSERT_EQ(chromium({"--screenshot=" + shot, "--window-size=1280,900", url}, dir.file("shot.log"), profile.path()), 0)
      << read_text_file(dir.file("shot.log"));
  std::string png = read_text_file(shot);
  ASSERT_GT(png.size(), 10000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");

  done = true;
  writer.join();
  EXPECT_EQ(applier.stop(), 0);
}

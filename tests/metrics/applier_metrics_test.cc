// The writebehind_* metric set as Prometheus sees it: names, label sets, zero-initialized series,
// exact counts; process metrics and build info; --metrics-addr parsing; log JSON escaping.
#include "metrics/applier_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "metrics/listen_address.h"
#include "metrics/log_setup.h"
#include "metrics/process_metrics.h"
#include "version.h"

using namespace wb::metrics;

namespace {

// The value of one sample line "name{labels} value", or -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::string needle = "\n" + series + " ";
  auto at = ("\n" + text).find(needle);
  if (at == std::string::npos) return -1;
  auto start = at + needle.size() - 1;
  auto end = text.find('\n', start);
  return std::stod(text.substr(start, end - start));
}

}  // namespace

TEST(ApplierMetrics, EverySeriesOfAJobExistsFromTheStart) {
  Registry r;
  ApplierMetrics m(r);
  m.add_job("emp");
  std::string text = r.render();
  for (const char* op : kOperations) {
    EXPECT_EQ(sample(text, std::string("writebehind_incoming_entries_total{job=\"emp\",operation=\"") + op + "\"}"), 0)
        << op;
  }
  for (const char* kind : kTargetErrorKinds) {
    EXPECT_EQ(sample(text, std::string("writebehind_target_errors_total{job=\"emp\",kind=\"") + kind + "\"}"), 0);
  }
  for (const char* g : {"writebehind_stream_length", "writebehind_pending_entries", "writebehind_lag_milliseconds",
                        "writebehind_dead_letter_length", "writebehind_retries_total", "writebehind_job_paused"}) {
    EXPECT_EQ(sample(text, std::string(g) + "{job=\"emp\"}"), 0) << g;
  }
  EXPECT_EQ(sample(text, "writebehind_batch_duration_seconds_count{job=\"emp\"}"), 0);
  EXPECT_EQ(sample(text, "writebehind_batch_size_bucket{job=\"emp\",le=\"+Inf\"}"), 0);
  EXPECT_NE(text.find("# TYPE writebehind_batch_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE writebehind_incoming_entries_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE writebehind_lag_milliseconds gauge\n"), std::string::npos);
}

TEST(ApplierMetrics, BatchesCountExactly) {
  Registry r;
  ApplierMetrics m(r);
  m.add_job("emp");
  m.batch_acknowledged("emp", BatchCounts{3, 2, 1, 4, 5}, 15, 0.02);
  m.batch_acknowledged("emp", BatchCounts{1, 0, 0, 0, 0}, 1, 0.3);
  m.target_error("emp", "transient");
  m.target_error("emp", "data");
  m.target_error("emp", "data");
  m.retry("emp");
  m.set_job_gauges("emp", JobGauges{120, 7, 1500, 9, true});
  m.set_target_up("pg", true);
  m.set_redis_up(true);
  std::string text = r.render();
  EXPECT_EQ(sample(text, "writebehind_incoming_entries_total{job=\"emp\",operation=\"inserted\"}"), 4);
  EXPECT_EQ(sample(text, "writebehind_incoming_entries_total{job=\"emp\",operation=\"updated\"}"), 2);
  EXPECT_EQ(sample(text, "writebehind_incoming_entries_total{job=\"emp\",operation=\"deleted\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_incoming_entries_total{job=\"emp\",operation=\"filtered\"}"), 4);
  EXPECT_EQ(sample(text, "writebehind_incoming_entries_total{job=\"emp\",operation=\"rejected\"}"), 5);
  EXPECT_EQ(sample(text, "writebehind_batch_size_count{job=\"emp\"}"), 2);
  EXPECT_EQ(sample(text, "writebehind_batch_size_sum{job=\"emp\"}"), 16);
  EXPECT_EQ(sample(text, "writebehind_batch_size_bucket{job=\"emp\",le=\"1\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_batch_size_bucket{job=\"emp\",le=\"20\"}"), 2);
  EXPECT_EQ(sample(text, "writebehind_batch_duration_seconds_bucket{job=\"emp\",le=\"0.025\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_batch_duration_seconds_bucket{job=\"emp\",le=\"0.5\"}"), 2);
  EXPECT_EQ(sample(text, "writebehind_target_errors_total{job=\"emp\",kind=\"transient\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_target_errors_total{job=\"emp\",kind=\"data\"}"), 2);
  EXPECT_EQ(sample(text, "writebehind_retries_total{job=\"emp\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_stream_length{job=\"emp\"}"), 120);
  EXPECT_EQ(sample(text, "writebehind_pending_entries{job=\"emp\"}"), 7);
  EXPECT_EQ(sample(text, "writebehind_lag_milliseconds{job=\"emp\"}"), 1500);
  EXPECT_EQ(sample(text, "writebehind_dead_letter_length{job=\"emp\"}"), 9);
  EXPECT_EQ(sample(text, "writebehind_job_paused{job=\"emp\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_target_up{connection=\"pg\"}"), 1);
  EXPECT_EQ(sample(text, "writebehind_redis_up"), 1);
  EXPECT_EQ(m.incoming("emp", "inserted"), 4);

  m.remove_job_gauges("emp");
  text = r.render();
  EXPECT_EQ(sample(text, "writebehind_stream_length{job=\"emp\"}"), -1);
  EXPECT_EQ(sample(text, "writebehind_incoming_entries_total{job=\"emp\",operation=\"inserted\"}"), 4);
}

TEST(ProcessMetrics, ReadFromProc) {
  ProcessSample s = read_process_sample();
  EXPECT_GT(s.resident_bytes, 1024u * 1024u);
  EXPECT_GE(s.virtual_bytes, s.resident_bytes);
  EXPECT_GE(s.open_fds, 3u);
  double now = static_cast<double>(time(nullptr));
  EXPECT_LE(s.start_time_seconds, now + 1);
  EXPECT_GT(s.start_time_seconds, now - 3600);  // this test process started recently

  volatile double x = 0;  // burn some CPU: the counter moves
  double before = read_process_sample().cpu_seconds;
  for (int i = 0; i < 30000000; ++i) x = x + i * 0.5;
  EXPECT_GT(read_process_sample().cpu_seconds, before);

  Registry r;
  register_process_metrics(r);
  std::string text = r.render();
  for (const char* name : {"process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
                           "process_virtual_memory_bytes", "process_open_fds"}) {
    EXPECT_GT(sample(text, name), 0) << name << "\n" << text;
  }
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_EQ(sample(text, std::string("writebehind_build_info{version=\"") + WRITEBEHIND_VERSION + "\"}"), 1);
}

TEST(ListenAddress, Parses) {
  EXPECT_FALSE(parse_listen_address("off").has_value());
  auto a = parse_listen_address("127.0.0.1:9121");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9121);
  EXPECT_EQ(a->to_string(), "127.0.0.1:9121");
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->to_string(), "[::1]:0");
  EXPECT_EQ(parse_listen_address("localhost:80")->host, "localhost");
  for (const char* bad : {"9121", ":9121", "host:", "host:x", "host:70000", "::1:80", "[::1]80"}) {
    EXPECT_THROW(parse_listen_address(bad), std::invalid_argument) << bad;
  }
}

TEST(LogSetup, JsonEscapingAndOptions) {
  EXPECT_EQ(json_escape("plain"), "plain");
  EXPECT_EQ(json_escape("a \"quoted\" \\ path\nnext\ttab"), "a \\\"quoted\\\" \\\\ path\\nnext\\ttab");
  EXPECT_EQ(json_escape(std::string("\x01", 1)), "\\u0001");
  EXPECT_EQ(json_escape("héllo"), "héllo");
  EXPECT_NO_THROW(configure_logging("debug", "json"));
  EXPECT_NO_THROW(configure_logging("info", "text"));
  EXPECT_THROW(configure_logging("loud", "text"), std::invalid_argument);
  EXPECT_THROW(configure_logging("info", "xml"), std::invalid_argument);
}

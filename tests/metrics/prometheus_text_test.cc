// The Prometheus text exposition format, byte for byte: names, escaping, value formatting, and
// whole families (counters, gauges, histograms with _bucket/_sum/_count and +Inf, callbacks).
#include "metrics/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "metrics/registry.h"

using namespace wb::metrics;

TEST(PrometheusText, MetricAndLabelNames) {
  EXPECT_TRUE(valid_metric_name("writebehind_incoming_entries_total"));
  EXPECT_TRUE(valid_metric_name("a:b_c9"));
  EXPECT_TRUE(valid_metric_name(":x"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_FALSE(valid_metric_name("9lives"));
  EXPECT_FALSE(valid_metric_name("has-dash"));
  EXPECT_FALSE(valid_metric_name("sp ace"));

  EXPECT_TRUE(valid_label_name("job"));
  EXPECT_TRUE(valid_label_name("_x1"));
  EXPECT_FALSE(valid_label_name("__reserved"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_label_name("1a"));
  EXPECT_FALSE(valid_label_name(""));
}

TEST(PrometheusText, LabelValueEscaping) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value("say \"hi\""), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(escape_label_value("tab\tstays"), "tab\tstays");
}

TEST(PrometheusText, HelpEscaping) {
  EXPECT_EQ(escape_help(R"(back\slash and "quotes")"), R"(back\\slash and "quotes")");
  EXPECT_EQ(escape_help("line\nbreak"), R"(line\nbreak)");
}

TEST(PrometheusText, ValueFormatting) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-7), "-7");
  EXPECT_EQ(format_value(9007199254740991.0), "9007199254740991");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  // Shortest form that reads back exactly.
  EXPECT_EQ(std::stod(format_value(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(Registry, CounterAndGaugeFamilies) {
  Registry r;
  auto& c = r.counter("app_requests_total", "Requests handled.", {"job", "operation"});
  c.with({"emp", "inserted"}).inc(3);
  c.with({"emp", "deleted"}).inc();
  c.with({"a\"b", "updated"}).inc(2);
  auto& g = r.gauge("app_backlog", "Entries waiting.\nSecond line \\ here.", {"job"});
  g.with({"emp"}).set(17);
  g.with({"emp"}).dec(2);
  auto& plain = r.gauge("app_up", "Up.");
  plain.with({}).set(1);

  EXPECT_EQ(r.render(),
            "# HELP app_requests_total Requests handled.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{job=\"a\\\"b\",operation=\"updated\"} 2\n"
            "app_requests_total{job=\"emp\",operation=\"deleted\"} 1\n"
            "app_requests_total{job=\"emp\",operation=\"inserted\"} 3\n"
            "# HELP app_backlog Entries waiting.\\nSecond line \\\\ here.\n"
            "# TYPE app_backlog gauge\n"
            "app_backlog{job=\"emp\"} 15\n"
            "# HELP app_up Up.\n"
            "# TYPE app_up gauge\n"
            "app_up 1\n");
}

TEST(Registry, HistogramBucketsSumCountAndInf) {
  Registry r;
  auto& h = r.histogram("app_batch_seconds", "Batch time.", {"job"}, {0.01, 0.1, 1});
  Histogram& emp = h.with({"emp"});
  emp.observe(0.005);
  emp.observe(0.01);  // on a bound: in that bucket (le)
  emp.observe(0.5);
  emp.observe(7);  // only in +Inf
  EXPECT_EQ(r.render(),
            "# HELP app_batch_seconds Batch time.\n"
            "# TYPE app_batch_seconds histogram\n"
            "app_batch_seconds_bucket{job=\"emp\",le=\"0.01\"} 2\n"
            "app_batch_seconds_bucket{job=\"emp\",le=\"0.1\"} 2\n"
            "app_batch_seconds_bucket{job=\"emp\",le=\"1\"} 3\n"
            "app_batch_seconds_bucket{job=\"emp\",le=\"+Inf\"} 4\n"
            "app_batch_seconds_sum{job=\"emp\"} 7.515\n"
            "app_batch_seconds_count{job=\"emp\"} 4\n");
}

TEST(Registry, HistogramWithoutLabels) {
  Registry r;
  r.histogram("h", "H.", {}, {1}).with({}).observe(2);
  EXPECT_EQ(r.render(),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n");
}

TEST(Registry, CallbackMetricsAreReadAtScrape) {
  Registry r;
  double value = 1.5;
  r.callback("proc_cpu_seconds_total", "CPU.", MetricType::Counter, [&] { return value; });
  EXPECT_EQ(r.render(),
            "# HELP proc_cpu_seconds_total CPU.\n# TYPE proc_cpu_seconds_total counter\nproc_cpu_seconds_total 1.5\n");
  value = 3;
  EXPECT_NE(r.render().find("proc_cpu_seconds_total 3\n"), std::string::npos);
}

TEST(Registry, RemoveDropsASeries) {
  Registry r;
  auto& g = r.gauge("g", "G.", {"job"});
  g.with({"a"}).set(1);
  g.with({"b"}).set(2);
  g.remove({"a"});
  EXPECT_EQ(r.render(), "# HELP g G.\n# TYPE g gauge\ng{job=\"b\"} 2\n");
}

TEST(Registry, RefusesWhatPrometheusWouldRefuse) {
  Registry r;
  r.counter("dup_total", "x");
  EXPECT_THROW(r.counter("dup_total", "x"), std::invalid_argument);
  EXPECT_THROW(r.gauge("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.gauge("g1", "x", {"__x"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("g2", "x", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h1", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h2", "x", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h3", "x", {}, {2, 1}), std::invalid_argument);
  auto& c = r.counter("c_total", "x", {"job"});
  EXPECT_THROW(c.with({}), std::invalid_argument);
  EXPECT_THROW(c.with({"a", "b"}), std::invalid_argument);
  EXPECT_THROW(c.with({"a"}).inc(-1), std::invalid_argument);
}

TEST(Registry, ConcurrentIncrementsAreExact) {
  Registry r;
  auto& c = r.counter("n_total", "N.", {"job"});
  auto& h = r.histogram("s", "S.", {"job"}, {10, 100});
  constexpr int kThreads = 4, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        c.with({"j"}).inc();
        h.with({"j"}).observe(i % 200);
      }
    });
  }
  std::string mid = r.render();  // a scrape during the updates is well formed
  for (auto& t : threads) t.join();
  EXPECT_NE(mid.find("# TYPE n_total counter"), std::string::npos);
  EXPECT_EQ(c.with({"j"}).value(), kThreads * kPerThread);
  Histogram::Snapshot s = h.with({"j"}).snapshot();
  EXPECT_EQ(s.count, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.cumulative.back(), s.count);
  EXPECT_EQ(s.cumulative[0], static_cast<uint64_t>(kThreads * (kPerThread / 200) * 11));  // 0..10 of each 200
}

// A small thread-safe metrics registry rendering the Prometheus text format: counters, gauges and
// histograms with fixed buckets, each in a family with a fixed list of label names, plus
// "callback" metrics whose value is read at scrape time (process metrics).
//
// Metrics are created once and then updated lock-free (counters and gauges are atomic doubles:
// exact for integers up to 2^53) or under a per-histogram mutex (so that a scrape never sees a
// histogram whose _count disagrees with its buckets). References returned by Family::with() stay
// valid for the registry's lifetime unless remove() drops that series.
//
// Rendering is deterministic: families in registration order, series sorted by label values.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wb::metrics {

class Counter {
 public:
  // Adds `by` (>= 0; a negative increment throws std::invalid_argument: counters only go up).
  void inc(double by = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1.0) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // bounds: the buckets' upper bounds, finite and strictly increasing (+Inf is implicit);
  // std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> bounds);

  void observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    uint64_t count = 0;
    double sum = 0.0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative), the last one is (last bound, +Inf)
  uint64_t count_ = 0;
  double sum_ = 0.0;
};

enum class MetricType { Counter, Gauge, Histogram };
const char* to_string(MetricType t);  // "counter", "gauge", "histogram"

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Appends "# HELP", "# TYPE" and every sample line.
  void render(std::string& out) const;

 protected:
  virtual void render_samples(std::string& out) const = 0;
  // {a="x",b="y"} for these values (plus an optional extra label, e.g. le), "" when no label at all.
  std::string label_text(const std::vector<std::string>& values, const std::string& extra_name = "",
                         const std::string& extra_value = "") const;
  void check_arity(const std::vector<std::string>& values) const;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// All series of one metric name: one child per combination of label values.
template <class Metric>
class Family : public FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names, Factory make)
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)), make_(std::move(make)) {}

  // The series with these label values (in label-name order), created on first use.
  Metric& with(const std::vector<std::string>& label_values) {
    check_arity(label_values);
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = children_[label_values];
    if (!slot) slot = make_();
    return *slot;
  }
  // Drops a series (e.g. the gauges of a job that was removed by a redeploy).
  void remove(const std::vector<std::string>& label_values) {
    std::lock_guard<std::mutex> lock(mu_);
    children_.erase(label_values);
  }

 protected:
  void render_samples(std::string& out) const override;

 private:
  Factory make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

// Rendered in registry.cc, one specialization per metric kind.
template <>
void Family<Counter>::render_samples(std::string& out) const;
template <>
void Family<Gauge>::render_samples(std::string& out) const;
template <>
void Family<Histogram>::render_samples(std::string& out) const;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each throws std::invalid_argument for an invalid or already registered name, an invalid label
  // name, or a histogram label named "le".
  Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                               std::vector<double> bounds);
  // A metric without labels whose value is read at each scrape (read() must be thread safe).
  void callback(const std::string& name, const std::string& help, MetricType type, std::function<double()> read);

  // The whole exposition, in the Prometheus text format.
  std::string render() const;

 private:
  void add(std::unique_ptr<FamilyBase> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

}  // namespace wb::metrics

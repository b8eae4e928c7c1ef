// Metrics registry and its Prometheus rendering (see registry.h).
#include "metrics/registry.h"

#include <cmath>
#include <stdexcept>

#include "metrics/prometheus_text.h"

namespace wb::metrics {

void Counter::inc(double by) {
  if (by < 0 || std::isnan(by)) throw std::invalid_argument("a counter cannot decrease");
  value_.fetch_add(by, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i])) throw std::invalid_argument("histogram bounds must be finite");
    if (i > 0 && !(bounds_[i - 1] < bounds_[i])) {
      throw std::invalid_argument("histogram bounds must be strictly increasing");
    }
  }
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;  // le: a value equal to a bound is in that bucket
  std::lock_guard<std::mutex> lock(mu_);
  counts_[i] += 1;
  count_ += 1;
  sum_ += v;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::lock_guard<std::mutex> lock(mu_);
  s.cumulative.reserve(counts_.size());
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.count = count_;
  s.sum = sum_;
  return s;
}

const char* to_string(MetricType t) {
  switch (t) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {
  if (!valid_metric_name(name_)) throw std::invalid_argument("invalid metric name '" + name_ + "'");
  for (size_t i = 0; i < label_names_.size(); ++i) {
    const std::string& l = label_names_[i];
    if (!valid_label_name(l)) throw std::invalid_argument("metric " + name_ + ": invalid label name '" + l + "'");
    if (type_ == MetricType::Histogram && l == "le") {
      throw std::invalid_argument("metric " + name_ + ": a histogram cannot have a label named le");
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names_[j] == l) throw std::invalid_argument("metric " + name_ + ": label '" + l + "' twice");
    }
  }
}

void FamilyBase::check_arity(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + ": expected " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
}

std::string FamilyBase::label_text(const std::vector<std::string>& values, const std::string& extra_name,
                                   const std::string& extra_value) const {
  if (values.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!values.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += escape_label_value(extra_value);
    out += '"';
  }
  out += '}';
  return out;
}

void FamilyBase::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += escape_help(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += to_string(type_);
  out += '\n';
  render_samples(out);
}

template <>
void Family<Counter>::render_samples(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, metric] : children_) {
    out += name() + label_text(values) + ' ' + format_value(metric->value()) + '\n';
  }
}

template <>
void Family<Gauge>::render_samples(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, metric] : children_) {
    out += name() + label_text(values) + ' ' + format_value(metric->value()) + '\n';
  }
}

template <>
void Family<Histogram>::render_samples(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, metric] : children_) {
    Histogram::Snapshot s = metric->snapshot();
    const auto& bounds = metric->bounds();
    for (size_t i = 0; i < bounds.size(); ++i) {
      out += name() + "_bucket" + label_text(values, "le", format_value(bounds[i])) + ' ' +
             format_value(static_cast<double>(s.cumulative[i])) + '\n';
    }
    out +=
        name() + "_bucket" + label_text(values, "le", "+Inf") + ' ' + format_value(static_cast<double>(s.count)) + '\n';
    out += name() + "_sum" + label_text(values) + ' ' + format_value(s.sum) + '\n';
    out += name() + "_count" + label_text(values) + ' ' + format_value(static_cast<double>(s.count)) + '\n';
  }
}

namespace {

// A labelless metric read at scrape time.
class CallbackFamily : public FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, MetricType type, std::function<double()> read)
      : FamilyBase(std::move(name), std::move(help), type, {}), read_(std::move(read)) {}

 protected:
  void render_samples(std::string& out) const override { out += name() + ' ' + format_value(read_()) + '\n'; }

 private:
  std::function<double()> read_;
};

}  // namespace

void Registry::add(std::unique_ptr<FamilyBase> family) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) {
    if (f->name() == family->name()) throw std::invalid_argument("metric " + family->name() + " registered twice");
  }
  families_.push_back(std::move(family));
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  auto f = std::make_unique<Family<Counter>>(name, help, MetricType::Counter, std::move(label_names),
                                             [] { return std::make_unique<Counter>(); });
  auto* raw = f.get();
  add(std::move(f));
  return *raw;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
  auto f = std::make_unique<Family<Gauge>>(name, help, MetricType::Gauge, std::move(label_names),
                                           [] { return std::make_unique<Gauge>(); });
  auto* raw = f.get();
  add(std::move(f));
  return *raw;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names, std::vector<double> bounds) {
  Histogram probe(bounds);  // validates the bounds now rather than at the first series
  auto f = std::make_unique<Family<Histogram>>(name, help, MetricType::Histogram, std::move(label_names),
                                               [bounds] { return std::make_unique<Histogram>(bounds); });
  auto* raw = f.get();
  add(std::move(f));
  return *raw;
}

void Registry::callback(const std::string& name, const std::string& help, MetricType type,
                        std::function<double()> read) {
  if (type == MetricType::Histogram)
    throw std::invalid_argument("metric " + name + ": a callback cannot be a histogram");
  add(std::make_unique<CallbackFamily>(name, help, type, std::move(read)));
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) f->render(out);
  return out;
}

}  // namespace wb::metrics

// ISO-8601 parsing in the shapes Python's datetime.fromisoformat accepts.
#include "expr/jmespath/iso8601.h"

#include <chrono>
#include <ctime>

namespace wb::expr::jmespath::iso8601 {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1000000;
constexpr int kMaxFractionDigits = 6;

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly n digits.
  std::optional<int> digits(int n) {
    if (i_ + static_cast<std::size_t>(n) > s_.size()) return std::nullopt;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      char c = s_[i_ + static_cast<std::size_t>(k)];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i_ += static_cast<std::size_t>(n);
    return v;
  }
  bool is_digit() const { return peek() >= '0' && peek() <= '9'; }
  std::size_t position() const { return i_; }
  void skip(std::size_t n) { i_ += n; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// HH[:MM[:SS[.ffffff]]] or HH[MM[SS[.ffffff]]]; returns micros since midnight.
std::optional<std::int64_t> parse_time(Cursor& c, bool allow_fraction) {
  auto hh = c.digits(2);
  if (!hh || *hh > 23) return std::nullopt;
  int mm = 0, ss = 0;
  std::int64_t fraction = 0;
  bool extended = c.peek() == ':';
  if (extended ? c.eat(':') : c.is_digit()) {
    auto m = c.digits(2);
    if (!m || *m > 59) return std::nullopt;
    mm = *m;
    if (extended ? c.eat(':') : c.is_digit()) {
      auto s = c.digits(2);
      if (!s || *s > 59) return std::nullopt;
      ss = *s;
      if (allow_fraction && (c.peek() == '.' || c.peek() == ',')) {
        c.skip(1);
        int n = 0;
        if (!c.is_digit()) return std::nullopt;
        while (c.is_digit()) {
          int d = *c.digits(1);
          if (n < kMaxFractionDigits) fraction = fraction * 10 + d;
          ++n;
        }
        for (; n < kMaxFractionDigits; ++n) fraction *= 10;
      }
    }
  }
  return ((static_cast<std::int64_t>(*hh) * 60 + mm) * 60 + ss) * kMicrosPerSecond + fraction;
}

}  // namespace

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::optional<Timestamp> parse(std::string_view text) {
  Cursor c(text);
  auto year = c.digits(4);
  if (!year) return std::nullopt;
  bool extended = c.eat('-');
  auto month = c.digits(2);
  if (!month) return std::nullopt;
  if (extended && !c.eat('-')) return std::nullopt;
  auto day = c.digits(2);
  if (!day || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) {
    return std::nullopt;
  }
  Timestamp t;
  t.micros = days_from_civil(*year, *month, *day) * 86400 * kMicrosPerSecond;
  if (c.done()) return t;
  c.skip(1);  // any single character separates date and time in Python 3.11
  auto time = parse_time(c, true);
  if (!time) return std::nullopt;
  t.micros += *time;
  if (c.done()) return t;
  int sign;
  if (c.eat('Z')) {
    sign = 0;
  } else if (c.eat('+')) {
    sign = 1;
  } else if (c.eat('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  if (sign != 0) {
    auto offset = parse_time(c, true);
    if (!offset) return std::nullopt;
    t.micros -= sign * *offset;
  }
  if (!c.done()) return std::nullopt;
  t.naive = false;
  return t;
}

std::int64_t micros_since(const Timestamp& t) {
  auto now = std::chrono::system_clock::now();
  std::int64_t now_micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  if (t.naive) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm local{};
    localtime_r(&seconds, &local);
    now_micros += static_cast<std::int64_t>(local.tm_gmtoff) * kMicrosPerSecond;
  }
  return now_micros - t.micros;
}

}  // namespace wb::expr::jmespath::iso8601

// Timestamps for time_delta_days/time_delta_seconds: ISO-8601 text as Python 3.11's
// datetime.fromisoformat reads it, or Unix seconds.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace wb::expr::jmespath::iso8601 {

struct Timestamp {
  std::int64_t micros = 0;  // since the Unix epoch; for naive times, of the wall clock as if UTC
  bool naive = true;        // no offset given: local wall-clock time (Python compares it to now())
};

// "2011-11-04", "2011-11-04T00:05:23", "2011-11-04 00:05:23.283+04:00", "20111104T000523Z"...
// nullopt when Python would raise ValueError.
std::optional<Timestamp> parse(std::string_view text);

// now - t in microseconds; naive t is compared with the local wall clock.
std::int64_t micros_since(const Timestamp& t);

// Floor division, as Python's timedelta does it (-0.5 days is day -1).
std::int64_t floor_div(std::int64_t a, std::int64_t b);

}  // namespace wb::expr::jmespath::iso8601

// --metrics-addr: "HOST:PORT" (IPv4 or a name; "[::1]:PORT" for IPv6), or "off". Port 0 asks the
// kernel for a free port (tests).
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wb::metrics {

inline constexpr std::string_view kDefaultMetricsAddress = "127.0.0.1:9121";

struct ListenAddress {
  std::string host;
  int port = 0;
  std::string to_string() const;  // host:port ([host]:port for IPv6)
};

// nullopt for "off"; std::invalid_argument with a one-line message otherwise when malformed.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace wb::metrics

// Parsing --metrics-addr (see listen_address.h).
#include "metrics/listen_address.h"

#include <charconv>

namespace wb::metrics {

std::string ListenAddress::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  if (text == "off") return std::nullopt;
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("invalid metrics address '" + std::string(text) + "': " + why +
                                 " (expected HOST:PORT, e.g. 127.0.0.1:9121, or off)");
  };
  ListenAddress a;
  std::string_view port_text;
  if (text.starts_with("[")) {
    auto close = text.find("]:");
    if (close == std::string_view::npos) throw bad("missing ]:PORT");
    a.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw bad("missing :PORT");
    a.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (a.host.find(':') != std::string::npos) throw bad("write an IPv6 host in brackets");
  }
  if (a.host.empty()) throw bad("missing host");
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    throw bad("port must be a number from 0 to 65535");
  }
  a.port = port;
  return a;
}

}  // namespace wb::metrics

// `writebehind run --log-level trace|debug|info|warn|error --log-format text|json`: spdlog's
// default logger writes to stderr, one line per event, either as text
//   2024-05-01T10:00:00.123Z info  job emp: target available again after 4.2s
// or as one JSON object per line (message JSON-escaped)
//   {"time":"2024-05-01T10:00:00.123Z","level":"info","message":"job emp: ..."}
// Times are UTC. Messages never carry secrets: Redis endpoints are logged without their password
// and target connection settings are never logged.
#pragma once
#include <string>
#include <string_view>

namespace wb::metrics {

inline constexpr std::string_view kLogLevels = "trace, debug, info, warn, error";
inline constexpr std::string_view kLogFormats = "text, json";

// Throws std::invalid_argument for an unknown level or format.
void configure_logging(std::string_view level, std::string_view format);

// JSON string escaping of one message (for the json format; exposed for tests).
std::string json_escape(std::string_view text);

}  // namespace wb::metrics

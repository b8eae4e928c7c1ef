// The pieces of the Prometheus text exposition format (version 0.0.4) that need care: metric and
// label name rules, escaping of label values and HELP text, and how sample values are written
// (integers exactly, +Inf/-Inf/NaN spelled as Prometheus expects). The registry (registry.h)
// builds whole families out of these.
#pragma once
#include <string>
#include <string_view>

namespace wb::metrics {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool valid_label_name(std::string_view name);

// Label values: backslash, double quote and line feed are escaped (\\, \", \n).
std::string escape_label_value(std::string_view value);
// HELP text: backslash and line feed are escaped (\\, \n).
std::string escape_help(std::string_view help);

// A sample value: integral values below 2^53 without exponent or fraction ("42"), others in the
// shortest form that reads back exactly ("0.25", "1e+21"), and "+Inf", "-Inf", "NaN".
std::string format_value(double v);

}  // namespace wb::metrics

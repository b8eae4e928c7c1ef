// What a schema, table or column name may be. The applier quotes identifiers per dialect, so the
// rule is not about SQL syntax but about catching mistakes early and keeping every dialect happy:
// letters, digits, '_' and '$', not empty, at most kMaxIdentifierLength characters (PostgreSQL's
// limit, the smallest of the supported targets).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace wb::config {

inline constexpr size_t kMaxIdentifierLength = 63;

// nullopt when name is a sane identifier, else what is wrong with it ("is empty", ...).
std::optional<std::string> identifier_problem(std::string_view name);

// Job names become capture job names (WB.JOB.SET) and parts of Redis key names: letters, digits,
// '_', '-', '.', at most kMaxJobNameLength bytes.
inline constexpr size_t kMaxJobNameLength = 64;  // the capture module's limit
std::optional<std::string> job_name_problem(std::string_view name);

}  // namespace wb::config

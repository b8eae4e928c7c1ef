// A capture job as the user declares it with WB.JOB.SET, its validation, and its serialized form in
// the registry hash (<prefix>jobs, field = job name, value = serialize(spec)).
//
// Pure C++ (no Redis API), so parsing and the registry format are unit-tested directly.
//
// Registry value format, version 1 — a sequence of netstrings (`<decimal length>:<bytes>,`) read as
// key/value pairs, binary-safe and readable in redis-cli:
//   1:v,1:1,7:pattern,6:user:*,7:exclude,4:hdel,7:expired,2:no,7:evicted,2:no,
// `v` comes first and must be 1; `pattern` (one or more) and `exclude` (zero or more) repeat in
// order; `expired` and `evicted` are yes|no and appear once. Anything else is rejected, so a value
// written by a newer module version is reported rather than misread.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wb::capture {

inline constexpr std::size_t kMaxJobNameBytes = 64;
inline constexpr std::size_t kMaxPatternsPerJob = 64;
inline constexpr std::size_t kMaxExcludesPerJob = 64;
inline constexpr std::size_t kMaxEventNameBytes = 64;
inline constexpr std::size_t kMaxJobs = 1024;
inline constexpr int kRegistryFormatVersion = 1;

struct JobSpec {
  std::string name;
  std::vector<std::string> patterns;  // Redis globs, validated
  std::vector<std::string> excludes;  // event names (lower case) whose changes the job ignores
  bool expired = false;               // capture keys that expire (as deletes)
  bool evicted = false;               // capture keys that are evicted (as deletes)

  bool excludes_event(std::string_view event) const;
  bool operator==(const JobSpec&) const = default;
};

// A job name is 1..64 bytes of [A-Za-z0-9_.-].
bool valid_job_name(std::string_view name);

// Parses the arguments of WB.JOB.SET after the command name: <job> PATTERN <glob> [PATTERN <glob>
// ...] [EXCLUDE <event> [<event> ...]] [EXPIRED yes|no] [EVICTED yes|no]. Keywords and yes/no are
// case-insensitive; an EXCLUDE list runs until the next keyword. Returns the spec or a one-line
// error message (without the "ERR " prefix).
std::variant<JobSpec, std::string> parse_job_args(const std::vector<std::string_view>& args);

std::string serialize(const JobSpec& spec);

// Reads a registry value back; `name` is the hash field. Returns the spec or why it is invalid.
std::variant<JobSpec, std::string> deserialize(std::string_view name, std::string_view value);

}  // namespace wb::capture

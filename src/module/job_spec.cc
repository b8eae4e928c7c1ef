// WB.JOB.SET argument parsing and the registry value format (see job_spec.h).
#include "module/job_spec.h"

#include <algorithm>
#include <charconv>

#include "module/glob.h"

namespace wb::capture {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_keyword(std::string_view s) {
  return iequals(s, "PATTERN") || iequals(s, "EXCLUDE") || iequals(s, "EXPIRED") ||
         iequals(s, "EVICTED");
}

// Event names as Redis and modules fire them: lower-case letters, digits, '.', '_', '-'.
bool valid_event_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxEventNameBytes) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

// Printable rendering of a user-supplied argument for an error message (binary-safe, bounded).
std::string printable(std::string_view s) {
  constexpr std::size_t kMaxShown = 40;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > kMaxShown) out += "...";
  return out;
}

std::optional<bool> parse_yes_no(std::string_view s) {
  if (iequals(s, "yes")) return true;
  if (iequals(s, "no")) return false;
  return std::nullopt;
}

void append_netstring(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out.append(s.data(), s.size());
  out += ',';
}

// Reads one netstring at *pos; nullopt if malformed.
std::optional<std::string_view> read_netstring(std::string_view in, std::size_t* pos) {
  constexpr std::size_t kMaxLengthDigits = 9;
  std::size_t colon = in.find(':', *pos);
  if (colon == std::string_view::npos || colon == *pos || colon - *pos > kMaxLengthDigits) {
    return std::nullopt;
  }
  std::size_t len = 0;
  auto [end, ec] = std::from_chars(in.data() + *pos, in.data() + colon, len);
  if (ec != std::errc() || end != in.data() + colon) return std::nullopt;
  std::size_t start = colon + 1;
  if (len > in.size() - start || start + len >= in.size() || in[start + len] != ',') {
    return std::nullopt;
  }
  *pos = start + len + 1;
  return in.substr(start, len);
}

}  // namespace

bool JobSpec::excludes_event(std::string_view event) const {
  for (const std::string& e : excludes) {
    if (e == event) return true;
  }
  return false;
}

bool valid_job_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxJobNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

std::variant<JobSpec, std::string> parse_job_args(const std::vector<std::string_view>& args) {
  if (args.empty()) return std::string("wrong number of arguments for 'wb.job.set' command");
  JobSpec spec;
  if (!valid_job_name(args[0])) {
    return "invalid job name '" + printable(args[0]) + "': use 1 to " +
           std::to_string(kMaxJobNameBytes) + " characters of A-Z a-z 0-9 _ . -";
  }
  spec.name = std::string(args[0]);
  bool seen_expired = false, seen_evicted = false, seen_exclude = false;
  std::size_t i = 1;
  while (i < args.size()) {
    std::string_view opt = args[i];
    if (iequals(opt, "PATTERN")) {
      if (i + 1 >= args.size()) return std::string("PATTERN needs a glob pattern");
      std::string_view pattern = args[i + 1];
      if (auto why = glob::validate_glob(pattern)) {
        return "invalid pattern '" + printable(pattern) + "': " + *why;
      }
      if (spec.patterns.size() == kMaxPatternsPerJob) {
        return "too many patterns (at most " + std::to_string(kMaxPatternsPerJob) + ")";
      }
      if (std::find(spec.patterns.begin(), spec.patterns.end(), pattern) == spec.patterns.end()) {
        spec.patterns.emplace_back(pattern);
      }
      i += 2;
    } else if (iequals(opt, "EXCLUDE")) {
      if (seen_exclude) return std::string("EXCLUDE given more than once");
      seen_exclude = true;
      ++i;
      std::size_t first = i;
      while (i < args.size() && !is_keyword(args[i])) {
        std::string event = lower(args[i]);
        if (!valid_event_name(event)) {
          return "invalid EXCLUDE command '" + printable(args[i]) + "'";
        }
        if (spec.excludes.size() == kMaxExcludesPerJob) {
          return "too many EXCLUDE commands (at most " + std::to_string(kMaxExcludesPerJob) + ")";
        }
        if (!spec.excludes_event(event)) spec.excludes.push_back(std::move(event));
        ++i;
      }
      if (i == first) return std::string("EXCLUDE needs at least one command");
    } else if (iequals(opt, "EXPIRED") || iequals(opt, "EVICTED")) {
      bool is_expired = iequals(opt, "EXPIRED");
      bool& seen = is_expired ? seen_expired : seen_evicted;
      const char* upper = is_expired ? "EXPIRED" : "EVICTED";
      if (seen) return std::string(upper) + " given more than once";
      seen = true;
      if (i + 1 >= args.size()) return std::string(upper) + " needs yes or no";
      auto yes = parse_yes_no(args[i + 1]);
      if (!yes) return std::string(upper) + " needs yes or no, not '" + printable(args[i + 1]) + "'";
      (is_expired ? spec.expired : spec.evicted) = *yes;
      i += 2;
    } else {
      return "unknown option '" + printable(opt) + "' (expected PATTERN, EXCLUDE, EXPIRED or EVICTED)";
    }
  }
  if (spec.patterns.empty()) return std::string("a job needs at least one PATTERN");
  return spec;
}

std::string serialize(const JobSpec& spec) {
  std::string out;
  append_netstring(out, "v");
  append_netstring(out, std::to_string(kRegistryFormatVersion));
  for (const std::string& p : spec.patterns) {
    append_netstring(out, "pattern");
    append_netstring(out, p);
  }
  for (const std::string& e : spec.excludes) {
    append_netstring(out, "exclude");
    append_netstring(out, e);
  }
  append_netstring(out, "expired");
  append_netstring(out, spec.expired ? "yes" : "no");
  append_netstring(out, "evicted");
  append_netstring(out, spec.evicted ? "yes" : "no");
  return out;
}

std::variant<JobSpec, std::string> deserialize(std::string_view name, std::string_view value) {
  if (!valid_job_name(name)) return "invalid job name '" + printable(name) + "'";
  JobSpec spec;
  spec.name = std::string(name);
  std::size_t pos = 0;
  bool seen_version = false, seen_expired = false, seen_evicted = false;
  while (pos < value.size()) {
    auto k = read_netstring(value, &pos);
    if (!k) return std::string("malformed registry value");
    auto v = read_netstring(value, &pos);
    if (!v) return std::string("malformed registry value");
    if (!seen_version) {
      if (*k != "v") return std::string("registry value has no version");
      if (*v != std::to_string(kRegistryFormatVersion)) {
        return "unsupported registry format version '" + printable(*v) + "'";
      }
      seen_version = true;
    } else if (*k == "pattern") {
      if (auto why = glob::validate_glob(*v)) return "invalid pattern: " + *why;
      if (spec.patterns.size() == kMaxPatternsPerJob) return std::string("too many patterns");
      spec.patterns.emplace_back(*v);
    } else if (*k == "exclude") {
      if (!valid_event_name(*v)) return std::string("invalid exclude entry");
      if (spec.excludes.size() == kMaxExcludesPerJob) return std::string("too many excludes");
      spec.excludes.emplace_back(*v);
    } else if (*k == "expired" || *k == "evicted") {
      bool is_expired = *k == "expired";
      bool& seen = is_expired ? seen_expired : seen_evicted;
      if (seen) return "duplicate '" + std::string(*k) + "'";
      seen = true;
      if (*v != "yes" && *v != "no") return "bad value for '" + std::string(*k) + "'";
      (is_expired ? spec.expired : spec.evicted) = *v == "yes";
    } else {
      return "unknown registry entry '" + printable(*k) + "'";
    }
  }
  if (!seen_version) return std::string("registry value has no version");
  if (spec.patterns.empty()) return std::string("job has no pattern");
  return spec;
}

}  // namespace wb::capture

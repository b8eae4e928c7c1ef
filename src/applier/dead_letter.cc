// Dead-letter entry layout (see dead_letter.h).
#include "applier/dead_letter.h"

#include <ctime>

namespace wb::applier {

std::string iso8601_utc(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

EntryFields make_dead_letter(const std::string& entry_id, const EntryFields& original, const std::string& error,
                             const std::string& output, std::chrono::system_clock::time_point when) {
  EntryFields f;
  f.reserve(original.size() + 4);
  f.emplace_back("error", error);
  f.emplace_back("output", output);
  f.emplace_back("time", iso8601_utc(when));
  f.emplace_back("entry_id", entry_id);
  for (const auto& kv : original) f.push_back(kv);
  return f;
}

}  // namespace wb::applier

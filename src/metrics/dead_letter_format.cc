// Rendering of dead letters for get-rejected (see dead_letter_format.h).
#include "metrics/dead_letter_format.h"

namespace wb::metrics {
namespace {

bool is_header_field(const std::string& f) { return f == "key" || f == "op" || f == "cmd" || f == "type" || f == "ts"; }

}  // namespace

nlohmann::json dead_letter_record(const DeadLetter& d) {
  nlohmann::json record = nlohmann::json::object();
  for (const auto& [f, v] : d.original) {
    if (!is_header_field(f)) record[f] = v;
  }
  return record;
}

nlohmann::json dead_letter_to_json(const std::string& job, const DeadLetter& d) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [f, v] : d.original) fields.push_back({f, v});
  return {{"job", job},
          {"id", d.id},
          {"time", d.time},
          {"error", d.error},
          {"output", d.output},
          {"entry_id", d.entry_id},
          {"key", d.original_field("key")},
          {"op", d.original_field("op")},
          {"cmd", d.original_field("cmd")},
          {"type", d.original_field("type")},
          {"ts", d.original_field("ts")},
          {"record", dead_letter_record(d)},
          {"fields", fields}};
}

std::string dead_letter_to_text(const std::string& job, const DeadLetter& d) {
  std::string out = job + "  " + d.id + "  " + d.time + "\n";
  out += "  error:  " + d.error + "\n";
  if (!d.output.empty()) out += "  output: " + d.output + "\n";
  out += "  entry:  " + d.entry_id;
  for (const char* f : {"key", "op", "cmd", "type", "ts"}) {
    std::string v = d.original_field(f);
    if (!v.empty()) out += std::string("  ") + f + " " + v;
  }
  out += "\n  record: " + dead_letter_record(d).dump() + "\n";
  return out;
}

}  // namespace wb::metrics

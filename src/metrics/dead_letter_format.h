// How get-rejected shows a dead letter: as text (one block per entry) or as a JSON object
//   {"job","id","time","error","output","entry_id","key","op","cmd","type","ts",
//    "record": {field: value, ...},     the captured value (hash fields; {"value": ...} for strings)
//    "fields": [[field, value], ...]}   the original entry exactly, in order
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/dead_letter_entry.h"

namespace wb::metrics {

// The captured value's fields: every original field except the entry header (key op cmd type ts).
nlohmann::json dead_letter_record(const DeadLetter& d);
nlohmann::json dead_letter_to_json(const std::string& job, const DeadLetter& d);
std::string dead_letter_to_text(const std::string& job, const DeadLetter& d);

}  // namespace wb::metrics

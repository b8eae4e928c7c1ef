// Dead-letter entries: a record the target refused (or that cannot be decoded or mapped), kept in
// the job's dead-letter stream <prefix>dlq:<job> with everything needed to understand and replay it.
// Fields, in this order (the first four are always these, so a captured hash field named `error`
// stays unambiguous):
//   error <the database's or the applier's message>  output <output name, "" before any output>
//   time <ISO 8601 UTC, ms>  entry_id <the original stream entry id>
//   then the original entry's fields verbatim (key op cmd type ts <value fields...>).
#pragma once
#include <chrono>
#include <string>

#include "source/change_record.h"

namespace wb::applier {

EntryFields make_dead_letter(const std::string& entry_id, const EntryFields& original, const std::string& error,
                             const std::string& output, std::chrono::system_clock::time_point when);

std::string iso8601_utc(std::chrono::system_clock::time_point when);

}  // namespace wb::applier

// One stream entry as read from Redis: its id and field/value pairs in order. `deleted` marks an
// entry that was still pending in the group but no longer exists in the stream (XREADGROUP returns
// its id with no fields): it only needs acknowledging.
#pragma once
#include <string>

#include "source/change_record.h"

namespace wb {

struct StreamEntry {
  std::string id;
  EntryFields fields;
  bool deleted = false;
};

}  // namespace wb

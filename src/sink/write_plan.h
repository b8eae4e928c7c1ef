// How one TableWrite breaks down into the two primitives every dialect has — delete by keys, and
// insert (plain, or as an in-place upsert) — decided once here so the dialects only render SQL.
// An upsert can be done in place (INSERT … ON CONFLICT / ON DUPLICATE KEY) only when the table has a
// unique index on exactly the key columns; otherwise its rows are deleted by key and inserted.
// Deletes run before inserts, so a key that is both deleted and written ends written.
#pragma once
#include <string>
#include <vector>

#include "sink/sink.h"
#include "sink/table_info.h"

namespace wb::sink {

struct WritePlan {
  std::vector<std::string> columns;                // key columns, then value columns
  bool upsert_in_place = false;                    // w.upserts go as one in-place upsert
  std::vector<const std::vector<Row>*> to_delete;  // rows whose keys are deleted first
  std::vector<const std::vector<Row>*> to_insert;  // rows inserted after the deletes

  bool has_deletes() const;
  bool has_inserts() const;
};

WritePlan plan_write(const TableWrite& w, const TableInfo& info);

}  // namespace wb::sink

// See write_plan.h.
#include "sink/write_plan.h"

#include <algorithm>

namespace wb::sink {

namespace {
bool any_rows(const std::vector<const std::vector<Row>*>& lists) {
  return std::any_of(lists.begin(), lists.end(), [](const auto* l) { return !l->empty(); });
}
}  // namespace

bool WritePlan::has_deletes() const { return any_rows(to_delete); }
bool WritePlan::has_inserts() const { return any_rows(to_insert); }

WritePlan plan_write(const TableWrite& w, const TableInfo& info) {
  WritePlan p;
  p.columns = w.key_columns;
  p.columns.insert(p.columns.end(), w.value_columns.begin(), w.value_columns.end());
  p.upsert_in_place = !w.upserts.empty() && info.unique_on(w.key_columns);
  p.to_delete = {&w.deletes, &w.replaces};
  p.to_insert = {&w.replaces, &w.appends};
  if (!p.upsert_in_place) {  // no unique index on the keys: delete, then insert
    p.to_delete.push_back(&w.upserts);
    p.to_insert.push_back(&w.upserts);
  }
  return p;
}

}  // namespace wb::sink

// TableInfo lookups; see table_info.h.
#include "sink/table_info.h"

#include <algorithm>

namespace wb::sink {

int TableInfo::find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

bool TableInfo::unique_on(const std::vector<std::string>& keys) const {
  if (keys.empty()) return false;
  std::vector<std::string> want(keys);
  std::sort(want.begin(), want.end());
  for (auto have : unique_keys) {
    std::sort(have.begin(), have.end());
    if (have == want) return true;
  }
  return false;
}

std::optional<std::string> TableInfo::missing_column(const TableWrite& w) const {
  for (const auto& c : w.key_columns)
    if (find(c) < 0) return c;
  for (const auto& c : w.value_columns)
    if (find(c) < 0) return c;
  if (w.type2) {
    if (find(w.type2->indicator_column) < 0) return w.type2->indicator_column;
    for (const auto& cc : w.type2->close_columns)
      if (find(cc.column) < 0) return cc.column;
  }
  return std::nullopt;
}

void TableInfo::require_columns(const TableWrite& w, std::string_view table_name) const {
  if (auto c = missing_column(w))
    throw SinkError(ErrorKind::Schema, "table " + std::string(table_name) + " has no column " + *c);
}

}  // namespace wb::sink

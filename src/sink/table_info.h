// What a sink learns about a target table from the catalog, once per connection: its quoted name,
// its columns and its unique keys (to know whether an upsert can use ON CONFLICT / ON DUPLICATE KEY
// or must delete and insert).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sink/sink.h"

namespace wb::sink {

struct TableInfo {
  std::string quoted_name;                           // ready to splice: "schema"."table"
  std::vector<Column> columns;
  std::vector<std::string> cast_types;               // PostgreSQL: per column, the type text is cast to
  std::vector<std::vector<std::string>> unique_keys;  // the columns of each primary key / unique index

  // Index of the named column, or -1.
  int find(std::string_view name) const;
  // True when one unique key has exactly these columns (in any order).
  bool unique_on(const std::vector<std::string>& keys) const;
  // The first column w names (keys, values, TYPE2 columns) that the table does not have, if any.
  std::optional<std::string> missing_column(const TableWrite& w) const;
  // Throws SinkError(Schema) naming that column.
  void require_columns(const TableWrite& w, std::string_view table_name) const;
};

}  // namespace wb::sink

// The reference loaders of issue 4's benchmark: the fastest plain way to write rows of a key and
// five text columns into each target, in transactions of one batch each, without writebehind.
//   PostgreSQL: COPY into a temporary staging table, then one INSERT … SELECT … ON CONFLICT DO
//               UPDATE per transaction.
//   MariaDB:    one multi-row INSERT … ON DUPLICATE KEY UPDATE per transaction (text protocol).
//   SQLite:     a prepared upsert stepped once per row.
// Writebehind's own numbers are compared against these (sink_reference_bench here, the applier's
// benchmark elsewhere), so they live in a small library, wb_sink_reference.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "sink/sink.h"

namespace wb::bench {

inline constexpr int kValueColumns = 5;  // f1 … f5, besides the key column id

// The benchmark table, created (after dropping it) by each target's own DDL.
std::string benchmark_table_ddl(const std::string& dialect, const std::string& qualified_name);

// Rows [first, first + count): id "key:<n>", five text values that depend on `version`
// (a later version of the same keys turns the load into updates).
std::vector<wb::sink::Row> benchmark_rows(long first, long count, int version);

class ReferenceLoader {
 public:
  virtual ~ReferenceLoader() = default;
  // Writes rows (id, f1 … f5) into table in one transaction.
  virtual void load(const std::vector<wb::sink::Row>& rows) = 0;
};

// table is unqualified for SQLite, schema-qualified or plain otherwise; settings as for make_sink.
std::unique_ptr<ReferenceLoader> make_reference_loader(const wb::sink::ConnectionSettings& settings,
                                                       const std::string& table);

}  // namespace wb::bench

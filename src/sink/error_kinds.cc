// The classification tables. See error_kinds.h for the sources and the default.
#include "sink/error_kinds.h"

#include <sqlite3.h>

#include <algorithm>

namespace wb::sink {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Transient: return "transient";
    case ErrorKind::Schema: return "schema";
    case ErrorKind::Data: return "data";
  }
  return "?";
}

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

template <size_t N>
bool contains(const unsigned (&list)[N], unsigned value) {
  return std::find(list, list + N, value) != list + N;
}

}  // namespace

ErrorKind classify_postgres(std::string_view s) {
  if (s.size() != 5) return ErrorKind::Transient;  // no SQLSTATE: the connection failed
  // Record-specific: data exceptions, integrity constraints, cardinality (a key twice in one
  // statement), WITH CHECK OPTION, a deferred constraint failing at commit, a trigger's RAISE.
  if (starts_with(s, "22") || starts_with(s, "23") || starts_with(s, "21") || starts_with(s, "44") ||
      s == "40002" || s == "P0001")
    return ErrorKind::Data;
  // Passing conditions: connection exceptions, operator intervention (admin/crash shutdown, cannot
  // connect now, query canceled), transaction rollback (serialization failure, deadlock),
  // insufficient resources (disk full, out of memory, too many connections), system I/O errors,
  // read-only transaction, idle-in-transaction timeout, lock not available.
  if (starts_with(s, "08") || starts_with(s, "57") || starts_with(s, "40") || starts_with(s, "53") ||
      starts_with(s, "58") || s == "25006" || s == "25P03" || s == "55P03" || s == "55006")
    return ErrorKind::Transient;
  // Everything else — 42 (undefined table/column, insufficient privilege, syntax), 3F000 (no such
  // schema), 3D000 (no such database), 28 (authentication), 0A (not supported) — hits every record.
  return ErrorKind::Schema;
}

ErrorKind classify_mariadb(unsigned n, std::string_view sqlstate) {
  static constexpr unsigned kTransient[] = {
      2002, 2003, 2005, 2006, 2013, 2055,  // client: cannot connect, unknown host, gone, lost
      1040, 1203,                          // too many connections (global, per user)
      1053, 1927, 1152, 1317,              // server shutdown, connection killed, aborted, interrupted
      1158, 1159, 1160, 1161,              // network read/write errors
      1205, 1213, 1614,                    // lock wait timeout, deadlock, XA deadlock
      1290, 1836, 1792,                    // --read-only, read-only mode, read-only transaction
      1021, 1037, 1041, 1114,              // disk full, out of memory, out of resources, table full
      1180,                                // error during commit
      4031,  // MySQL 8: ER_CLIENT_INTERACTION_TIMEOUT (MariaDB uses 4031 for a DDL-only error)
  };
  static constexpr unsigned kData[] = {
      1406,              // data too long
      1366, 1292, 1265,  // incorrect value for column, truncated wrong value, data truncated
      1264, 1690,        // out of range
      1411,              // wrong value for type
      1048, 1364,        // NULL into NOT NULL, no default for field
      1062, 1022,        // duplicate entry
      1452, 1451, 1216, 1217,  // foreign keys
      4025, 3819,        // CHECK constraint (MariaDB, MySQL)
      3140,              // MySQL: invalid JSON text
      1300, 1367,        // invalid character string, illegal value
  };
  static constexpr unsigned kSchema[] = {
      1146, 1054, 1109,        // no such table, unknown column, unknown table
      1142, 1143, 1044, 1045,  // table/column/database access denied, bad credentials
      1049,                    // unknown database
      1064, 1149,              // syntax
      2026, 1227,              // TLS setup failed, needs a privilege
  };
  if (contains(kTransient, n)) return ErrorKind::Transient;
  if (contains(kData, n)) return ErrorKind::Data;
  if (contains(kSchema, n)) return ErrorKind::Schema;
  // Numbers not listed: the SQLSTATE's class decides, as for PostgreSQL.
  if (starts_with(sqlstate, "22") || starts_with(sqlstate, "23") || starts_with(sqlstate, "44"))
    return ErrorKind::Data;
  if (starts_with(sqlstate, "08") || sqlstate == "40001" || starts_with(sqlstate, "HY001"))
    return ErrorKind::Transient;
  return ErrorKind::Schema;
}

ErrorKind classify_sqlite(int code) {
  switch (code & 0xff) {  // the primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return ErrorKind::Transient;
    case SQLITE_CONSTRAINT:  // includes SQLITE_CONSTRAINT_DATATYPE of STRICT tables
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
      return ErrorKind::Data;
    default:
      break;
  }
  // SQLITE_ERROR: "no such table", "no such column", "has no column named", syntax errors,
  // "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint" — all statement-wide.
  return ErrorKind::Schema;
}

}  // namespace wb::sink

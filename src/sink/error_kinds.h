// Which ErrorKind a database's error code belongs to, per dialect. Pure functions of the codes so
// the tables can be tested without servers; the dialects call them with what their client library
// reports. The lists were checked against the PostgreSQL SQLSTATE appendix, MariaDB's
// mysqld_error.h / errmsg.h (Connector/C 3.3, server 10.11) and MySQL 8's error reference, and the
// SQLite result-code list. Anything not recognised is Schema: retried loudly, never dead-lettered,
// since dropping records on an error we do not understand would lose data.
#pragma once
#include <string_view>

#include "sink/sink_error.h"

namespace wb::sink {

// sqlstate: five characters from PG_DIAG_SQLSTATE (empty when libpq reports no code, e.g. a lost
// connection; callers treat a bad connection as Transient before asking).
ErrorKind classify_postgres(std::string_view sqlstate);

// errnum: mysql_errno / mysql_stmt_errno; sqlstate: mysql_sqlstate, used for numbers not listed.
ErrorKind classify_mariadb(unsigned errnum, std::string_view sqlstate);

// code: the result code, primary or extended (sqlite3_extended_errcode).
ErrorKind classify_sqlite(int code);

}  // namespace wb::sink

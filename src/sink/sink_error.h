// The one exception type of the sink layer, and the three kinds of target failure the applier
// treats differently:
//   Transient — the target is unreachable or refused this transaction for reasons that pass
//               (connection refused or lost, shutting down, read-only, deadlock, serialization
//               failure, lock wait timeout, too many connections): reconnect and retry the batch.
//   Schema    — the statement cannot succeed for any record (missing table or column, permission
//               denied, syntax, a table without the unique index an upsert needs, anything the
//               sink does not recognise): retry like an outage, loudly; never dead-letter.
//   Data      — a record is at fault (constraint violation, value too long, bad cast, numeric out of
//               range, NOT NULL): split the batch to find it, dead-letter it, commit the rest.
#pragma once
#include <stdexcept>
#include <string>

namespace wb::sink {

enum class ErrorKind { Transient, Schema, Data };

const char* to_string(ErrorKind kind);

class SinkError : public std::runtime_error {
 public:
  // code: the database's own code (SQLSTATE, MariaDB error number, SQLite extended result code) as
  // text, empty when the error comes from the sink itself.
  SinkError(ErrorKind kind, const std::string& message, std::string code = {})
      : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }

 private:
  ErrorKind kind_;
  std::string code_;
};

}  // namespace wb::sink

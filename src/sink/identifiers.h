// Quoting table and column names for each dialect. Names come from the pipeline (never from record
// data), but are still validated and quoted so that any legal name works and none can break out of
// its quotes. An invalid name is a SinkError(Schema): every record of that output would fail.
#pragma once
#include <string>
#include <string_view>

namespace wb::sink {

// Longest names the servers accept (PostgreSQL NAMEDATALEN-1 bytes, MySQL/MariaDB 64 characters,
// counted here in bytes to stay conservative for ASCII and exact for the common case).
inline constexpr size_t kMaxPostgresIdentifierBytes = 63;
inline constexpr size_t kMaxMysqlIdentifierBytes = 64 * 4;  // 64 characters of up to 4 UTF-8 bytes

// "name" with embedded " doubled (PostgreSQL and SQLite).
std::string quote_double(std::string_view name, size_t max_bytes);
// `name` with embedded ` doubled (MySQL/MariaDB).
std::string quote_backtick(std::string_view name, size_t max_bytes);

}  // namespace wb::sink

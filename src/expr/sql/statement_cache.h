// Per-thread SQLite state for SQL expressions: one in-memory connection and one prepared
// statement per expression, created on first use in that thread and kept until the thread ends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace wb::expr::sql {

// Statements kept per thread before the cache starts over (expressions are compiled once per
// pipeline load, so only tools that compile in a loop ever reach it).
inline constexpr std::size_t kMaxStatementsPerThread = 512;

// This thread's connection (opened on first use; throws ExpressionError if SQLite cannot open).
sqlite3* thread_connection();

// This thread's statement for expression `id` (unique for the process' lifetime), prepared from
// `sql` on a miss. Throws ExpressionError if preparing fails.
sqlite3_stmt* thread_statement(std::uint64_t id, const std::string& sql, const std::string& text);

}  // namespace wb::expr::sql

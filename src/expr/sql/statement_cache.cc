// Per-thread SQLite connection and prepared statements (see statement_cache.h).
#include "expr/sql/statement_cache.h"

#include <sqlite3.h>

#include <unordered_map>

#include "expr/error.h"

namespace wb::expr::sql {
namespace {

class ThreadState {
 public:
  ~ThreadState() {
    clear();
    if (db_ != nullptr) sqlite3_close(db_);
  }

  sqlite3* connection(const std::string& text) {
    if (db_ == nullptr) {
      int rc = sqlite3_open_v2(":memory:", &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                     SQLITE_OPEN_NOMUTEX, nullptr);
      if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw ExpressionError("sql", "cannot open SQLite: " + message, text, std::nullopt);
      }
    }
    return db_;
  }

  sqlite3_stmt* statement(std::uint64_t id, const std::string& sql, const std::string& text) {
    auto it = statements_.find(id);
    if (it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxStatementsPerThread) clear();
    sqlite3* db = connection(text);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db);
      sqlite3_finalize(stmt);
      throw ExpressionError("sql", message, text, std::nullopt);
    }
    statements_.emplace(id, stmt);
    return stmt;
  }

 private:
  void clear() {
    for (auto& [id, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::uint64_t, sqlite3_stmt*> statements_;
};

ThreadState& state() {
  thread_local ThreadState s;
  return s;
}

}  // namespace

sqlite3* thread_connection() { return state().connection(""); }

sqlite3_stmt* thread_statement(std::uint64_t id, const std::string& sql, const std::string& text) {
  return state().statement(id, sql, text);
}

}  // namespace wb::expr::sql

// SQL expressions: compile (rewrite + validate), evaluate (bind, step, convert, reset).
#include "expr/sql/expression.h"

#include <sqlite3.h>

#include <atomic>
#include <cctype>
#include <limits>

#include "expr/sql/rewrite.h"
#include "expr/sql/statement_cache.h"

namespace wb::expr::sql {

struct Program {
  std::uint64_t id = 0;  // key of the per-thread prepared statement
  std::string text;
  std::string statement;
  std::vector<std::string> fields;
};

namespace {

using json = nlohmann::json;

constexpr std::string_view kSelect = "SELECT ";

std::uint64_t next_program_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

const json* find_field(const json& doc, std::string_view path) {
  const json* current = &doc;
  while (true) {
    if (current->is_object()) {
      auto whole = current->find(path);
      if (whole != current->end()) return &*whole;
    }
    std::size_t dot = path.find('.');
    if (dot == std::string_view::npos) {
      if (current->is_array()) break;
      return nullptr;
    }
    std::string_view head = path.substr(0, dot);
    if (current->is_object()) {
      auto it = current->find(head);
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array()) {
      std::size_t index = 0;
      if (head.empty() || head.find_first_not_of("0123456789") != std::string_view::npos) return nullptr;
      for (char c : head) index = index * 10 + static_cast<std::size_t>(c - '0');
      if (index >= current->size()) return nullptr;
      current = &(*current)[index];
    } else {
      return nullptr;
    }
    path = path.substr(dot + 1);
  }
  // Last segment on an array: an index.
  if (path.empty() || path.find_first_not_of("0123456789") != std::string_view::npos) return nullptr;
  std::size_t index = 0;
  for (char c : path) index = index * 10 + static_cast<std::size_t>(c - '0');
  return index < current->size() ? &(*current)[index] : nullptr;
}

namespace {

// Binds the record's fields, steps once, resets when done (also on exceptions).
class Run {
 public:
  template <typename Lookup>
  Run(sqlite3_stmt* stmt, const Program& program, const Lookup& lookup) : stmt_(stmt) {
    for (std::size_t i = 0; i < program.fields.size(); ++i) {
      bind(static_cast<int>(i + 1), lookup(program.fields[i]));
    }
    int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW) {
      // The destructor does not run for a constructor that throws: reset here.
      std::string message = sqlite3_errmsg(sqlite3_db_handle(stmt_));
      sqlite3_reset(stmt_);
      throw ExpressionError("sql", message, program.text, std::nullopt);
    }
  }
  ~Run() { sqlite3_reset(stmt_); }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  json result() const {
    switch (sqlite3_column_type(stmt_, 0)) {
      case SQLITE_INTEGER: return json(static_cast<std::int64_t>(sqlite3_column_int64(stmt_, 0)));
      case SQLITE_FLOAT: return json(sqlite3_column_double(stmt_, 0));
      case SQLITE_NULL: return json();
      default: {
        const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, 0));
        int n = sqlite3_column_bytes(stmt_, 0);
        return json(std::string(text ? text : "", static_cast<std::size_t>(n)));
      }
    }
  }

  bool truth() const {
    switch (sqlite3_column_type(stmt_, 0)) {
      case SQLITE_NULL: return false;
      case SQLITE_INTEGER: return sqlite3_column_int64(stmt_, 0) != 0;
      default: return sqlite3_column_double(stmt_, 0) != 0.0;  // SQLite's numeric conversion
    }
  }

 private:
  void bind(int index, const json* v) {
    if (v == nullptr) {
      sqlite3_bind_null(stmt_, index);
      return;
    }
    switch (v->type()) {
      case json::value_t::null: sqlite3_bind_null(stmt_, index); break;
      case json::value_t::boolean: sqlite3_bind_int(stmt_, index, v->get<bool>() ? 1 : 0); break;
      case json::value_t::number_integer: sqlite3_bind_int64(stmt_, index, v->get<std::int64_t>()); break;
      case json::value_t::number_unsigned: {
        std::uint64_t u = v->get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<sqlite3_int64>::max())) {
          sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(u));
        } else {
          sqlite3_bind_double(stmt_, index, static_cast<double>(u));
        }
        break;
      }
      case json::value_t::number_float: sqlite3_bind_double(stmt_, index, v->get<double>()); break;
      case json::value_t::string: {
        // The record outlives the step; the statement is reset before evaluate() returns.
        const std::string& s = v->get_ref<const std::string&>();
        sqlite3_bind_text(stmt_, index, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
        break;
      }
      default: {
        std::string text = v->dump();
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
      }
    }
  }

  sqlite3_stmt* stmt_;
};

}  // namespace

const std::string& Expression::text() const { return program_->text; }
const std::vector<std::string>& Expression::fields() const { return program_->fields; }
const std::string& Expression::statement() const { return program_->statement; }

nlohmann::json Expression::evaluate(const nlohmann::json& record) const {
  auto lookup = [&record](std::string_view field) { return find_field(record, field); };
  Run run(thread_statement(program_->id, program_->statement, program_->text), *program_, lookup);
  return run.result();
}

bool Expression::is_true(const nlohmann::json& record) const {
  auto lookup = [&record](std::string_view field) { return find_field(record, field); };
  Run run(thread_statement(program_->id, program_->statement, program_->text), *program_, lookup);
  return run.truth();
}

nlohmann::json Expression::evaluate(const FieldLookup& lookup) const {
  Run run(thread_statement(program_->id, program_->statement, program_->text), *program_, lookup);
  return run.result();
}

bool Expression::is_true(const FieldLookup& lookup) const {
  Run run(thread_statement(program_->id, program_->statement, program_->text), *program_, lookup);
  return run.truth();
}

Expression compile(std::string_view text) {
  std::string original(text);
  if (is_blank(text)) throw ExpressionError("sql", "empty expression", original, 0);
  Rewritten rewritten = rewrite(text);
  auto program = std::make_shared<Program>();
  program->id = next_program_id();
  program->text = original;
  program->statement = std::string(kSelect) + rewritten.sql;
  program->fields = std::move(rewritten.fields);

  // The column of a byte of the statement, in the user's text.
  auto column_at = [&](std::size_t statement_offset) -> std::size_t {
    if (statement_offset < kSelect.size()) return 0;
    std::size_t i = statement_offset - kSelect.size();
    std::size_t byte = i < rewritten.origin.size() ? rewritten.origin[i] : original.size();
    return column_of_byte(original, byte);
  };

  sqlite3* db = thread_connection();
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, program->statement.c_str(),
                              static_cast<int>(program->statement.size()), &stmt, &tail);
  if (rc != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    int offset = sqlite3_error_offset(db);
    sqlite3_finalize(stmt);
    std::optional<std::size_t> column;
    if (offset >= 0) {
      column = column_at(static_cast<std::size_t>(offset));
    } else if (message.find("incomplete input") != std::string::npos) {
      column = column_of_byte(original, original.size());  // it ends too early: point at the end
    }
    throw ExpressionError("sql", message, original, column);
  }
  std::size_t consumed = static_cast<std::size_t>(tail - program->statement.c_str());
  int columns = stmt ? sqlite3_column_count(stmt) : 0;
  sqlite3_finalize(stmt);
  if (!is_blank(std::string_view(program->statement).substr(consumed))) {
    throw ExpressionError("sql", "only one expression is allowed", original, column_at(consumed));
  }
  if (columns != 1) {
    throw ExpressionError("sql", "expected a single expression, got " + std::to_string(columns) +
                                     " comma-separated values",
                          original, std::nullopt);
  }
  return Expression(std::move(program));
}

}  // namespace wb::expr::sql

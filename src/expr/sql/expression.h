// A compiled SQL expression (`language: sql` in a job): an SQLite expression over a record's
// fields, evaluated by the embedded SQLite.
//
//   auto e = wb::expr::sql::compile("country_code || ' - ' || UPPER(country_name)");
//   nlohmann::json v = e.evaluate(record);   // "FR - FRANCE"
//
// compile() finds the fields the expression names (see rewrite.h), turns them into parameters and
// prepares `SELECT <expression>` once to validate it. Each thread that evaluates keeps its own
// in-memory SQLite connection and one prepared statement per expression (thread_local), so
// evaluate() is const and thread-safe; per record it only binds, steps and resets.
//
// Binding: a field is looked up in the record by its name, a dotted name reaching into nested
// objects (a member named by the whole remaining path wins, like everywhere else in writebehind).
// Integers bind as INTEGER, other numbers as REAL, strings as TEXT, booleans as 0/1, objects and
// arrays as their JSON text, null and missing fields as NULL. The result converts back: INTEGER
// and REAL to numbers, TEXT (and BLOB) to strings, NULL to null.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/error.h"

namespace wb::expr::sql {

struct Program;

// Where a field's value comes from: a pointer into the record (nullptr: missing, bound as NULL).
// Lets a caller apply its own path rules (e.g. RDI's "after." prefix on data_only records).
using FieldLookup = std::function<const nlohmann::json*(std::string_view field)>;

// The default rule: the member named by the whole remaining path wins over splitting at a dot;
// numeric segments index arrays. nullptr when missing.
const nlohmann::json* find_field(const nlohmann::json& record, std::string_view path);

class Expression {
 public:
  const std::string& text() const;
  // The record fields the expression reads, in parameter order.
  const std::vector<std::string>& fields() const;
  // The statement SQLite runs: "SELECT <expression with ?N>".
  const std::string& statement() const;

  // Throws ExpressionError (kind "sql") when SQLite fails at run time (e.g. a malformed JSON
  // argument to json_extract).
  nlohmann::json evaluate(const nlohmann::json& record) const;

  // SQLite's truth: NULL is false, numbers are true when non-zero, text by its numeric prefix
  // ('1abc' true, 'abc' false), as in a WHERE clause.
  bool is_true(const nlohmann::json& record) const;

  // The same with the fields resolved by `lookup` (called once per field, in fields() order).
  nlohmann::json evaluate(const FieldLookup& lookup) const;
  bool is_true(const FieldLookup& lookup) const;

 private:
  friend Expression compile(std::string_view text);
  explicit Expression(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

// Throws ExpressionError (kind "sql") with SQLite's message and, when SQLite knows it, the column.
Expression compile(std::string_view text);

}  // namespace wb::expr::sql

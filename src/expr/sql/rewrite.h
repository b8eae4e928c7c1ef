// SQL expression rewriting: the record fields an expression names become bound parameters.
//
//   country_code || ' - ' || UPPER(`after.country_name`)
//   -> ?1 || ' - ' || UPPER(?2)          fields: ["country_code", "after.country_name"]
//
// A field is a bare identifier that is neither an SQL keyword nor a function name (followed by
// '('), a "double-quoted", `backticked` or [bracketed] name, or bare identifiers joined by dots
// (a.b, same as `a.b`). String literals, numbers, blobs, comments, keywords, function names, the
// type in CAST(x AS type) and the collation after COLLATE stay as written. Values are never
// spliced into the SQL text; the same field named twice binds one parameter.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wb::expr::sql {

struct Rewritten {
  std::string sql;                   // the expression with ?N in place of fields
  std::vector<std::string> fields;   // fields[i] is bound to ?(i+1)
  std::vector<std::size_t> origin;   // origin[i]: byte of the original text that sql[i] came from
};

// Throws ExpressionError (kind "sql") on an unterminated quote or a parameter written by the user
// (?, :name, @name, $name).
Rewritten rewrite(std::string_view text);

}  // namespace wb::expr::sql

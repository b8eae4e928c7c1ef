// Small helpers for JMESPath tests: search with a document given as JSON text, and the error kind
// an expression raises.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "expr/jmespath/expression.h"

namespace wbtest {

inline nlohmann::json search(const std::string& expression, const std::string& document = "{}") {
  return wb::expr::jmespath::compile(expression).search(nlohmann::json::parse(document));
}

// "" when there is no error; else the kind ("syntax", "invalid-type", ...).
inline std::string error_kind(const std::string& expression, const std::string& document = "{}") {
  try {
    wb::expr::jmespath::compile(expression).search(nlohmann::json::parse(document));
    return "";
  } catch (const wb::expr::jmespath::Error& e) {
    return wb::expr::jmespath::to_string(e.error_kind());
  }
}

}  // namespace wbtest

// The seam through which expression languages check syntax at load time, so that validate and
// deploy report a bad expression at file:line:col with a caret under the culprit — without the
// loader knowing anything about JMESPath or SQL. src/expr registers one checker per language
// (e.g. from the CLI's main) into default_expression_checkers(); a language without a checker is
// only checked for presence.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "config/pipeline.h"

namespace wb::config {

struct ExpressionProblem {
  size_t offset = 0;    // of the offending character in Expression::text
  std::string message;  // e.g. "unknown function 'concatt'"
};

// Returns nullopt when the expression is fine. Must not throw (an exception is reported as a
// problem at offset 0).
using ExpressionChecker = std::function<std::optional<ExpressionProblem>(const Expression&)>;

class ExpressionCheckers {
 public:
  void set(Language language, ExpressionChecker checker) { checkers_[language] = std::move(checker); }
  void clear() { checkers_.clear(); }
  const ExpressionChecker* find(Language language) const {
    auto it = checkers_.find(language);
    return it == checkers_.end() ? nullptr : &it->second;
  }

 private:
  std::map<Language, ExpressionChecker> checkers_;
};

// The process-wide registry the loader uses by default (LoadOptions::checkers).
ExpressionCheckers& default_expression_checkers();

}  // namespace wb::config

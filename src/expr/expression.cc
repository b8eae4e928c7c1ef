// The language-neutral expression interface.
#include "expr/expression.h"

#include <cctype>

namespace wb::expr {

std::optional<Language> language_from_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "jmespath") return Language::Jmespath;
  if (lower == "sql") return Language::Sql;
  return std::nullopt;
}

const char* to_string(Language language) {
  return language == Language::Jmespath ? "jmespath" : "sql";
}

Language Compiled::language() const {
  return std::holds_alternative<jmespath::Expression>(impl_) ? Language::Jmespath : Language::Sql;
}

const std::string& Compiled::text() const {
  return std::visit([](const auto& e) -> const std::string& { return e.text(); }, impl_);
}

nlohmann::json Compiled::evaluate(const nlohmann::json& record) const {
  if (const auto* j = std::get_if<jmespath::Expression>(&impl_)) return j->search(record);
  return std::get<sql::Expression>(impl_).evaluate(record);
}

bool Compiled::is_true(const nlohmann::json& record) const {
  if (const auto* j = std::get_if<jmespath::Expression>(&impl_)) return j->is_true(record);
  return std::get<sql::Expression>(impl_).is_true(record);
}

Compiled compile(Language language, std::string_view text) {
  if (language == Language::Jmespath) return Compiled(jmespath::compile(text));
  return Compiled(sql::compile(text));
}

}  // namespace wb::expr

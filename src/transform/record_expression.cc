// Expressions on change records with the row-format rules (see record_expression.h).
#include "transform/record_expression.h"

#include <cctype>

#include "source/record_path.h"

namespace wb::transform {
namespace {

using nlohmann::json;

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether text holds `word` as a whole word, followed by one of `next` when given (a cheap,
// conservative test: a word inside a string literal counts too, which only costs a copy).
bool names_word(std::string_view text, std::string_view word, std::string_view next = {}) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    size_t end = at + word.size();
    bool starts = at == 0 || !is_word_char(text[at - 1]);
    bool ends = end == text.size() || !is_word_char(text[end]);
    if (starts && ends && (next.empty() || (end < text.size() && next.find(text[end]) != std::string_view::npos))) return true;
  }
  return false;
}

std::string_view key_of(const ChangeRecord& rec) {
  return rec.redis_key.empty() ? std::string_view(rec.entry_id) : std::string_view(rec.redis_key);
}

}  // namespace

RecordExpression::RecordExpression(expr::Language language, std::string_view text)
    : compiled_(expr::compile(language, text)) {
  if (language == expr::Language::Jmespath) {
    names_after_ = names_word(text, "after");
    // `key.key`, `values(key)`: not every `key` (filter_entries predicates say `key == ...`).
    names_key_ = names_word(text, "key", ".)");
  }
}

template <typename Result, typename Jmes, typename Sql>
Result RecordExpression::run(const json& record, RowFormat format, std::string_view redis_key, Jmes jmes,
                             Sql sql) const {
  if (const auto* j = compiled_.as_jmespath()) {
    if (format == RowFormat::DataOnly && record.is_object()) {
      bool add_after = names_after_ && !record.contains("after");
      bool add_key = names_key_ && !record.contains("key");
      if (add_after || add_key) {
        json view = record;
        if (add_after) view["after"] = record;
        if (add_key) view["key"] = json{{"key", redis_key.empty() ? json() : json(std::string(redis_key))}};
        return jmes(*j, view);
      }
    }
    return jmes(*j, record);
  }
  const expr::sql::Expression& s = *compiled_.as_sql();
  if (format == RowFormat::Full) return sql(s, [&record](std::string_view field) { return find_path(record, field); });
  // One pointer captured, so that the FieldLookup (a std::function) needs no allocation.
  struct Context {
    const json& record;
    RowFormat format;
    std::string_view redis_key;
    json key_value;  // the Redis key, made a JSON string only if the expression reads it
  } ctx{record, format, redis_key, json()};
  return sql(s, [c = &ctx](std::string_view field) -> const json* {
    if (names_redis_key(c->record, c->format, field)) {
      if (c->redis_key.empty()) return nullptr;
      if (c->key_value.is_null()) c->key_value = std::string(c->redis_key);
      return &c->key_value;
    }
    return find_path(c->record, effective_path(c->record, c->format, field));
  });
}

json RecordExpression::evaluate(const ChangeRecord& rec) const {
  return run<json>(
      rec.record(), rec.format, key_of(rec), [](const expr::jmespath::Expression& e, const json& r) { return e.search(r); },
      [](const expr::sql::Expression& e, const expr::sql::FieldLookup& lookup) { return e.evaluate(lookup); });
}

bool RecordExpression::is_true(const ChangeRecord& rec) const {
  return run<bool>(
      rec.record(), rec.format, key_of(rec), [](const expr::jmespath::Expression& e, const json& r) { return e.is_true(r); },
      [](const expr::sql::Expression& e, const expr::sql::FieldLookup& lookup) { return e.is_true(lookup); });
}

json RecordExpression::evaluate(const json& record, RowFormat format) const {
  return run<json>(
      record, format, {}, [](const expr::jmespath::Expression& e, const json& r) { return e.search(r); },
      [](const expr::sql::Expression& e, const expr::sql::FieldLookup& lookup) { return e.evaluate(lookup); });
}

}  // namespace wb::transform

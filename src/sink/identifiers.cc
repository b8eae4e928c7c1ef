// Identifier quoting; see identifiers.h.
#include "sink/identifiers.h"

#include "sink/sink_error.h"

namespace wb::sink {

namespace {

std::string quote_with(std::string_view name, size_t max_bytes, char quote) {
  if (name.empty()) throw SinkError(ErrorKind::Schema, "empty table or column name");
  if (name.size() > max_bytes)
    throw SinkError(ErrorKind::Schema, "name too long for the target: " + std::string(name));
  if (name.find('\0') != std::string_view::npos)
    throw SinkError(ErrorKind::Schema, "name contains a NUL byte");
  std::string out;
  out.reserve(name.size() + 2);
  out += quote;
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string quote_double(std::string_view name, size_t max_bytes) { return quote_with(name, max_bytes, '"'); }
std::string quote_backtick(std::string_view name, size_t max_bytes) { return quote_with(name, max_bytes, '`'); }

}  // namespace wb::sink

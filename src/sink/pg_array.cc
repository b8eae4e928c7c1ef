// PostgreSQL binary text[] encoding; see pg_array.h.
#include "sink/pg_array.h"

#include <cstdint>
#include <cstring>

namespace wb::sink {

namespace {

constexpr uint32_t kTextOid = 25;
constexpr uint32_t kNullLength = 0xffffffffu;  // -1

void put_u32(std::string& out, uint32_t v) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                         static_cast<char>(v)};
  out.append(bytes, 4);
}

}  // namespace

void append_pg_text_array(std::string& out, const std::vector<const std::vector<Row>*>& lists, size_t column) {
  size_t count = 0, bytes = 0;
  bool nulls = false;
  for (const auto* rows : lists)
    for (const Row& r : *rows) {
      ++count;
      if (!r[column]) {
        nulls = true;
        continue;
      }
      const std::string& v = *r[column];
      if (std::memchr(v.data(), '\0', v.size()))
        throw SinkError(ErrorKind::Data, "postgresql: a value contains a NUL byte, which text cannot store");
      bytes += v.size();
    }
  out.reserve(out.size() + 20 + 4 * count + bytes);
  put_u32(out, 1);               // one dimension
  put_u32(out, nulls ? 1 : 0);   // whether any element is NULL
  put_u32(out, kTextOid);        // element type
  put_u32(out, static_cast<uint32_t>(count));
  put_u32(out, 1);               // lower bound
  for (const auto* rows : lists)
    for (const Row& r : *rows) {
      if (!r[column]) {
        put_u32(out, kNullLength);
        continue;
      }
      put_u32(out, static_cast<uint32_t>(r[column]->size()));
      out += *r[column];
    }
}

}  // namespace wb::sink

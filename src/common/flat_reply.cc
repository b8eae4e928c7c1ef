// FlatReply (see flat_reply.h): a resumable RESP2 parser that indexes a reply in place.
#include "common/flat_reply.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "common/redis_connection.h"

namespace wb {
namespace {

// A RESP integer or length: optional '-', then digits, nothing else.
bool parse_number(const char* begin, const char* end, long long& out) {
  auto [stop, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && stop == end && begin != end;
}

}  // namespace

long long FlatReply::integer(Index i) const {
  const Node& n = nodes_[i];
  if (n.type == Type::Integer) return static_cast<long long>(n.a);
  long long v = 0;
  if (n.type == Type::String && parse_number(buf_.get() + n.a, buf_.get() + n.a + n.b, v)) return v;
  throw RedisReplyError("expected an integer reply from Redis");
}

FlatReply::Index FlatReply::child(Index i, size_t k) const {
  if (i >= nodes_.size() || !is_array(i) || k >= elements(i)) {
    throw RedisReplyError("unexpected reply shape from Redis");
  }
  Index c = i + 1;
  for (size_t j = 0; j < k; ++j) c = next(c);
  return c;
}

FlatReply::Space FlatReply::space(size_t at_least) {
  size_t want = std::max(at_least, wanted_);
  if (cap_ - len_ < want) {
    size_t cap = std::max(cap_ * 2, len_ + want);
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (len_ > 0) std::memcpy(bigger.get(), buf_.get(), len_);
    buf_ = std::move(bigger);
    cap_ = cap;
  }
  return Space{buf_.get() + len_, cap_ - len_};
}

FlatReply::Progress FlatReply::feed(std::string_view bytes) {
  Space s = space(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data, bytes.data(), bytes.size());
  received(bytes.size());
  return parse();
}

FlatReply::Progress FlatReply::parse() {
  const char* const buf = buf_.get();
  const char* const end = buf + len_;
  wanted_ = 0;
  while (!complete_) {
    // Every element starts with a type byte and a line: "+OK\r\n", "$5\r\nhello\r\n", "*2\r\n"...
    const char* p = buf + pos_;
    if (p == end) return Progress::Incomplete;
    const char kind = *p++;
    Node node{Type::Nil, 0, 0};
    if (kind == '+' || kind == '-') {
      const char* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<size_t>(end - p)));
      if (cr == nullptr || cr + 1 == end) return Progress::Incomplete;
      if (cr[1] != '\n') return Progress::Malformed;
      node = Node{kind == '+' ? Type::Status : Type::Error, static_cast<uint64_t>(p - buf),
                  static_cast<uint64_t>(cr - p)};
      p = cr + 2;
    } else {
      // ':', '$' and '*' lines hold a number.
      bool negative = p < end && *p == '-';
      if (negative) ++p;
      const char* digits = p;
      uint64_t value = 0;
      while (p < end && static_cast<unsigned char>(*p - '0') < 10) {
        value = value * 10 + static_cast<uint64_t>(*p - '0');
        ++p;
      }
      if (p + 1 >= end) return Progress::Incomplete;  // the line's "\r\n" has not arrived
      if (p == digits || p - digits > kMaxNumberDigits || p[0] != '\r' || p[1] != '\n') return Progress::Malformed;
      p += 2;
      if (kind == ':') {
        if (value > static_cast<uint64_t>(std::numeric_limits<long long>::max()) + (negative ? 1 : 0)) {
          return Progress::Malformed;
        }
        node = Node{Type::Integer, negative ? uint64_t{0} - value : value, 0};
      } else if (kind == '$' || kind == '*') {
        if (negative) {
          if (value != 1) return Progress::Malformed;  // only -1: nil
        } else if (kind == '$') {
          if (value > kMaxBulkLength) return Progress::Malformed;
          size_t at = static_cast<size_t>(p - buf);
          size_t stop = at + value + 2;  // past the payload's "\r\n"
          if (stop > len_) {
            wanted_ = stop - len_;
            return Progress::Incomplete;
          }
          if (buf[stop - 2] != '\r' || buf[stop - 1] != '\n') return Progress::Malformed;
          node = Node{Type::String, at, value};
          p = buf + stop;
        } else {
          node = Node{Type::Array, value, 0};
        }
      } else {
        return Progress::Malformed;
      }
    }
    pos_ = static_cast<size_t>(p - buf);
    nodes_.push_back(node);
    if (node.type == Type::Array) {
      if (node.a > 0) {
        open_.push_back(OpenArray{nodes_.size() - 1, node.a});
        continue;
      }
      nodes_.back().b = nodes_.size();
    }
    // A complete element may complete its array, which may complete the array holding it, ...
    while (true) {
      if (open_.empty()) {
        complete_ = true;  // the reply itself
        break;
      }
      OpenArray& top = open_.back();
      if (--top.missing > 0) break;
      nodes_[top.node].b = nodes_.size();
      open_.pop_back();
    }
  }
  return Progress::Complete;
}

void FlatReply::clear() {
  if (cap_ > kMaxRetainedBytes) {
    buf_.reset();
    cap_ = 0;
  }
  len_ = 0;
  pos_ = 0;
  wanted_ = 0;
  complete_ = false;
  if (nodes_.capacity() > kMaxRetainedNodes) {
    std::vector<Node>().swap(nodes_);
  } else {
    nodes_.clear();
  }
  open_.clear();
}

}  // namespace wb

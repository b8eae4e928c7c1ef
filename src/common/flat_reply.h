// FlatReply: one Redis (RESP2) reply held flat — its raw bytes as received, in one buffer, and an
// index of its elements (string, array, integer, nil, status, error): one fixed-size node each, in
// pre-order (an array's node comes before its elements, which follow it in order). A string's node
// points at its bytes inside the received reply: nothing is copied.
//
// Why: hiredis's reader builds a redisReply tree — a calloc per element and a malloc per string —
// and freeing it walks the tree again. A 2,000-entry XREADGROUP reply is ~46,000 elements; building
// and freeing that tree was most of the applier's read thread. A FlatReply costs no allocation per
// element, and none at all once its buffers have grown to the size of the replies read (the
// connection reuses one from call to call). See RedisConnection::command_flat().
//
// Reading: node 0 is the reply itself. An array's first element is the node right after it; the
// element after an element e is next(e) (O(1): each array node records where its elements end).
//
// Receiving: bytes are received into space() and committed with received(); parse() indexes every
// element they complete and says whether the reply is complete. It resumes where it stopped, so a
// reply arriving in many pieces is scanned once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace wb {

class FlatReply {
 public:
  enum class Type : uint8_t { String, Array, Integer, Nil, Status, Error };
  enum class Progress { Incomplete, Complete, Malformed };
  using Index = size_t;
  static constexpr Index kRoot = 0;

  // Buffers grown past these sizes by one large reply are released by clear() rather than kept for
  // the next reply (a long-lived connection would otherwise hold its largest reply's size forever).
  static constexpr size_t kMaxRetainedBytes = size_t{8} << 20;
  static constexpr size_t kMaxRetainedNodes = size_t{1} << 18;
  // A bulk string longer than this is taken for a corrupt stream (Redis's own limit,
  // proto-max-bulk-len, defaults to 512 MB).
  static constexpr uint64_t kMaxBulkLength = uint64_t{1} << 32;
  // Digits in a length or integer line (a long long has at most 19).
  static constexpr long kMaxNumberDigits = 19;

  FlatReply() = default;
  FlatReply(const FlatReply&) = delete;
  FlatReply& operator=(const FlatReply&) = delete;

  // True once parse() has seen the whole reply; the accessors below are for complete replies.
  bool complete() const { return complete_; }
  size_t node_count() const { return nodes_.size(); }

  Type type(Index i) const { return nodes_[i].type; }
  bool is_nil(Index i) const { return nodes_[i].type == Type::Nil; }
  bool is_array(Index i) const { return nodes_[i].type == Type::Array; }
  bool is_error(Index i) const { return nodes_[i].type == Type::Error; }
  // String, status or error text (binary safe); "" for other types.
  std::string_view text(Index i) const {
    const Node& n = nodes_[i];
    if (n.type != Type::String && n.type != Type::Status && n.type != Type::Error) return {};
    return std::string_view(buf_.get() + n.a, n.b);
  }
  // An integer, or a string holding one; throws RedisReplyError otherwise (as reply_integer()).
  long long integer(Index i) const;
  // Number of elements of an array; 0 for other types.
  size_t elements(Index i) const { return nodes_[i].type == Type::Array ? nodes_[i].a : 0; }
  // The node after i and everything inside it: i's next sibling when i is an array element.
  Index next(Index i) const { return nodes_[i].type == Type::Array ? nodes_[i].b : i + 1; }
  // The k-th element of an array (O(k)); throws RedisReplyError when i is no array or k is out of
  // range (as reply_at()).
  Index child(Index i, size_t k) const;

  // Receiving. space() returns room for at least `at_least` more bytes (more when the element being
  // received is known to need more); received(n) commits n bytes written there.
  struct Space {
    char* data;
    size_t size;
  };
  Space space(size_t at_least);
  void received(size_t n) { len_ += n; }
  // Indexes the elements completed by the bytes received so far.
  Progress parse();
  // Bytes received after the end of the complete reply (the start of a later reply).
  std::string_view unparsed() const { return std::string_view(buf_.get() + pos_, len_ - pos_); }
  // Forgets the reply; keeps the buffers for the next one unless they outgrew the limits above.
  void clear();
  // Receives a whole buffer at once (tests, and replies already read by someone else).
  Progress feed(std::string_view bytes);

 private:
  struct Node {
    Type type;
    // String/Status/Error: a = offset of the text in buf_, b = its length.
    // Array: a = number of elements, b = index of the node after its last element (set when complete).
    // Integer: a = the value (as uint64_t).
    uint64_t a;
    uint64_t b;
  };

  struct OpenArray {
    Index node;
    uint64_t missing;  // elements not complete yet
  };

  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t len_ = 0;     // bytes received
  size_t pos_ = 0;     // bytes parsed: the next element starts here
  size_t wanted_ = 0;  // bytes past len_ that the element at pos_ needs (0: unknown)
  bool complete_ = false;
  std::vector<Node> nodes_;
  std::vector<OpenArray> open_;  // arrays being received, innermost last
};

}  // namespace wb

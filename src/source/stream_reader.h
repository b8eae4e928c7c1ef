// Reads one job's stream through the consumer group `writebehind` and acknowledges applied batches.
//
// Read order (at start and after every reconnect):
//   1. recovery: the group's oldest pending entries that are this consumer's own or a dead
//      consumer's, in stream id order whoever holds them — a batch that was read but never
//      acknowledged before a crash or a lost connection is read again, and entries a successor
//      claimed and then left behind come before the restarted consumer's newer ones. Own entries
//      are read with XREADGROUP <id> (deleted ones come back without fields, to be acknowledged),
//      dead consumers' entries are claimed (XCLAIM). A consumer is dead at once when its connection
//      is gone (every reader names its connections "writebehind:<consumer>"), otherwise when the
//      entry has been idle longer than claim_min_idle (a hung process, a vanished host). Live
//      consumers' entries (other appliers' batches in flight) are left alone. Repeated every
//      claim_min_idle while running. Consumers that are gone and left nothing pending are deleted
//      from the group;
//   2. new entries (XREADGROUP ... >) with COUNT batch_size and BLOCK block.
//
// ack() commits one applied batch in a single MULTI/EXEC: XACK, the batch's counters, key-tracking
// changes and dead letters, then (captured streams only) trims the stream to the oldest entry still
// pending in the group, or past the batch when nothing is pending (XTRIM MINID, via a short script
// so that it is part of the same transaction and costs no extra round trip). An application's own
// stream (stream-source jobs) is never trimmed.
//
// Two connections, so that reading the next batch can overlap applying the current one: the read
// connection (read_batch(), which BLOCKs) and the control connection (ack(), touch(), and whatever
// the applier reads between batches: control()). read_batch() may run on one thread while ack(),
// touch() and control() run on another; connect() and disconnect() only while neither runs. Both
// connections carry the consumer's name, so other readers see the consumer alive.
// Every Redis failure throws (RedisConnectionError / RedisReplyError); the caller reconnects with
// backoff via connect(), which restarts the read order at step 1, so nothing is lost.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "source/ack_batch.h"
#include "common/redis_connection.h"
#include "common/redis_endpoint.h"
#include "source/stream_entry.h"

namespace wb {

inline constexpr const char* kConsumerGroup = "writebehind";
inline constexpr std::string_view kClientNamePrefix = "writebehind:";  // + consumer name

struct StreamReaderOptions {
  static constexpr size_t kDefaultBatchSize = 2000;
  static constexpr std::chrono::milliseconds kDefaultBlock{100};
  static constexpr std::chrono::milliseconds kDefaultClaimMinIdle{30000};
  static constexpr size_t kDefaultDlqMaxMessages = 1000;

  RedisEndpoint endpoint;
  // The stream to read. For a captured job leave it empty and set captured_job: the stream key is
  // then asked from the module (WB.STREAM <job>) at every connect — tools never build the name.
  std::string stream;
  std::string captured_job;
  std::string group = kConsumerGroup;
  std::string consumer;                // the instance id
  std::string group_start_id = "0";    // where a newly created group starts
  bool trim = true;                    // false for an application's own stream
  size_t batch_size = kDefaultBatchSize;
  std::chrono::milliseconds block = kDefaultBlock;
  std::chrono::milliseconds claim_min_idle = kDefaultClaimMinIdle;
  std::string stats_key;               // wb:stats:<job>; empty: no counters
  std::string dlq_key;                 // wb:dlq:<job>
  size_t dlq_max_messages = kDefaultDlqMaxMessages;  // 0: no cap
};

// Where a batch came from. Only kNew batches are contiguous ranges of the stream delivered to this
// consumer alone: the applier overlaps reading with applying only for those (see job_worker.h).
enum class ReadOrigin { OwnPending, Claimed, New };

struct ReadBatch {
  std::vector<StreamEntry> entries;  // in stream id order
  ReadOrigin origin = ReadOrigin::New;
  std::string owner;  // the consumer whose pending entries these were (this one, or a dead one)
};

class StreamReader {
 public:
  explicit StreamReader(StreamReaderOptions options);
  ~StreamReader();

  // (Re)connects: new connection, resolves the stream key, creates the group if missing
  // (XGROUP CREATE ... MKSTREAM), and restarts the read order at the own pending entries.
  void connect();
  bool connected() const { return conn_ != nullptr; }
  void disconnect() {
    conn_.reset();
    control_.reset();
    read_requested_ = false;
  }

  // The next batch (at most batch_size entries, in the order above); empty when BLOCK timed out.
  // new_only: read new entries even when a claim sweep is due (see new_entries_next()).
  ReadBatch read_batch(bool new_only = false);
  // True when the next read_batch() reads new entries: recovery is over and no claim sweep is due.
  bool new_entries_next() const { return phase_ == Phase::New && std::chrono::steady_clock::now() < next_claim_; }
  // Sends the next new read (XREADGROUP ... >) now, when new_entries_next(), so that Redis serves it
  // while the caller decodes the batch it has; the next read_batch() takes its reply. Read thread
  // only. Should the next read_batch() go to recovery instead (a claim sweep), the reply is read
  // and dropped there: its entries are this consumer's pending entries, which recovery reads first,
  // in stream order.
  void request_new();
  std::vector<StreamEntry> read() { return read_batch().entries; }

  // Commits an applied batch (see the file comment). Throws on any Redis failure; the batch is then
  // not acknowledged (or it was, and re-applying it is harmless).
  void ack(const AckBatch& batch);

  // Resets the idle time of entries this consumer is still working on (retrying a batch during an
  // outage) so that other instances do not claim them as abandoned.
  void touch(const std::vector<std::string>& entry_ids);
  // The same for every entry pending for this consumer (the batch being retried and any batch read
  // ahead of it), up to kMaxTouched entries.
  void touch_pending();
  static constexpr size_t kMaxTouched = 100000;

  const std::string& stream() const { return stream_; }
  const StreamReaderOptions& options() const { return opts_; }
  RedisConnection& connection();  // the read connection (the thread that calls read_batch())
  RedisConnection& control();     // the control connection (the thread that acknowledges)

 private:
  enum class Phase { Recover, New };

  void ensure_group();
  std::vector<StreamEntry> read_recovery(ReadBatch& batch);
  void forget_gone_consumers(const std::set<std::string>& live);
  std::set<std::string> live_consumers();
  std::vector<StreamEntry> read_new();
  void send_read_new();
  void start_over();

  StreamReaderOptions opts_;
  std::unique_ptr<RedisConnection> conn_;
  std::unique_ptr<RedisConnection> control_;
  std::string stream_;
  Phase phase_ = Phase::Recover;
  std::string recovery_cursor_;  // the last pending id this recovery pass returned ("" at its start)
  bool client_list_allowed_ = true;
  bool read_requested_ = false;  // request_new() sent a read whose reply is not yet received
  std::chrono::steady_clock::time_point next_claim_;
};

// The id right after `id` ("5-3" -> "5-4"), for XTRIM MINID past an acknowledged entry.
std::string next_stream_id(const std::string& id);
// The id right before `id` ("5-3" -> "5-2", "5-0" -> "4-18446744073709551615").
std::string previous_stream_id(const std::string& id);
// Stream id order ("9-0" < "10-0").
bool stream_id_less(const std::string& a, const std::string& b);

}  // namespace wb

// stream_read_bench: what reading one batch of stream entries costs the applier's read thread.
// Entries are captured hash entries (key, op, cmd, type, ts, then hash fields: `pairs` field/value
// pairs in all) in a real redis-server. Rows, in µs per entry (median and best round; thread CPU
// time is what the reading thread spends, wall time includes the server's work):
//   read_batch   StreamReader::read_batch() of `entries` new entries, as the applier reads them
//                (XREADGROUP ... > on the reader's long-lived connection), turned into StreamEntry
//                values. Between rounds, untimed: the batch is acknowledged (and the stream
//                trimmed) and the next `entries` entries are added.
//   reply_tree   RedisConnection::command() of XREADGROUP ... 0 re-reading `entries` pending
//                entries: hiredis's redisReply tree, built and freed, nothing copied.
//   flat_reply   RedisConnection::command_flat() of the same: the reply indexed in a FlatReply.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common/flat_reply.h"
#include "common/redis_connection.h"
#include "harness/redis_server.h"
#include "source/stream_reader.h"

namespace {

constexpr const char* kStream = "bench:stream";    // read_batch: new entries each round
constexpr const char* kPending = "bench:pending";  // reply_tree, flat_reply: the same pending entries
constexpr const char* kConsumer = "bench";
constexpr size_t kDefaultEntries = 2000;
constexpr size_t kDefaultPairs = 10;
constexpr size_t kDefaultRounds = 200;
constexpr size_t kAddsPerPipeline = 500;

struct Args {
  size_t entries = kDefaultEntries;
  size_t pairs = kDefaultPairs;
  size_t rounds = kDefaultRounds;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: stream_read_bench [--entries N] [--pairs N] [--rounds N]\n");
      std::exit(2);
    }
    size_t value = std::strtoull(argv[++i], nullptr, 10);
    if (flag == "--entries") a.entries = value;
    else if (flag == "--pairs") a.pairs = value;
    else if (flag == "--rounds") a.rounds = value;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (a.pairs < 5 || a.entries == 0 || a.rounds == 0) {
    std::fprintf(stderr, "need --pairs >= 5 (the capture header), --entries and --rounds > 0\n");
    std::exit(2);
  }
  return a;
}

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double wall_us() {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A captured hash entry: the module's header (5 pairs) then pairs - 5 hash fields.
std::vector<std::string> xadd_of(const char* stream, size_t i, size_t pairs) {
  static const char* kFields[] = {"name", "email", "age", "city", "score", "status", "country", "plan"};
  std::vector<std::string> cmd{"XADD", stream, "*", "key", "user:" + std::to_string(100000 + i), "op", "u",
                               "cmd", "hset", "type", "hash", "ts", std::to_string(1732230000000ULL + i)};
  for (size_t f = 0; f + 5 < pairs; ++f) {
    std::string field = f < 8 ? kFields[f] : "field" + std::to_string(f);
    std::string value;
    switch (f % 4) {
      case 0: value = "Customer Example " + std::to_string(i); break;
      case 1: value = "customer" + std::to_string(i) + "@example.com"; break;
      case 2: value = std::to_string(20 + i % 60); break;
      default: value = "Springfield"; break;
    }
    cmd.push_back(std::move(field));
    cmd.push_back(std::move(value));
  }
  return cmd;
}

void add_entries(wbtest::RedisClient& c, const char* stream, const Args& a) {
  for (size_t i = 0; i < a.entries; i += kAddsPerPipeline) {
    size_t n = std::min(kAddsPerPipeline, a.entries - i);
    for (size_t j = 0; j < n; ++j) c.append(xadd_of(stream, i + j, a.pairs));
    for (size_t j = 0; j < n; ++j) {
      if (c.read_reply().is_error()) throw std::runtime_error("XADD failed");
    }
  }
}

void fill_pending(wbtest::RedisClient& c, const Args& a) {
  add_entries(c, kPending, a);
  // Deliver everything to the consumer once: from then on each XREADGROUP ... 0 reads it again.
  c.command({"XGROUP", "CREATE", kPending, wb::kConsumerGroup, "0"});
  wbtest::Reply r = c.command({"XREADGROUP", "GROUP", wb::kConsumerGroup, kConsumer, "COUNT",
                               std::to_string(a.entries), "STREAMS", kPending, ">"});
  if (r.is_error() || r.elements.size() != 1 || r.elements[0].elements.at(1).elements.size() != a.entries) {
    throw std::runtime_error("unexpected first read: " + r.to_string().substr(0, 200));
  }
}

struct Timing {
  std::vector<double> cpu;   // µs per entry, one per round
  std::vector<double> wall;
};

// Runs `round` (which returns the entries it read) rounds + 1 times; the first is a warm-up.
Timing measure(const Args& a, const std::function<void()>& before, const std::function<size_t()>& round) {
  Timing t;
  for (size_t r = 0; r <= a.rounds; ++r) {
    before();
    double c0 = thread_cpu_us(), w0 = wall_us();
    size_t n = round();
    double c1 = thread_cpu_us(), w1 = wall_us();
    if (n != a.entries) throw std::runtime_error("a round read " + std::to_string(n) + " entries");
    if (r == 0) continue;
    t.cpu.push_back((c1 - c0) / static_cast<double>(n));
    t.wall.push_back((w1 - w0) / static_cast<double>(n));
  }
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void print_row(const char* name, const Timing& t) {
  std::printf("%-12s %10.3f %10.3f %10.3f %10.3f\n", name, median(t.cpu), best(t.cpu), median(t.wall), best(t.wall));
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  wbtest::RedisOptions ro;
  ro.load_module = false;
  wbtest::RedisServer server(ro);
  wbtest::RedisClient client = server.client();
  fill_pending(client, a);
  std::fprintf(stderr, "stream_read_bench: %zu entries x %zu pairs, %zu rounds\n", a.entries, a.pairs, a.rounds);

  wb::StreamReaderOptions opts;
  opts.endpoint = wb::RedisEndpoint::parse(server.url());
  opts.stream = kStream;
  opts.consumer = kConsumer;
  opts.batch_size = a.entries;
  opts.claim_min_idle = std::chrono::hours(1);
  wb::StreamReader reader(opts);
  reader.connect();
  if (!reader.read_batch().entries.empty()) throw std::runtime_error("the stream is not empty");
  wb::ReadBatch batch;
  Timing read_batch = measure(
      a,
      [&] {
        if (!batch.entries.empty()) {
          wb::AckBatch ack;
          for (const auto& e : batch.entries) ack.entry_ids.push_back(e.id);
          reader.ack(ack);
        }
        batch = {};
        add_entries(client, kStream, a);
      },
      [&] {
        batch = reader.read_batch(true);
        return batch.origin == wb::ReadOrigin::New ? batch.entries.size() : 0;
      });

  const std::vector<std::string> xread{"XREADGROUP", "GROUP", wb::kConsumerGroup, kConsumer, "COUNT",
                                       std::to_string(a.entries), "STREAMS", kPending, "0"};
  wb::RedisConnection conn(opts.endpoint);
  Timing tree = measure(a, [] {}, [&] {
    wb::RedisReplyPtr r = conn.command(xread);
    return wb::reply_size(wb::reply_at(wb::reply_at(r.get(), 0), 1));
  });
  Timing flat = measure(a, [] {}, [&] {
    const wb::FlatReply& r = conn.command_flat(xread);
    return r.elements(r.child(r.child(0, 0), 1));
  });

  std::printf("# %zu entries x %zu field/value pairs per read, %zu rounds; us per entry\n", a.entries, a.pairs,
              a.rounds);
  std::printf("%-12s %10s %10s %10s %10s\n", "path", "cpu_med", "cpu_best", "wall_med", "wall_best");
  print_row("read_batch", read_batch);
  print_row("reply_tree", tree);
  print_row("flat_reply", flat);
  return 0;
}

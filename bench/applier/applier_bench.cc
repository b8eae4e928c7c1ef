// applier_bench: issue 4's end-to-end benchmark of `writebehind run`, against real servers.
//   (a) per target (PostgreSQL, MariaDB, SQLite): a backlog of N captured HSETs of N distinct keys
//       (5 fields each) is loaded while no applier runs; then `writebehind run` is started and timed
//       from its start until the group has read everything, nothing is pending and the table holds
//       N rows. Read and write batches of 2,000.
//       Run twice per target: with the key column mapped from the Redis key (`id: key.key`, no key
//       tracking needed) and from a hash field (`id` field holding the key name: the applier tracks
//       each key's row in Redis, wb:keys:<job>:<output>, an HMGET and an HSET per key and batch).
//   (b) the reference loader (bench/sink-reference) writes the same N rows into a fresh table of the
//       same server, in transactions of 2,000 rows (only its load calls are timed).
//   (c) hot keys: N HSETs over N/100 keys (each a random one of them) drained into one target:
//       entries/s (coalescing).
//   (d) live lag: a writer paces HSETs of new keys at a steady rate, each stamped with its wall
//       clock in µs, while the applier runs; PostgreSQL stamps each row with clock_timestamp() at
//       insert; lag = committed_at − stamp, p50/p99 computed in SQL.
//   (e) the applier's peak RSS (VmHWM) while draining, read just before SIGTERM.
#include <signal.h>
#include <unistd.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_servers.h"
#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"
#include "harness/redis_client.h"
#include "harness/redis_server.h"
#include "reference_loaders.h"

namespace {

using Clock = std::chrono::steady_clock;
using wbtest::RedisClient;
using wbtest::Reply;

constexpr double kGoalRatio = 0.8;       // writebehind >= 0.8x each reference
constexpr double kGoalP99LagMs = 50;     // p99 lag <= 50 ms
constexpr double kGoalRssMb = 100;       // peak RSS < 100 MB
constexpr long kBatch = 2000;            // read_batch_size = write_batch_size = reference txn
constexpr long kPipelineDepth = 5000;    // HSETs sent before reading their replies
constexpr long kHotKeyDivisor = 100;     // hot-key run: N HSETs over N / 100 keys
constexpr unsigned kHotKeySeed = 20260;  // the hot-key run's key order, the same every run
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kDrainTimeout = std::chrono::minutes(30);
constexpr auto kLagTick = std::chrono::milliseconds(5);  // the lag writer's pacing step
constexpr const char* kJob = "bench";
constexpr const char* kTable = "wb_rows";

struct Options {
  long rows = 1000000;
  bool quick = false;
  std::vector<std::string> targets = {"postgresql", "mariadb", "sqlite"};
  std::string hot_target = "sqlite";
  long hot_rows = 0;  // 0: same as rows
  double lag_seconds = 10;
  long lag_rate = 5000;
  bool skip_lag = false;
  std::vector<std::string> key_sources = {"redis-key", "field"};
};

// Where the bench job's key column comes from: the Redis key, or a hash field `id` (tracked).
bool tracked(const std::string& key_source) { return key_source == "field"; }

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void sqlite_exec(const std::string& path, const std::string& sql, long long* count = nullptr) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 10000);
  auto cb = [](void* out, int, char** values, char**) {
    if (out && values[0]) *static_cast<long long*>(out) = std::atoll(values[0]);
    return 0;
  };
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), cb, count, nullptr);
  std::string err = rc == SQLITE_OK ? "" : sqlite3_errmsg(db);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sqlite: " + err + " in: " + sql);
}

// A target: its connection for the reference loader, its config.yaml block, DDL and a row count.
struct Target {
  std::string name;
  std::string dialect;  // for benchmark_table_ddl
  wb::sink::ConnectionSettings settings;
  std::string connection_yaml;
  std::function<void(const std::string&)> exec;
  std::function<long long(const std::string&)> count;  // SELECT COUNT(*) FROM <table>
};

// CPU seconds (user + system) a process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // fields 14 and 15: utime, stime (clock ticks)
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long long vm_hwm_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  return -1;
}

// A redis-server with the module and a deployed pipeline: one job (keys `<pattern>`) writing
// id = the Redis key plus the given columns into `table` of the target.
struct Deployment {
  wbtest::RedisServer redis;
  wbtest::TempDir dir{"wbbench-applier"};
  std::string stream;

  Deployment(const Target& t, const std::string& table, const std::string& pattern,
             const std::vector<std::string>& columns, bool key_from_field = false) {
    std::filesystem::create_directories(dir.file("jobs"));
    std::ofstream(dir.file("config.yaml"))
        << "connections:\n  target:\n"
        << t.connection_yaml << "applier:\n  read_batch_size: " << kBatch << "\n  write_batch_size: " << kBatch << "\n";
    std::ofstream job(dir.file(std::string("jobs/") + kJob + ".yaml"));
    job << "source:\n  redis:\n    key_pattern: \"" << pattern << "\"\n"
        << "output:\n  - uses: relational.write\n    with:\n      connection: target\n      table: " << table
        << "\n      keys:\n        - " << (key_from_field ? "id" : "id: key.key") << "\n      mapping:\n";
    for (const auto& c : columns) job << "        - " << c << "\n";
    job.close();
    wbtest::ProcessOptions po;
    po.log_file = dir.file("deploy.log");
    if (wbtest::run_command({wbtest::cli_path(), "deploy", "--dir", dir.path(), "--redis", redis.url()}, po) != 0)
      throw std::runtime_error("deploy failed: " + wbtest::read_text_file(dir.file("deploy.log")));
    RedisClient c = redis.client();
    Reply r = c.command({"WB.STREAM", kJob});
    if (r.type != Reply::Type::String) throw std::runtime_error("WB.STREAM: " + r.to_string());
    stream = r.str;
  }

  wbtest::Process start_applier() {
    wbtest::ProcessOptions po;
    po.log_file = dir.file("applier.log");
    return wbtest::Process({wbtest::cli_path(), "run", "--redis", redis.url(), "--instance-id", "bench"}, po);
  }

  std::string log_tail() { return wbtest::tail_of(wbtest::read_text_file(dir.file("applier.log"))); }
};

// Sends HSETs through a pipeline, reading replies every kPipelineDepth commands.
class PipelinedWriter {
 public:
  explicit PipelinedWriter(RedisClient& c) : c_(c) {}
  void hset(std::vector<std::string> args) {
    c_.append(args);
    if (++unread_ == kPipelineDepth) flush();
  }
  void flush() {
    for (; unread_ > 0; --unread_) {
      Reply r = c_.read_reply();
      if (r.is_error()) throw std::runtime_error("HSET: " + r.str);
    }
  }

 private:
  RedisClient& c_;
  long unread_ = 0;
};

// Loads `entries` HSETs with the reference rows' values. With distinct == entries, entry n writes
// key:<n> (N distinct keys, as the reference loads them); otherwise each entry picks one of `distinct`
// keys uniformly at random (fixed seed), as hot keys arrive in practice, with values of a new version
// each time. Returns how many distinct keys were written (the rows the table ends with).
long load_backlog(RedisClient& c, long entries, long distinct, bool id_field) {
  PipelinedWriter w(c);
  std::mt19937_64 random(kHotKeySeed);
  std::vector<bool> written(distinct, false);
  long keys = 0;
  for (long n = 0; n < entries; ++n) {
    long k = distinct == entries ? n : static_cast<long>(random() % distinct);
    if (!written[k]) {
      written[k] = true;
      ++keys;
    }
    auto rows = wb::bench::benchmark_rows(k, 1, static_cast<int>(n / distinct) + 1);
    std::vector<std::string> args{"HSET", *rows[0][0]};
    if (id_field) {
      args.push_back("id");
      args.push_back(*rows[0][0]);
    }
    for (int f = 1; f <= wb::bench::kValueColumns; ++f) {
      args.push_back("f" + std::to_string(f));
      args.push_back(*rows[0][f]);
    }
    w.hset(std::move(args));
  }
  w.flush();
  return keys;
}

// True once the group has read every entry and nothing is pending.
bool group_drained(RedisClient& c, const std::string& stream) {
  Reply groups = c.command({"XINFO", "GROUPS", stream});
  if (groups.is_error() || groups.elements.empty()) return false;
  const Reply& g = groups.elements[0];
  long long pending = -1, lag = -1;
  bool lag_nil = false;
  for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
    if (g.elements[i].str == "pending") pending = g.elements[i + 1].integer;
    if (g.elements[i].str == "lag") {
      lag_nil = g.elements[i + 1].is_nil();
      lag = g.elements[i + 1].integer;
    }
  }
  if (pending != 0) return false;
  if (!lag_nil && lag == 0) return true;
  return c.command({"XLEN", stream}).integer == 0;  // lag unknown: fall back to the stream being trimmed empty
}

struct DrainResult {
  double seconds = 0;
  long long peak_rss_kb = -1;
  double redis_cpu_s = 0;    // redis-server's CPU time during the drain
  double applier_cpu_s = 0;  // the applier's, all threads
};

// Starts the applier, waits until the backlog is drained and the table holds `expected_rows`,
// reads VmHWM, stops the applier with SIGTERM.
DrainResult drain(Deployment& d, const Target& t, const std::string& table, long long expected_rows) {
  RedisClient c = d.redis.client();
  auto start = Clock::now();
  const double redis_cpu_before = cpu_seconds(d.redis.pid());
  wbtest::Process applier = d.start_applier();
  DrainResult out;
  while (true) {
    if (!applier.running()) throw std::runtime_error("applier exited early:\n" + d.log_tail());
    if (group_drained(c, d.stream) && t.count(table) == expected_rows) break;
    if (Clock::now() - start > kDrainTimeout) throw std::runtime_error("backlog not drained in time:\n" + d.log_tail());
    std::this_thread::sleep_for(kPollInterval);
  }
  out.seconds = seconds(Clock::now() - start);
  out.peak_rss_kb = vm_hwm_kb(applier.pid());
  out.redis_cpu_s = cpu_seconds(d.redis.pid()) - redis_cpu_before;
  out.applier_cpu_s = cpu_seconds(applier.pid());
  int status = applier.stop(SIGTERM, std::chrono::seconds(30));
  if (wbtest::exit_code(status) != 0)
    throw std::runtime_error("applier exited with " + std::to_string(wbtest::exit_code(status)) + ":\n" + d.log_tail());
  return out;
}

double reference_rows_per_second(const Target& t, long rows) {
  t.exec("DROP TABLE IF EXISTS bench_ref");
  t.exec(wb::bench::benchmark_table_ddl(t.dialect, "bench_ref"));
  auto loader = wb::bench::make_reference_loader(t.settings, "bench_ref");
  Clock::duration spent{};
  for (long first = 0; first < rows; first += kBatch) {
    auto batch = wb::bench::benchmark_rows(first, std::min(kBatch, rows - first), 1);
    auto start = Clock::now();
    loader->load(batch);
    spent += Clock::now() - start;
  }
  if (t.count("bench_ref") != rows) throw std::runtime_error("reference loader wrote a wrong row count");
  t.exec("DROP TABLE IF EXISTS bench_ref");
  return rows / seconds(spent);
}

const std::vector<std::string> kFieldColumns = {"f1", "f2", "f3", "f4", "f5"};

// (a) + (e): writebehind draining N distinct keys; returns rows/s and fills peak RSS.
DrainResult run_backlog(const Target& t, long entries, long distinct, bool key_from_field) {
  Deployment d(t, kTable, "key:*", kFieldColumns, key_from_field);
  t.exec(std::string("DROP TABLE IF EXISTS ") + kTable);
  t.exec(wb::bench::benchmark_table_ddl(t.dialect, kTable));
  long expected_rows = 0;
  {
    RedisClient c = d.redis.client();
    auto start = Clock::now();
    expected_rows = load_backlog(c, entries, distinct, key_from_field);
    long long xlen = c.command({"XLEN", d.stream}).integer;
    if (xlen != entries)
      throw std::runtime_error("captured " + std::to_string(xlen) + " entries, expected " + std::to_string(entries));
    std::cerr << "    backlog of " << entries << " HSETs over " << distinct << " keys loaded in "
              << seconds(Clock::now() - start) << " s\n";
  }
  DrainResult r = drain(d, t, kTable, expected_rows);
  t.exec(std::string("DROP TABLE IF EXISTS ") + kTable);
  return r;
}

struct LagResult {
  long long rows = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double achieved_rate = 0;
  long long peak_rss_kb = -1;
};

// (d): steady writes of new keys while the applier runs; PostgreSQL only.
LagResult run_lag(const Target& t, wbtest::PostgresServer& pg, const Options& o) {
  const std::string table = "wb_lag";
  Deployment d(t, table, "lag:*", {"stamp"});
  pg.query("DROP TABLE IF EXISTS " + table, "bench");
  pg.query("CREATE TABLE " + table +
               " (id text PRIMARY KEY, stamp bigint, committed_at timestamptz DEFAULT clock_timestamp())",
           "bench");
  wbtest::Process applier = d.start_applier();
  RedisClient c = d.redis.client();
  // Wait until the applier's consumer exists in the group (it is reading).
  if (!wbtest::wait_until(
          [&] {
            Reply r = c.command({"XINFO", "CONSUMERS", d.stream, "writebehind"});
            return !r.is_error() && !r.elements.empty();
          },
          std::chrono::seconds(30)))
    throw std::runtime_error("applier did not start reading:\n" + d.log_tail());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  const long total = static_cast<long>(o.lag_rate * o.lag_seconds);
  long written = 0;
  auto begin = Clock::now();
  std::string writer_error;
  std::thread writer([&] {
    try {
      RedisClient wc = d.redis.client();
      auto next = begin;
      while (written < total) {
        next += kLagTick;
        std::this_thread::sleep_until(next);
        // Due by now: rate × elapsed, sent as one pipelined burst, each stamped as it is sent.
        long due = std::min(total, static_cast<long>(o.lag_rate * seconds(Clock::now() - begin)));
        long sent = 0;
        for (; written < due; ++written, ++sent) {
          long long us =
              std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
          char key[32];
          std::snprintf(key, sizeof key, "lag:%09ld", written);
          wc.append({"HSET", key, "stamp", std::to_string(us)});
        }
        for (; sent > 0; --sent)
          if (wc.read_reply().is_error()) throw std::runtime_error("HSET failed");
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  writer.join();
  if (!writer_error.empty()) throw std::runtime_error("lag writer: " + writer_error);
  double elapsed = seconds(Clock::now() - begin);
  if (!wbtest::wait_until([&] { return group_drained(c, d.stream) && t.count(table) == total; },
                          std::chrono::minutes(2)))
    throw std::runtime_error("lag run did not drain:\n" + d.log_tail());
  LagResult r;
  r.peak_rss_kb = vm_hwm_kb(applier.pid());
  applier.stop(SIGTERM, std::chrono::seconds(30));
  auto rows = pg.query(
      "WITH l AS (SELECT extract(epoch FROM committed_at - to_timestamp(stamp / 1e6)) * 1000 AS ms FROM " + table +
          ") SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
          " percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms) FROM l",
      "bench");
  r.rows = std::atoll(rows.at(0).at(0).c_str());
  r.p50_ms = std::atof(rows[0][1].c_str());
  r.p99_ms = std::atof(rows[0][2].c_str());
  r.max_ms = std::atof(rows[0][3].c_str());
  r.achieved_rate = total / elapsed;
  pg.query("DROP TABLE IF EXISTS " + table, "bench");
  return r;
}

std::string mb(long long kb) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", kb / 1024.0);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"writebehind run end to end: backlog drain vs reference loaders, hot keys, live lag, peak RSS"};
  app.add_option("--rows", o.rows, "captured HSETs of distinct keys per target (default 1,000,000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--targets", o.targets, "postgresql, mariadb, sqlite")->delimiter(',');
  app.add_option("--hot-target", o.hot_target, "target of the hot-key run (sqlite or postgresql; none to skip)");
  app.add_option("--hot-rows", o.hot_rows, "HSETs of the hot-key run (default: --rows), over 1/100 as many keys");
  app.add_option("--lag-seconds", o.lag_seconds, "length of the live-lag run (PostgreSQL)");
  app.add_option("--lag-rate", o.lag_rate, "writes per second of the live-lag run");
  app.add_flag("--skip-lag", o.skip_lag, "skip the live-lag run");
  app.add_option("--key-sources", o.key_sources, "redis-key (id: key.key), field (id from a hash field: tracked)")
      ->delimiter(',');
  app.add_flag("--quick", o.quick, "50,000 rows, 3 s of lag: checks that the benchmark works");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.rows = std::min(o.rows, 50000L);
    o.lag_seconds = std::min(o.lag_seconds, 3.0);
  }
  if (o.hot_rows == 0) o.hot_rows = o.rows;

  try {
    wbtest::PostgresServer pg;
    pg.create_database("bench");
    wbtest::MariaDbServer maria;
    wb::bench::tune_mariadb_for_loading(maria);
    maria.query("CREATE DATABASE bench CHARACTER SET utf8mb4");
    wbtest::TempDir sqlite_dir("wbbench-applier-sqlite");

    auto make_target = [&](const std::string& name) {
      Target t;
      t.name = name;
      if (name == "postgresql") {
        t.dialect = "postgresql";
        t.settings.type = "postgresql";
        t.settings.host = pg.host();
        t.settings.port = pg.port();
        t.settings.database = "bench";
        t.settings.user = pg.user();
        t.connection_yaml = "    type: postgresql\n    host: 127.0.0.1\n    port: " + std::to_string(pg.port()) +
                            "\n    database: bench\n    user: postgres\n    password: \"\"\n";
        t.exec = [&pg](const std::string& sql) { pg.query(sql, "bench"); };
        t.count = [&pg](const std::string& table) {
          return std::atoll(pg.query("SELECT count(*) FROM " + table, "bench").at(0).at(0).c_str());
        };
      } else if (name == "mariadb") {
        t.dialect = "mysql";
        t.settings.type = "mariadb";
        t.settings.host = maria.host();
        t.settings.port = maria.port();
        t.settings.database = "bench";
        t.settings.user = maria.user();
        t.settings.password = maria.password();
        t.connection_yaml = "    type: mariadb\n    host: 127.0.0.1\n    port: " + std::to_string(maria.port()) +
                            "\n    database: bench\n    user: root\n    password: \"\"\n";
        t.exec = [&maria](const std::string& sql) { maria.query(sql, "bench"); };
        t.count = [&maria](const std::string& table) {
          return std::atoll(maria.query("SELECT count(*) FROM " + table, "bench").at(0).at(0).c_str());
        };
      } else if (name == "sqlite") {
        std::string path = sqlite_dir.file("bench.db");
        t.dialect = "sqlite";
        t.settings.type = "sqlite";
        t.settings.database = path;
        t.connection_yaml = "    type: sqlite\n    database: " + path + "\n";
        t.exec = [path](const std::string& sql) { sqlite_exec(path, sql); };
        t.count = [path](const std::string& table) {
          long long n = -1;
          sqlite_exec(path, "SELECT count(*) FROM " + table, &n);
          return n;
        };
      } else {
        throw std::invalid_argument("unknown target " + name);
      }
      return t;
    };

    struct Line {
      std::string target;
      std::string keys;
      double wb = 0, ref = 0;
      long long rss_kb = -1;
      double redis_us = 0, applier_us = 0;  // CPU µs per entry
    };
    std::vector<Line> lines;
    for (const auto& name : o.targets) {
      Target t = make_target(name);
      for (const auto& keys : o.key_sources) {
        std::cerr << name << ": writebehind draining " << o.rows << " distinct keys, key column from " << keys << "\n";
        DrainResult d = run_backlog(t, o.rows, o.rows, tracked(keys));
        std::cerr << "  " << d.seconds << " s; reference loader\n";
        double ref = reference_rows_per_second(t, o.rows);  // again: side by side with each drain
        lines.push_back({name, keys, o.rows / d.seconds, ref, d.peak_rss_kb, d.redis_cpu_s * 1e6 / o.rows,
                         d.applier_cpu_s * 1e6 / o.rows});
      }
    }
    Line hot;
    if (o.hot_target != "none") {
      Target t = make_target(o.hot_target);
      long keys = std::max(1L, o.hot_rows / kHotKeyDivisor);
      std::cerr << o.hot_target << ": hot keys, " << o.hot_rows << " HSETs over " << keys << " keys\n";
      DrainResult d = run_backlog(t, o.hot_rows, keys, false);
      hot = {o.hot_target, "redis-key", o.hot_rows / d.seconds, 0, d.peak_rss_kb};
    }
    LagResult lag;
    if (!o.skip_lag) {
      std::cerr << "postgresql: live lag, " << o.lag_rate << " writes/s for " << o.lag_seconds << " s\n";
      lag = run_lag(make_target("postgresql"), pg, o);
    }

    bool all_met = true;
    std::printf(
        "applier benchmark: `writebehind run` draining captured backlogs; read/write batches %ld; "
        "reference transactions of %ld rows\n\n",
        kBatch, kBatch);
    std::printf("(a,b) backlog of %ld HSETs of %ld distinct keys, 5 fields each\n", o.rows, o.rows);
    std::printf("    key column from redis-key: `id: key.key`; from field: a hash field `id` (key tracking on)\n");
    std::printf("    CPU per entry while draining: redis-server (one thread: 1e6 / its µs is the most any consumer of\n"
                "    the group could read and acknowledge) and the applier (all threads)\n");
    std::printf("%-11s %-10s %16s %16s %7s %12s %9s %11s  %s\n", "target", "key from", "writebehind r/s",
                "reference r/s", "ratio", "peak RSS MB", "redis us", "applier us", "goal >= 0.8x, RSS < 100 MB");
    for (const Line& l : lines) {
      double ratio = l.wb / l.ref;
      bool met = ratio >= kGoalRatio && l.rss_kb >= 0 && l.rss_kb / 1024.0 < kGoalRssMb;
      all_met &= met;
      std::printf("%-11s %-10s %16.0f %16.0f %7.2f %12s %9.2f %11.2f  %s\n", l.target.c_str(), l.keys.c_str(), l.wb,
                  l.ref, ratio, mb(l.rss_kb).c_str(), l.redis_us, l.applier_us, met ? "met" : "NOT met");
    }
    if (o.hot_target != "none") {
      long keys = std::max(1L, o.hot_rows / kHotKeyDivisor);
      bool met = hot.rss_kb / 1024.0 < kGoalRssMb;
      all_met &= met;
      std::printf("\n(c) hot keys: %ld HSETs, each to a random one of %ld keys, into %s\n", o.hot_rows, keys,
                  hot.target.c_str());
      std::printf("%-11s %16s %12s\n", "target", "entries/s", "peak RSS MB");
      std::printf("%-11s %16.0f %12s  %s\n", hot.target.c_str(), hot.wb, mb(hot.rss_kb).c_str(),
                  met ? "RSS goal met" : "RSS goal NOT met");
    }
    if (!o.skip_lag) {
      bool met = lag.p99_ms <= kGoalP99LagMs;
      all_met &= met;
      std::printf("\n(d) live lag into postgresql: %ld new keys at %ld/s requested (%.0f/s achieved) for %.0f s\n",
                  static_cast<long>(lag.rows), o.lag_rate, lag.achieved_rate, o.lag_seconds);
      std::printf("    lag = clock_timestamp() at insert − the writer's stamp at HSET\n");
      std::printf("%-11s %10s %10s %10s %12s  %s\n", "target", "p50 ms", "p99 ms", "max ms", "peak RSS MB",
                  "goal p99 <= 50 ms");
      std::printf("%-11s %10.1f %10.1f %10.1f %12s  %s\n", "postgresql", lag.p50_ms, lag.p99_ms, lag.max_ms,
                  mb(lag.peak_rss_kb).c_str(), met ? "met" : "NOT met");
    }
    std::printf("\ngoals (>= %.1fx each reference, p99 lag <= %.0f ms, RSS < %.0f MB): %s\n", kGoalRatio, kGoalP99LagMs,
                kGoalRssMb, all_met ? "all met" : "NOT all met");
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::cerr << "applier_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

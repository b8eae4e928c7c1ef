// sink_reference_bench: per target, the reference loader (reference_loaders.h) and writebehind's Sink
// write the same rows — a key and five text columns, in transactions of one batch (2,000 rows) — into
// fresh tables of the same server. Two phases: `insert` (N new keys) and `update` (the same N keys
// again with new values). Prints rows/s for both and the ratio sink / reference.
//
// Only the loading is timed: rows are generated (and, for the sink, wrapped in a TableWrite) before
// the clock starts for each batch. Rounds alternate which side goes first, and the best round of each
// side is reported, so that drift on a shared machine does not pick the winner.
#include <CLI/CLI.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>

#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"
#include "bench_servers.h"
#include "reference_loaders.h"
#include "sink/sink.h"

namespace {

using Clock = std::chrono::steady_clock;
using wb::sink::ConnectionSettings;

constexpr double kGoalRatio = 0.8;  // issue 4: writebehind at >= 0.8x each reference

struct Options {
  long rows = 1000000;
  long batch = 2000;
  int rounds = 1;
  bool quick = false;
  std::vector<std::string> targets = {"postgresql", "mariadb", "sqlite"};
};

// A target under test: its settings, and a way to run DDL on it.
struct Target {
  std::string name;
  std::string dialect;  // for benchmark_table_ddl
  ConnectionSettings settings;
  std::function<void(const std::string&)> exec;
};

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open(path.c_str(), &db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  std::string err = rc == SQLITE_OK ? "" : sqlite3_errmsg(db);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sqlite: " + err + " in: " + sql);
}

// Loads rows [0, rows) of `version` in batches through `load`, timing only the load calls.
double rows_per_second(const Options& o, int version, const std::function<void(std::vector<wb::sink::Row>&)>& load) {
  Clock::duration spent{};
  for (long first = 0; first < o.rows; first += o.batch) {
    auto rows = wb::bench::benchmark_rows(first, std::min(o.batch, o.rows - first), version);
    auto start = Clock::now();
    load(rows);
    spent += Clock::now() - start;
  }
  return o.rows / std::chrono::duration<double>(spent).count();
}

struct Result {
  double reference = 0;
  double sink = 0;
};

// One round on one target: both sides, both phases, each on its own fresh table.
std::map<std::string, Result> run_round(const Options& o, Target& t, bool sink_first) {
  std::map<std::string, Result> out;
  auto run_reference = [&] {
    t.exec("DROP TABLE IF EXISTS bench_ref");
    t.exec(wb::bench::benchmark_table_ddl(t.dialect, "bench_ref"));
    auto loader = wb::bench::make_reference_loader(t.settings, "bench_ref");
    auto load = [&](std::vector<wb::sink::Row>& rows) { loader->load(rows); };
    out["insert"].reference = rows_per_second(o, 1, load);
    out["update"].reference = rows_per_second(o, 2, load);
  };
  auto run_sink = [&] {
    t.exec("DROP TABLE IF EXISTS bench_sink");
    t.exec(wb::bench::benchmark_table_ddl(t.dialect, "bench_sink"));
    auto sink = wb::sink::make_sink(t.settings);
    wb::sink::TableWrite w({"", "bench_sink"}, {"id"}, {"f1", "f2", "f3", "f4", "f5"});
    auto load = [&](std::vector<wb::sink::Row>& rows) {
      w.upserts = std::move(rows);  // the applier builds its TableWrite in place: handing over is free
      sink->begin();
      sink->write(w);
      sink->commit();
    };
    out["insert"].sink = rows_per_second(o, 1, load);
    out["update"].sink = rows_per_second(o, 2, load);
  };
  if (sink_first) {
    run_sink();
    run_reference();
  } else {
    run_reference();
    run_sink();
  }
  t.exec("DROP TABLE IF EXISTS bench_ref");
  t.exec("DROP TABLE IF EXISTS bench_sink");
  return out;
}

void report(const Options& o, Target& t, bool& all_met) {
  std::map<std::string, Result> best;
  for (int round = 0; round < o.rounds; ++round) {
    std::cerr << "  " << t.name << ": round " << round + 1 << "/" << o.rounds << "\n";
    for (auto& [phase, r] : run_round(o, t, round % 2 == 1)) {
      best[phase].reference = std::max(best[phase].reference, r.reference);
      best[phase].sink = std::max(best[phase].sink, r.sink);
    }
  }
  for (const char* phase : {"insert", "update"}) {
    const Result& r = best[phase];
    double ratio = r.sink / r.reference;
    bool met = ratio >= kGoalRatio;
    all_met &= met;
    std::printf("%-11s %-7s %14.0f %14.0f %7.2f  %s\n", t.name.c_str(), phase, r.reference, r.sink, ratio,
                met ? "ok" : "below goal");
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Reference loaders vs writebehind's Sink: rows/s per target, batches of 2,000 rows"};
  app.add_option("--rows", o.rows, "rows per phase (default 1,000,000)")->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch, "rows per transaction")->check(CLI::PositiveNumber);
  app.add_option("--rounds", o.rounds, "rounds per target; the best of each side is reported")
      ->check(CLI::PositiveNumber);
  app.add_option("--targets", o.targets, "postgresql, mariadb, sqlite")->delimiter(',');
  app.add_flag("--quick", o.quick, "20,000 rows: checks that the benchmark works");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) o.rows = std::min(o.rows, 20000L);

  std::printf("sink reference benchmark: %ld rows per phase, %ld rows per transaction, best of %d round(s)\n",
              o.rows, o.batch, o.rounds);
  std::printf("%-11s %-7s %14s %14s %7s\n", "target", "phase", "reference r/s", "sink r/s", "ratio");
  bool all_met = true;
  try {
    for (const std::string& name : o.targets) {
      if (name == "postgresql") {
        wbtest::PostgresServer pg;
        pg.create_database("bench");
        Target t{name, "postgresql", {}, [&](const std::string& sql) { pg.query(sql, "bench"); }};
        t.settings.type = "postgresql";
        t.settings.host = pg.host();
        t.settings.port = pg.port();
        t.settings.database = "bench";
        t.settings.user = pg.user();
        report(o, t, all_met);
      } else if (name == "mariadb") {
        wbtest::MariaDbServer db;
        wb::bench::tune_mariadb_for_loading(db);
        db.query("CREATE DATABASE bench CHARACTER SET utf8mb4");
        Target t{name, "mysql", {}, [&](const std::string& sql) { db.query(sql, "bench"); }};
        t.settings.type = "mariadb";
        t.settings.host = db.host();
        t.settings.port = db.port();
        t.settings.database = "bench";
        t.settings.user = db.user();
        t.settings.password = db.password();
        report(o, t, all_met);
      } else if (name == "sqlite") {
        wbtest::TempDir dir("wbbench-sqlite");
        std::string path = dir.file("bench.db");
        Target t{name, "sqlite", {}, [path](const std::string& sql) { sqlite_exec(path, sql); }};
        t.settings.type = "sqlite";
        t.settings.database = path;
        report(o, t, all_met);
      } else {
        std::cerr << "unknown target " << name << "\n";
        return 2;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "sink_reference_bench: " << e.what() << "\n";
    return 1;
  }
  std::printf("goal: sink >= %.1fx reference: %s\n", kGoalRatio, all_met ? "met" : "NOT met");
  return 0;
}

// transform_bench: what a job's transform chain costs per record (Google Benchmark; the time column
// is ns per record). The real thing: jobs loaded from YAML by the pipeline loader, compiled once by
// src/transform, applied to change records with JobTransforms::apply — as the applier does.
//
//   chain/jmespath, chain/sql   filter + add_field + rename_field (the goal: < 2 µs each):
//                               filter `age > 20`, add_field full_name = first + ' ' + last,
//                               rename_field last_name -> surname, on data_only records.
//   chain/*_hash                the same on hash-like records (every value a string), filtering
//                               on `status != 'test'`.
//   chain/*_full                the same in row_format: full (paths under after.).
//   chain/map_*                 one map block building a 3-field record.
//   copy                        the baseline: copying a record (not part of the chain's cost; the
//                               benchmark copies records outside the timed region).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/loader.h"
#include "transform/chain.h"

namespace {

using nlohmann::json;

constexpr std::size_t kRecords = 256;   // distinct records cycled through
constexpr std::size_t kPool = 4096;     // records copied per untimed refill

json data(std::size_t i, bool strings) {
  static const char* kFirst[] = {"ada", "alan", "grace", "edsger", "barbara", "donald", "john", "é"};
  static const char* kLast[] = {"lovelace", "turing", "hopper", "dijkstra", "liskov", "knuth"};
  int age = 21 + static_cast<int>(i % 50);  // every record passes the filter
  return json{{"id", strings ? json(std::to_string(i)) : json(i)},
              {"first_name", kFirst[i % 8]},
              {"last_name", kLast[i % 6]},
              {"age", strings ? json(std::to_string(age)) : json(age)},
              {"status", "live"},
              {"country", "FR"},
              {"email", std::string(kFirst[i % 8]) + "@example.com"}};
}

std::vector<wb::ChangeRecord> records(bool strings, bool full) {
  std::vector<wb::ChangeRecord> out;
  for (std::size_t i = 0; i < kRecords; ++i) {
    wb::ChangeRecord r;
    r.entry_id = "1700000000000-" + std::to_string(i);
    r.redis_key = "person:" + std::to_string(i);
    r.format = full ? wb::RowFormat::Full : wb::RowFormat::DataOnly;
    if (full) {
      r.set_record(json{{"key", {{"key", r.redis_key}}}, {"before", nullptr}, {"after", data(i, strings)}, {"opcode", "c"}});
    } else {
      r.set_record(data(i, strings));
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::shared_ptr<const wb::transform::JobTransforms> compile(const std::string& transform, bool full) {
  wb::config::PipelineFiles files;
  files["config.yaml"] = "connections:\n  db:\n    type: sqlite\n    database: ./b.db\n";
  files["jobs/bench.yaml"] = std::string("source:\n  redis:\n    key_pattern: person:*\n") + (full ? "  row_format: full\n" : "") +
                             "transform:\n" + transform +
                             "output:\n  - uses: relational.write\n    with:\n      connection: db\n      table: t\n";
  auto loaded = wb::config::load_pipeline(files);
  if (!loaded.ok()) throw std::runtime_error(loaded.diagnostics.to_string());
  return wb::transform::JobTransforms::compile(loaded.pipeline.jobs.at(0));
}

std::string filter_add_rename(const std::string& language, const std::string& filter, const std::string& add_field,
                              const std::string& prefix) {
  return "  - uses: filter\n    with:\n      language: " + language + "\n      expression: \"" + filter + "\"\n" +
         "  - uses: add_field\n    with:\n      field: " + prefix + "full_name\n      language: " + language +
         "\n      expression: \"" + add_field + "\"\n" + "  - uses: rename_field\n    with:\n      from_field: " + prefix +
         "last_name\n      to_field: " + prefix + "surname\n";
}

void run_chain(benchmark::State& state, const std::string& transform, bool strings, bool full) {
  auto chain = compile(transform, full);
  const auto templates = records(strings, full);
  std::vector<wb::ChangeRecord> pool;
  pool.reserve(kPool);
  std::size_t next = kPool;  // empty pool: refill on the first iteration
  std::size_t kept = 0;
  for (auto _ : state) {
    if (next == kPool) {
      state.PauseTiming();
      pool.clear();
      for (std::size_t i = 0; i < kPool; ++i) pool.push_back(templates[i % kRecords]);
      next = 0;
      state.ResumeTiming();
    }
    auto outcome = chain->apply(pool[next++]);
    kept += outcome.verdict == wb::applier::TransformOutcome::Verdict::Keep;
  }
  if (static_cast<int64_t>(kept) != state.iterations()) state.SkipWithError("a record was not kept: the benchmark measures the wrong path");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_chain_jmespath(benchmark::State& s) {
  run_chain(s, filter_add_rename("jmespath", "age > `20`", "concat([first_name, ' ', last_name])", ""), false, false);
}
void BM_chain_sql(benchmark::State& s) {
  run_chain(s, filter_add_rename("sql", "age > 20", "first_name || ' ' || last_name", ""), false, false);
}
void BM_chain_jmespath_hash(benchmark::State& s) {
  run_chain(s, filter_add_rename("jmespath", "status != 'test'", "concat([first_name, ' ', last_name])", ""), true, false);
}
void BM_chain_sql_hash(benchmark::State& s) {
  run_chain(s, filter_add_rename("sql", "status <> 'test'", "first_name || ' ' || last_name", ""), true, false);
}
void BM_chain_jmespath_full(benchmark::State& s) {
  run_chain(s, filter_add_rename("jmespath", "after.age > `20`", "concat([after.first_name, ' ', after.last_name])", "after."),
            false, true);
}
void BM_chain_sql_full(benchmark::State& s) {
  run_chain(s, filter_add_rename("sql", "after.age > 20", "after.first_name || ' ' || after.last_name", "after."), false, true);
}
void BM_chain_map_jmespath(benchmark::State& s) {
  run_chain(s, "  - uses: map\n    with:\n      language: jmespath\n      expression: \"{id: id, name: upper(first_name), email: email}\"\n",
            false, false);
}
void BM_chain_map_sql(benchmark::State& s) {
  run_chain(s, "  - uses: map\n    with:\n      language: sql\n      expression:\n        id: id\n        name: UPPER(first_name)\n"
               "        email: email\n",
            false, false);
}

void BM_copy(benchmark::State& state) {
  const auto templates = records(false, false);
  std::size_t i = 0;
  for (auto _ : state) {
    wb::ChangeRecord r = templates[i++ % kRecords];
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_chain_jmespath)->Name("chain/jmespath");
BENCHMARK(BM_chain_sql)->Name("chain/sql");
BENCHMARK(BM_chain_jmespath_hash)->Name("chain/jmespath_hash");
BENCHMARK(BM_chain_sql_hash)->Name("chain/sql_hash");
BENCHMARK(BM_chain_jmespath_full)->Name("chain/jmespath_full");
BENCHMARK(BM_chain_sql_full)->Name("chain/sql_full");
BENCHMARK(BM_chain_map_jmespath)->Name("chain/map_jmespath");
BENCHMARK(BM_chain_map_sql)->Name("chain/map_sql");
BENCHMARK(BM_copy)->Name("copy");

}  // namespace

BENCHMARK_MAIN();

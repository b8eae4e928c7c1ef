// What a job worker needs to run, independent of the YAML model: where the job's entries come from,
// how records become rows of each output, and the applier's settings. plan_from_config.h builds it
// from a loaded pipeline; tests build it directly.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "applier/job_observer.h"
#include "applier/transform_chain.h"
#include "common/redis_endpoint.h"
#include "sink/sink.h"
#include "source/change_record.h"

namespace wb::applier {

// One entry of keys or mapping: the column, and the source path of its value in the record
// (record_path.h: dotted, "after." and "key.key" rules).
struct ColumnSource {
  std::string column;
  std::string source;
};

enum class LoadStrategy { Append, Replace, Upsert, Type2 };

const char* to_string(LoadStrategy s);

// relational.write `foreach` (src/transform builds it): the rows one record becomes, each a
// ChangeRecord of its own (same key, op and entry) whose record holds what the output's paths read.
// Throws (an expression that fails on this record) -> the record is rejected.
using RowExpander = std::function<std::vector<ChangeRecord>(const ChangeRecord&)>;

// One relational.write output, resolved (connection by name, strategy defaulted).
struct OutputPlan {
  // Stable name of the output within its job: names its key-tracking hash
  // (<prefix>keys:<job>:<name>) and appears in dead letters. plan_from_config uses
  // "<connection>.<schema>.<table>" ("<connection>.<table>" without schema).
  std::string name;
  std::string connection;  // key of ApplierPlan::connections
  sink::TableRef table;
  std::vector<ColumnSource> keys;
  std::vector<ColumnSource> mapping;  // empty: every top-level field whose column exists
  LoadStrategy strategy = LoadStrategy::Upsert;
  std::string opcode_field;           // non-empty: the op (c|u|d) comes from this record field
  std::optional<sink::Type2Spec> type2;  // TYPE2 only
  RowExpander foreach;                   // set: one row per element (key tracking keeps them all)

  bool keyed() const { return !keys.empty(); }
};

// Builds a job's transform chain; called once per worker (a chain may keep state).
// Empty: no transforms (identity).
using TransformChainFactory = std::function<std::unique_ptr<TransformChain>()>;

struct JobPlan {
  std::string name;
  SourceKind source_kind = SourceKind::Captured;
  // SourceKind::Stream: the application's stream key. SourceKind::Captured: normally empty — the
  // key is asked from the module (WB.STREAM <job>) — unless a tool already knows it.
  std::string stream;
  std::string start_id = "0-0";   // SourceKind::Stream: where a new consumer group starts
  RowFormat row_format = RowFormat::DataOnly;
  std::vector<OutputPlan> outputs;
  TransformChainFactory transforms;
};

enum class ErrorHandling { DeadLetter, Ignore };

struct ApplierSettings {
  static constexpr size_t kDefaultReadBatchSize = 2000;
  static constexpr size_t kDefaultWriteBatchSize = 200;
  static constexpr std::chrono::milliseconds kDefaultDuration{100};
  static constexpr std::chrono::milliseconds kDefaultRetryInterval{5000};
  static constexpr size_t kDefaultDlqMaxMessages = 1000;
  static constexpr std::chrono::milliseconds kDefaultClaimMinIdle{30000};

  RedisEndpoint redis;
  std::string prefix = "wb:";     // the reserved key prefix (the module's `prefix` argument)
  std::string instance_id;        // the consumer name; default_instance_id() when empty
  size_t read_batch_size = kDefaultReadBatchSize;
  size_t write_batch_size = kDefaultWriteBatchSize;  // entries per target transaction
  std::chrono::milliseconds duration = kDefaultDuration;  // XREADGROUP BLOCK
  std::chrono::milliseconds retry_interval = kDefaultRetryInterval;  // on_failed_retry_interval
  ErrorHandling error_handling = ErrorHandling::DeadLetter;
  size_t dlq_max_messages = kDefaultDlqMaxMessages;
  std::chrono::milliseconds claim_min_idle = kDefaultClaimMinIdle;  // XAUTOCLAIM threshold
  std::shared_ptr<JobObserver> observer;  // metrics hooks (job_observer.h); null: none
};

// Everything `writebehind run` applies: settings, the jobs, and the target connections by name
// (secrets resolved).
struct ApplierPlan {
  ApplierSettings settings;
  std::vector<JobPlan> jobs;
  std::map<std::string, sink::ConnectionSettings> connections;
};

// "<hostname>-<pid>": the default consumer name.
std::string default_instance_id();

}  // namespace wb::applier

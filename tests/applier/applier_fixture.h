// Shared helpers of the applier tests: entries in the module's stream format, job plans, draining a
// worker, reading an SQLite file, and a sink decorator that injects a crash around commit.
#pragma once
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "applier/job_worker.h"
#include "harness/redis_client.h"
#include "harness/redis_server.h"
#include "sink/sink.h"

namespace wbtest {

inline RedisOptions plain_redis() {
  RedisOptions o;
  o.load_module = false;
  return o;
}

// XADDs one captured entry (key op cmd type ts value...) to stream; returns its id.
inline std::string add_entry(RedisClient& c, const std::string& stream, const std::string& key, const std::string& op,
                             const std::string& type, const std::vector<std::string>& value = {},
                             const std::string& cmd = "hset") {
  std::vector<std::string> args{"XADD", stream, "*", "key", key, "op", op, "cmd", cmd, "type", type, "ts", "1700000000000"};
  for (const auto& v : value) args.push_back(v);
  Reply r = c.command(args);
  if (r.type != Reply::Type::String) throw std::runtime_error("XADD failed: " + r.to_string());
  return r.str;
}
inline std::string add_hash(RedisClient& c, const std::string& stream, const std::string& key,
                            const std::vector<std::string>& fields, const std::string& op = "c") {
  return add_entry(c, stream, key, op, "hash", fields);
}
inline std::string add_delete(RedisClient& c, const std::string& stream, const std::string& key) {
  return add_entry(c, stream, key, "d", "none", {}, "del");
}

// A captured job `name` (stream wb:stream:<name>) with one relational output "db.<table>" on the
// connection "db".
inline wb::applier::JobPlan one_output_job(const std::string& name, const std::string& table,
                                           std::vector<wb::applier::ColumnSource> keys,
                                           std::vector<wb::applier::ColumnSource> mapping,
                                           wb::applier::LoadStrategy strategy = wb::applier::LoadStrategy::Upsert) {
  wb::applier::JobPlan job;
  job.name = name;
  job.stream = "wb:stream:" + name;
  wb::applier::OutputPlan out;
  out.name = "db." + table;
  out.connection = "db";
  out.table = {"", table};
  out.keys = std::move(keys);
  out.mapping = std::move(mapping);
  out.strategy = strategy;
  job.outputs.push_back(std::move(out));
  return job;
}

// The seed use case's job (../shared/examples/user-actions): the application's own event stream
// appended to user_actions (no keys) on the connection "events-db".
inline wb::applier::JobPlan user_actions_job(const std::string& stream) {
  wb::applier::JobPlan job;
  job.name = "user_action";
  job.source_kind = wb::SourceKind::Stream;
  job.stream = stream;
  wb::applier::OutputPlan out;
  out.name = "events-db.user_actions";
  out.connection = "events-db";
  out.table = {"", "user_actions"};
  out.mapping = {{"user_id", "user_id"}, {"action", "action"}, {"ts", "ts"}};
  out.strategy = wb::applier::LoadStrategy::Append;
  job.outputs.push_back(std::move(out));
  return job;
}

inline wb::applier::ApplierSettings test_settings(const RedisServer& redis) {
  wb::applier::ApplierSettings s;
  s.redis = wb::RedisEndpoint::parse(redis.url());
  s.instance_id = "test-instance";
  s.read_batch_size = 500;
  s.write_batch_size = 500;
  s.duration = std::chrono::milliseconds(20);
  s.retry_interval = std::chrono::milliseconds(200);
  return s;
}

// Runs the worker until a read comes back empty and nothing is pending in the group.
inline size_t drain(wb::applier::JobWorker& w, RedisClient& c, const std::string& stream, int max_rounds = 1000) {
  size_t total = 0;
  for (int i = 0; i < max_rounds; ++i) {
    size_t n = w.run_once();
    total += n;
    if (n == 0) {
      Reply p = c.command({"XPENDING", stream, "writebehind"});
      if (!p.is_error() && !p.elements.empty() && p.elements[0].integer == 0) return total;
    }
  }
  throw std::runtime_error("worker did not drain " + stream);
}

inline std::string hget(RedisClient& c, const std::string& key, const std::string& field) {
  Reply r = c.command({"HGET", key, field});
  return r.is_nil() ? "(nil)" : r.str;
}

// Every row of a query on an SQLite file, as text (NULL -> "NULL").
inline std::vector<std::vector<std::string>> sqlite_rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_busy_timeout(db, 5000);
  std::vector<std::vector<std::string>> rows;
  sqlite3_stmt* st = nullptr;
  const char* tail = sql.c_str();
  while (tail != nullptr && *tail != '\0') {
    if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
      std::string msg = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error("sqlite: " + msg + " in " + sql);
    }
    if (st == nullptr) break;
    rows.clear();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        row.push_back(t == nullptr ? "NULL" : reinterpret_cast<const char*>(t));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error("sqlite: " + msg + " in " + sql);
    }
  }
  sqlite3_close(db);
  return rows;
}

// A sink that passes every call to a real one; the fault-injecting sinks below override a few.
class ForwardingSink : public wb::sink::Sink {
 public:
  explicit ForwardingSink(std::unique_ptr<wb::sink::Sink> real) : real_(std::move(real)) {}
  void begin() override { real_->begin(); }
  void write(const wb::sink::TableWrite& w) override { real_->write(w); }
  void commit() override { real_->commit(); }
  void rollback() noexcept override { real_->rollback(); }
  std::vector<wb::sink::Column> columns(const wb::sink::TableRef& t) override { return real_->columns(t); }
  bool ping() noexcept override { return real_->ping(); }
  void disconnect() noexcept override { real_->disconnect(); }
  void ensure_progress_table() override { real_->ensure_progress_table(); }
  std::optional<wb::sink::Progress> read_progress(const std::string& job, const std::string& consumer) override {
    return real_->read_progress(job, consumer);
  }
  std::vector<wb::sink::Progress> read_job_progress(const std::string& job) override {
    return real_->read_job_progress(job);
  }
  void write_progress(const wb::sink::Progress& p) override { real_->write_progress(p); }
  const char* dialect() const override { return real_->dialect(); }

 protected:
  wb::sink::Sink& real() { return *real_; }

 private:
  std::unique_ptr<wb::sink::Sink> real_;
};

// A real sink with a fault injected around commit, to play a crash of the applier at that point.
class CrashingSink final : public ForwardingSink {
 public:
  enum class When { Never, BeforeCommit, AfterCommit };
  CrashingSink(std::unique_ptr<wb::sink::Sink> real, When* when) : ForwardingSink(std::move(real)), when_(when) {}
  void commit() override {
    if (*when_ == When::BeforeCommit) throw std::runtime_error("simulated crash before commit");
    real().commit();
    if (*when_ == When::AfterCommit) throw std::runtime_error("simulated crash after commit");
  }

 private:
  When* when_;
};

// Where a CrashAtCommitSink plays the crash: around the nth commit of a transaction that wrote rows
// (counted over every sink sharing the plan; transactions holding only a progress row do not count,
// nor commits that fail). LostAtCommit is no crash: the nth commit succeeds but reports a lost
// connection (SinkError Transient), as when the connection drops before the COMMIT's reply.
// DownFromCommit: the nth commit and every one after it fail Transient without committing (an
// outage) until the plan changes.
struct CrashPlan {
  enum class When { Never, BeforeCommit, AfterCommit, BeforeAnyCommit, LostAtCommit, DownFromCommit };
  // Atomic: a test ends an outage from its own thread while the worker's thread commits.
  std::atomic<When> when{When::Never};
  int nth = 1;
  int data_commits = 0;  // transactions with rows committed so far
  int any_commits = 0;   // every commit attempted so far (BeforeAnyCommit counts these instead)

  CrashPlan() = default;
  CrashPlan(When w, int n) : when(w), nth(n) {}
  CrashPlan(const CrashPlan& o) { *this = o; }
  CrashPlan& operator=(const CrashPlan& o) {
    when = o.when.load();
    nth = o.nth;
    data_commits = o.data_commits;
    any_commits = o.any_commits;
    return *this;
  }
};

// A real sink that throws "simulated crash ..." (a std::runtime_error the worker does not catch,
// so run_once() ends as if the process died) at the point the plan names.
class CrashAtCommitSink final : public ForwardingSink {
 public:
  CrashAtCommitSink(std::unique_ptr<wb::sink::Sink> real, CrashPlan* plan)
      : ForwardingSink(std::move(real)), plan_(plan) {}
  void begin() override {
    wrote_ = false;
    real().begin();
  }
  void write(const wb::sink::TableWrite& w) override {
    wrote_ = wrote_ || !w.empty();
    real().write(w);
  }
  void commit() override {
    int any = ++plan_->any_commits;
    if (plan_->when == CrashPlan::When::BeforeAnyCommit && any == plan_->nth) {
      throw std::runtime_error("simulated crash before commit " + std::to_string(any));
    }
    bool counted = wrote_;
    int n = plan_->data_commits + 1;
    if (counted && plan_->when == CrashPlan::When::BeforeCommit && n == plan_->nth) {
      throw std::runtime_error("simulated crash before data commit " + std::to_string(n));
    }
    if (counted && plan_->when == CrashPlan::When::DownFromCommit && n >= plan_->nth) {
      throw wb::sink::SinkError(wb::sink::ErrorKind::Transient, "connection refused (simulated outage)");
    }
    real().commit();
    if (!counted) return;
    plan_->data_commits = n;
    if (plan_->when == CrashPlan::When::AfterCommit && n == plan_->nth) {
      throw std::runtime_error("simulated crash after data commit " + std::to_string(n));
    }
    if (plan_->when == CrashPlan::When::LostAtCommit && n == plan_->nth) {
      throw wb::sink::SinkError(wb::sink::ErrorKind::Transient, "server closed the connection (simulated, at commit)");
    }
  }
 private:
  CrashPlan* plan_;
  bool wrote_ = false;
};

// Calls run_once() until the CrashAtCommitSink's simulated crash ends it; true when it did. Any
// other exception propagates (a test failure).
inline bool run_until_crash(wb::applier::JobWorker& w, int max_rounds = 200) {
  for (int i = 0; i < max_rounds; ++i) {
    try {
      w.run_once();
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).starts_with("simulated crash")) return true;
      throw;
    }
  }
  return false;
}

}  // namespace wbtest

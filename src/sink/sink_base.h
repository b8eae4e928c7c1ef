// What every dialect shares: the transaction state machine and the reaction to each error kind.
// A dialect implements the hooks; SinkBase makes sure a write happens only inside a healthy
// transaction, that a Transient error drops the connection (so begin() reconnects) and that a Schema
// error forgets the cached table descriptions (so the next write reads the catalog again).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sink/sink.h"

namespace wb::sink {

class SinkBase : public Sink {
 public:
  void begin() final;
  void write(const TableWrite& w) final;
  void commit() final;
  void rollback() noexcept final;
  std::vector<Column> columns(const TableRef& table) final;
  bool ping() noexcept final;
  void disconnect() noexcept final;
  void ensure_progress_table() final;
  std::optional<Progress> read_progress(const std::string& job, const std::string& consumer) final;
  std::vector<Progress> read_job_progress(const std::string& job) final;
  void write_progress(const Progress& p) final;

 protected:
  // Hooks; all but the noexcept ones throw SinkError.
  virtual bool is_open() const = 0;
  virtual void open() = 0;
  virtual void close() noexcept = 0;  // closes the connection and forgets the tables
  virtual void run_begin() = 0;
  virtual void run_write(const TableWrite& w) = 0;
  virtual void run_commit() = 0;
  virtual void run_rollback() = 0;
  virtual std::vector<Column> read_columns(const TableRef& table) = 0;
  virtual void forget_table(const TableRef& table) noexcept = 0;
  virtual void forget_tables() noexcept = 0;
  virtual void run_ping() = 0;
  virtual void run_ensure_progress_table() = 0;
  virtual std::optional<Progress> run_read_progress(const std::string& job, const std::string& consumer) = 0;
  virtual std::vector<Progress> run_read_job_progress(const std::string& job) = 0;
  virtual void run_write_progress(const Progress& p) = 0;

 private:
  enum class State { Idle, InTransaction, Failed };
  void ensure_open();
  // Throws std::invalid_argument unless no transaction is open (what is only allowed outside one).
  void require_idle(const char* what) const;
  // Runs f; on SinkError reacts to its kind (see above) and rethrows.
  template <class F>
  auto guarded(F&& f) -> decltype(f());

  State state_ = State::Idle;
};

// Throws std::invalid_argument when w is malformed: rows of the wrong width, key and value columns
// overlapping, TYPE2 rows without a Type2Spec, keyed operations without key columns.
void check_shape(const TableWrite& w);

}  // namespace wb::sink

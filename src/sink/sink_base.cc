// The shared state machine; see sink_base.h.
#include "sink/sink_base.h"

#include <set>
#include <stdexcept>
#include <string>

namespace wb::sink {

template <class F>
auto SinkBase::guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SinkError& e) {
    if (e.kind() == ErrorKind::Transient) close();
    if (e.kind() == ErrorKind::Schema) forget_tables();
    throw;
  }
}

void SinkBase::ensure_open() {
  if (!is_open()) guarded([&] { open(); });
}

void SinkBase::begin() {
  if (state_ != State::Idle) rollback();  // a forgotten transaction must not leak into this one
  ensure_open();
  guarded([&] { run_begin(); });
  state_ = State::InTransaction;
}

void SinkBase::write(const TableWrite& w) {
  if (state_ == State::Idle) throw std::logic_error("Sink::write outside a transaction");
  if (state_ == State::Failed) throw std::logic_error("Sink::write after a failure; call rollback()");
  check_shape(w);
  if (w.empty()) return;
  try {
    guarded([&] { run_write(w); });
  } catch (...) {
    state_ = State::Failed;
    throw;
  }
}

void SinkBase::commit() {
  if (state_ == State::Idle) throw std::logic_error("Sink::commit outside a transaction");
  if (state_ == State::Failed) throw std::logic_error("Sink::commit after a failure; call rollback()");
  try {
    guarded([&] { run_commit(); });
  } catch (...) {
    state_ = State::Failed;
    throw;
  }
  state_ = State::Idle;
}

void SinkBase::rollback() noexcept {
  if (state_ != State::Idle && is_open()) {
    try {
      run_rollback();
    } catch (...) {
      close();  // a connection that cannot roll back is not worth keeping
    }
  }
  state_ = State::Idle;
}

std::vector<Column> SinkBase::columns(const TableRef& table) {
  ensure_open();
  forget_table(table);
  return guarded([&] { return read_columns(table); });
}

bool SinkBase::ping() noexcept {
  try {
    ensure_open();
    guarded([&] { run_ping(); });
    return true;
  } catch (...) {
    return false;
  }
}

void SinkBase::disconnect() noexcept {
  close();
  state_ = State::Idle;
}

namespace {

void check_progress_job(const std::string& job) {
  if (job.empty()) throw std::invalid_argument("progress: empty job name");
}

void check_progress_names(const std::string& job, const std::string& consumer) {
  check_progress_job(job);
  if (consumer.empty()) throw std::invalid_argument("progress: empty consumer name");
}

}  // namespace

void SinkBase::require_idle(const char* what) const {
  if (state_ != State::Idle)
    throw std::invalid_argument(std::string("Sink::") + what + " inside a transaction; commit() or rollback() first");
}

void SinkBase::ensure_progress_table() {
  require_idle("ensure_progress_table");
  ensure_open();
  guarded([&] { run_ensure_progress_table(); });
}

std::optional<Progress> SinkBase::read_progress(const std::string& job, const std::string& consumer) {
  require_idle("read_progress");
  check_progress_names(job, consumer);
  ensure_open();
  return guarded([&] { return run_read_progress(job, consumer); });
}

std::vector<Progress> SinkBase::read_job_progress(const std::string& job) {
  require_idle("read_job_progress");
  check_progress_job(job);
  ensure_open();
  return guarded([&] { return run_read_job_progress(job); });
}

void SinkBase::write_progress(const Progress& p) {
  if (state_ == State::Idle) throw std::invalid_argument("Sink::write_progress outside a transaction");
  if (state_ == State::Failed) throw std::invalid_argument("Sink::write_progress after a failure; call rollback()");
  check_progress_names(p.job, p.consumer);
  try {
    guarded([&] { run_write_progress(p); });
  } catch (...) {
    state_ = State::Failed;
    throw;
  }
}

namespace {

void check_rows(const std::vector<Row>& rows, size_t width, const char* what) {
  for (const Row& r : rows)
    if (r.size() != width)
      throw std::invalid_argument(std::string("TableWrite: a row of ") + what + " has " + std::to_string(r.size()) +
                                  " values, expected " + std::to_string(width));
}

}  // namespace

void check_shape(const TableWrite& w) {
  if (w.table.table.empty()) throw std::invalid_argument("TableWrite: no table");
  std::set<std::string> names;
  for (const auto& c : w.key_columns)
    if (!names.insert(c).second) throw std::invalid_argument("TableWrite: column listed twice: " + c);
  for (const auto& c : w.value_columns)
    if (!names.insert(c).second) throw std::invalid_argument("TableWrite: column listed twice: " + c);
  const size_t keys = w.key_columns.size();
  const size_t full = keys + w.value_columns.size();
  if (full == 0 && !w.empty()) throw std::invalid_argument("TableWrite: rows but no columns");
  bool keyed = !w.upserts.empty() || !w.deletes.empty() || !w.replaces.empty() || !w.type2_closes.empty() ||
               !w.type2_inserts.empty();
  if (keyed && keys == 0) throw std::invalid_argument("TableWrite: keyed operations need key columns");
  if ((!w.type2_closes.empty() || !w.type2_inserts.empty()) && !w.type2)
    throw std::invalid_argument("TableWrite: TYPE2 rows without a Type2Spec");
  check_rows(w.upserts, full, "upserts");
  check_rows(w.appends, full, "appends");
  check_rows(w.replaces, full, "replaces");
  check_rows(w.type2_inserts, full, "type2_inserts");
  check_rows(w.deletes, keys, "deletes");
  check_rows(w.type2_closes, keys, "type2_closes");
}

}  // namespace wb::sink

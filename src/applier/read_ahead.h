// ReadAhead: one background thread that runs one task at a time for its owner and hands the result
// back. The job worker reads and decodes its next batch on one while it writes the current one, and
// sends the last batch's acknowledgement on another (job_worker.h).
//
// Why not std::async per batch: a new thread per batch starts with cold allocator caches (jemalloc
// gives it a fresh thread cache, often another arena), and the batch's records were then built in
// freshly faulted pages — ~10% of the read thread's time in page faults. One long-lived thread
// keeps its caches warm.
//
// Use: start(task) when idle; get() blocks until the task finished and returns its result, or
// rethrows what it threw. busy() is true from start() until get(). Owner-thread only; the task
// itself runs on the background thread, so it must only touch what the owner leaves alone until
// get() returns (the synchronisation here makes everything it did visible to the owner then).
#pragma once
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace wb::applier {

template <class T>
class ReadAhead {
 public:
  ReadAhead() : thread_([this] { loop(); }) {}
  ~ReadAhead() {
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    thread_.join();  // a running task finishes first
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  bool busy() const { return busy_; }

  void start(std::function<T()> task) {
    if (busy_) throw std::logic_error("ReadAhead::start while a task is pending");
    {
      std::lock_guard lock(mutex_);
      task_ = std::move(task);
      done_ = false;
    }
    busy_ = true;
    wake_.notify_all();
  }

  T get() {
    if (!busy_) throw std::logic_error("ReadAhead::get without a task");
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [this] { return done_; });
    busy_ = false;
    if (error_) {
      std::exception_ptr e = std::exchange(error_, nullptr);
      std::rethrow_exception(e);
    }
    T out = std::move(*result_);
    result_.reset();
    return out;
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return quit_ || task_ != nullptr; });
      if (task_ == nullptr) return;  // quit with nothing to run
      std::function<T()> task = std::move(task_);
      task_ = nullptr;
      lock.unlock();
      std::optional<T> result;
      std::exception_ptr error;
      try {
        result.emplace(task());
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      result_ = std::move(result);
      error_ = error;
      done_ = true;
      finished_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;      // a task or quit
  std::condition_variable finished_;  // done_
  std::function<T()> task_;
  std::optional<T> result_;
  std::exception_ptr error_;
  bool done_ = false;
  bool quit_ = false;
  bool busy_ = false;  // owner thread only
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace wb::applier

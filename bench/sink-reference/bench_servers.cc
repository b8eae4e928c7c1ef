// See bench_servers.h.
#include "bench_servers.h"

#include <stdexcept>
#include <string>

#include "harness/process.h"

namespace wb::bench {

void tune_mariadb_for_loading(wbtest::MariaDbServer& db) {
  db.query("SET GLOBAL innodb_buffer_pool_size = " + std::to_string(kBenchmarkBufferPoolBytes));
  db.query("SET GLOBAL innodb_log_file_size = " + std::to_string(kBenchmarkRedoLogBytes));
  bool done = wbtest::wait_until(
      [&] {
        auto pool = db.query("SELECT @@innodb_buffer_pool_size, @@innodb_log_file_size");
        auto status = db.query("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'");
        bool resizing = !status.empty() && status[0].size() > 1 && !status[0][1].empty() &&
                        status[0][1].find("Completed") == std::string::npos;
        return !pool.empty() && pool[0][0] == std::to_string(kBenchmarkBufferPoolBytes) &&
               pool[0][1] == std::to_string(kBenchmarkRedoLogBytes) && !resizing;
      },
      std::chrono::seconds(60));
  if (!done) throw std::runtime_error("MariaDB did not finish resizing its buffer pool and redo log");
}

}  // namespace wb::bench

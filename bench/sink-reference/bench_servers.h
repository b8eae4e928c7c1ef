// Server settings for loading benchmarks. The test harness starts MariaDB with a 32 MB buffer pool and
// a 16 MB redo log, which suits tests; a benchmark writing a million rows would then measure buffer
// pool misses and checkpoint stalls rather than the loaders. Both settings are dynamic in 10.11.
#pragma once
#include "harness/mariadb_server.h"

namespace wb::bench {

inline constexpr long long kBenchmarkBufferPoolBytes = 1024LL * 1024 * 1024;
inline constexpr long long kBenchmarkRedoLogBytes = 1024LL * 1024 * 1024;

// Enlarges the buffer pool and the redo log, and waits until the resizes are done.
void tune_mariadb_for_loading(wbtest::MariaDbServer& db);

}  // namespace wb::bench

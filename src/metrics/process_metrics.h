// The standard process metrics of a Prometheus exporter (the names every Grafana dashboard knows),
// read from /proc and getrusage at scrape time, and writebehind_build_info{version}.
//   process_resident_memory_bytes   /proc/self/statm (resident pages * page size)
//   process_virtual_memory_bytes    /proc/self/statm (size)
//   process_cpu_seconds_total       getrusage(RUSAGE_SELF): user + system
//   process_start_time_seconds      /proc/self/stat starttime + /proc/stat btime (Unix seconds)
//   process_open_fds                entries of /proc/self/fd
//   writebehind_build_info{version} 1
#pragma once
#include <cstdint>
#include <optional>

#include "metrics/registry.h"

namespace wb::metrics {

struct ProcessSample {
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  double cpu_seconds = 0.0;
  double start_time_seconds = 0.0;
  uint64_t open_fds = 0;
};

// Reads the current values (0 for what cannot be read).
ProcessSample read_process_sample();

// Registers the metrics above in registry.
void register_process_metrics(Registry& registry);

}  // namespace wb::metrics

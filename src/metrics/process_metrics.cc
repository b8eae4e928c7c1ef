// Process metrics from /proc and getrusage (see process_metrics.h).
#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "version.h"

namespace wb::metrics {
namespace {

double read_boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string word;
  while (in >> word) {
    if (word == "btime") {
      double btime = 0;
      in >> btime;
      return btime;
    }
  }
  return 0;
}

// starttime (field 22 of /proc/self/stat) in clock ticks after boot. The second field, the command
// name, is in parentheses and may contain spaces: parse after the last ')'.
double read_start_ticks() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // After ')': field 3 (state) ... field 22 (starttime): skip 19 fields, read the 20th.
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  double ticks = 0;
  rest >> ticks;
  return ticks;
}

uint64_t count_open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  uint64_t n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n > 0 ? n - 1 : 0;  // minus the descriptor opendir itself holds
}

}  // namespace

ProcessSample read_process_sample() {
  ProcessSample s;
  const long page = sysconf(_SC_PAGESIZE);
  {
    std::ifstream statm("/proc/self/statm");
    uint64_t size_pages = 0, resident_pages = 0;
    if (statm >> size_pages >> resident_pages) {
      s.virtual_bytes = size_pages * static_cast<uint64_t>(page);
      s.resident_bytes = resident_pages * static_cast<uint64_t>(page);
    }
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  static const double start_time = [] {
    const long ticks_per_second = sysconf(_SC_CLK_TCK);
    double btime = read_boot_time_seconds();
    double ticks = read_start_ticks();
    if (btime == 0 || ticks_per_second <= 0) return 0.0;
    return btime + ticks / static_cast<double>(ticks_per_second);
  }();
  s.start_time_seconds = start_time;
  s.open_fds = count_open_fds();
  return s;
}

void register_process_metrics(Registry& registry) {
  registry.callback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                    MetricType::Counter, [] { return read_process_sample().cpu_seconds; });
  registry.callback("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
                    [] { return static_cast<double>(read_process_sample().resident_bytes); });
  registry.callback("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
                    [] { return static_cast<double>(read_process_sample().virtual_bytes); });
  registry.callback("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                    MetricType::Gauge, [] { return read_process_sample().start_time_seconds; });
  registry.callback("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                    [] { return static_cast<double>(read_process_sample().open_fds); });
  registry
      .gauge("writebehind_build_info", "Build information of this writebehind binary; the value is always 1.",
             {"version"})
      .with({WRITEBEHIND_VERSION})
      .set(1);
}

}  // namespace wb::metrics

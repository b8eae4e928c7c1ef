// Aligned plain-text tables for the CLI (status, get-rejected): a header row and data rows,
// columns padded to their widest cell, numeric columns right-aligned, two spaces between columns.
#pragma once
#include <string>
#include <vector>

namespace wb::metrics {

class TextTable {
 public:
  // right_aligned: one flag per column (missing flags: left).
  explicit TextTable(std::vector<std::string> header, std::vector<bool> right_aligned = {});
  void add_row(std::vector<std::string> cells);
  std::string render() const;  // every line ends with '\n'; trailing spaces trimmed

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Human durations: "0 ms", "850 ms", "4.2 s", "3m 12s", "5h 3m", "2d 4h".
std::string human_duration_ms(int64_t ms);
// ISO 8601 UTC with milliseconds, e.g. "2024-05-01T10:00:00.123Z"; "-" for 0.
std::string iso8601_ms(int64_t ms_since_epoch);

}  // namespace wb::metrics

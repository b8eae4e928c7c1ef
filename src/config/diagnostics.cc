// Diagnostic formatting and ordering (see diagnostics.h).
#include "config/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace wb::config {
namespace {

constexpr std::string_view kConfigFile = "config.yaml";
constexpr std::string_view kNoteIndent = "    ";

// config.yaml sorts before every job file; otherwise by name.
std::tuple<int, const std::string&> file_rank(const std::string& file) {
  return {file == kConfigFile ? 0 : 1, file};
}

}  // namespace

std::string Diagnostic::to_string() const {
  std::string out = pos.to_string() + ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  for (const auto& note : notes) {
    out += "\n";
    out += kNoteIndent;
    out += note;
  }
  return out;
}

void Diagnostics::error(SourcePos pos, std::string path, std::string message, std::vector<std::string> notes) {
  add(Diagnostic{Severity::kError, std::move(pos), std::move(path), std::move(message), std::move(notes)});
}

void Diagnostics::warning(SourcePos pos, std::string path, std::string message, std::vector<std::string> notes) {
  add(Diagnostic{Severity::kWarning, std::move(pos), std::move(path), std::move(message), std::move(notes)});
}

void Diagnostics::add(Diagnostic d) {
  // The same finding reached twice (e.g. by two checks of one node) is reported once.
  for (const auto& existing : list_) {
    if (existing.severity == d.severity && existing.pos.file == d.pos.file && existing.pos.line == d.pos.line &&
        existing.pos.column == d.pos.column && existing.path == d.path && existing.message == d.message) {
      return;
    }
  }
  if (d.severity == Severity::kError) ++errors_;
  list_.push_back(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.all()) add(d);
}

void Diagnostics::sort() {
  std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tuple(file_rank(a.pos.file), a.pos.line, a.pos.column) <
           std::tuple(file_rank(b.pos.file), b.pos.line, b.pos.column);
  });
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : list_) out += d.to_string() + "\n";
  return out;
}

}  // namespace wb::config

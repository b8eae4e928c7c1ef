// Parsing one pipeline file (see yaml_file.h).
#include "config/yaml_file.h"

#include <cctype>
#include <map>
#include <regex>

namespace wb::config::detail {
namespace {

constexpr std::string_view kQuotedTag = "!";  // yaml-cpp's tag of a non-plain (quoted or block) scalar

// yaml-cpp's messages for broken structure; a hint helps more than the parser's wording.
std::string explain_parser_message(const std::string& msg) {
  if (msg.find("end of map not found") != std::string::npos || msg.find("illegal map value") != std::string::npos ||
      msg.find("end of sequence not found") != std::string::npos ||
      msg.find("block sequence entries are not allowed") != std::string::npos) {
    return "malformed YAML: " + msg + " (check the indentation)";
  }
  return "malformed YAML: " + msg;
}

bool looks_like_number(const std::string& s) {
  static const std::regex number(R"([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+)");
  return std::regex_match(s, number);
}

bool looks_like_bool(const std::string& s) {
  static const std::regex boolean("true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF");
  return std::regex_match(s, boolean);
}

}  // namespace

YamlFile::YamlFile(std::string name, std::string text, Diagnostics& diags)
    : name_(std::move(name)), text_(std::move(text)), diags_(diags) {}

SourcePos YamlFile::pos(const YAML::Mark& mark) const {
  if (mark.line < 0) return file_start();
  return SourcePos{name_, mark.line + 1, mark.column + 1};
}

SourcePos YamlFile::pos(const YAML::Node& node) const { return pos(node.Mark()); }

void YamlFile::error(const SourcePos& at, std::string path, std::string message, std::vector<std::string> notes) {
  diags_.error(at, std::move(path), std::move(message), std::move(notes));
}

void YamlFile::warning(const SourcePos& at, std::string path, std::string message) {
  diags_.warning(at, std::move(path), std::move(message));
}

bool YamlFile::check_tabs() {
  bool ok = true;
  int line = 1;
  size_t start = 0;
  while (start <= text_.size()) {
    size_t end = text_.find('\n', start);
    if (end == std::string::npos) end = text_.size();
    std::string_view l(text_.data() + start, end - start);
    size_t first = l.find_first_not_of(" \t\r");
    if (first != std::string_view::npos) {
      size_t tab = l.substr(0, first).find('\t');
      if (tab != std::string_view::npos) {
        error(SourcePos{name_, line, static_cast<int>(tab) + 1}, "",
              "malformed YAML: found a tab character in indentation, expected spaces");
        ok = false;
      }
    }
    if (end == text_.size()) break;
    start = end + 1;
    ++line;
  }
  return ok;
}

bool YamlFile::parse() {
  if (!check_tabs()) return false;
  try {
    root_ = YAML::Load(text_);
  } catch (const YAML::Exception& e) {
    error(pos(e.mark), "", explain_parser_message(e.msg));
    return false;
  }
  check_duplicate_keys(root_, "");
  return true;
}

void YamlFile::check_duplicate_keys(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) {
    std::map<std::string, int> seen;  // key -> line of its first occurrence
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node& key = it->first;
      std::string name = key.IsScalar() ? key.Scalar() : std::string();
      if (key.IsScalar()) {
        auto [prev, inserted] = seen.emplace(name, pos(key).line);
        if (!inserted) {
          error(pos(key), child_path(path, name),
                "duplicate key, first defined at line " + std::to_string(prev->second));
          continue;
        }
      }
      check_duplicate_keys(it->second, child_path(path, name));
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) check_duplicate_keys(node[i], index_path(path, i));
  }
}

SourcePos YamlFile::scalar_text_pos(const YAML::Node& scalar, bool* block) const {
  SourcePos p = pos(scalar);
  *block = false;
  // Find the scalar's first character in the raw text to see how it was written.
  size_t line_start = 0;
  for (int l = 1; l < p.line && line_start != std::string::npos; ++l) {
    line_start = text_.find('\n', line_start);
    if (line_start != std::string::npos) ++line_start;
  }
  if (line_start == std::string::npos) return p;
  size_t at = line_start + static_cast<size_t>(p.column - 1);
  if (at >= text_.size()) return p;
  char c = text_[at];
  if (c == '"' || c == '\'') {
    p.column += 1;
    return p;
  }
  if (c == '|' || c == '>') {
    // The content starts on the next non-blank line, at its indentation.
    size_t next = text_.find('\n', at);
    int line = p.line;
    while (next != std::string::npos) {
      ++line;
      size_t ls = next + 1;
      size_t le = text_.find('\n', ls);
      std::string_view l(text_.data() + ls, (le == std::string::npos ? text_.size() : le) - ls);
      size_t first = l.find_first_not_of(' ');
      if (first != std::string_view::npos && l.find_first_not_of(" \r") != std::string_view::npos) {
        *block = true;
        return SourcePos{name_, line, static_cast<int>(first) + 1};
      }
      next = le;
    }
  }
  return p;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.Tag() != kQuotedTag) {
    if (looks_like_number(node.Scalar())) return "a number";
    if (looks_like_bool(node.Scalar())) return "a boolean";
  }
  return "a string";
}

std::string describe_value(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull() || !node.IsScalar()) return describe(node);
  std::string out = "\"";
  for (char c : node.Scalar()) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string child_path(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

std::string index_path(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

}  // namespace wb::config::detail

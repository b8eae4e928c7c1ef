// Internal to the loader: one pipeline file parsed with yaml-cpp, with the checks yaml-cpp does
// not make (tabs in indentation, duplicate keys — yaml-cpp keeps both silently) and its parse
// errors turned into findings at file:line:col like every other.
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "config/diagnostics.h"

namespace wb::config::detail {

class YamlFile {
 public:
  YamlFile(std::string name, std::string text, Diagnostics& diags);

  // Parses the text. Returns false (after reporting why) when there is nothing trustworthy to
  // read: malformed YAML or tabs in indentation. Duplicate keys are reported but do not stop
  // reading (the first occurrence is used).
  bool parse();

  const YAML::Node& root() const { return root_; }
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  SourcePos pos(const YAML::Mark& mark) const;
  SourcePos pos(const YAML::Node& node) const;
  SourcePos file_start() const { return SourcePos{name_, 1, 1}; }

  // Where a scalar's text begins: after an opening quote; on the first content line of a block
  // scalar (| or >), setting *block.
  SourcePos scalar_text_pos(const YAML::Node& scalar, bool* block) const;

  void error(const SourcePos& at, std::string path, std::string message, std::vector<std::string> notes = {});
  void warning(const SourcePos& at, std::string path, std::string message);
  Diagnostics& diags() { return diags_; }

 private:
  bool check_tabs();
  void check_duplicate_keys(const YAML::Node& node, const std::string& path);

  std::string name_;
  std::string text_;
  Diagnostics& diags_;
  YAML::Node root_;
};

// "a mapping", "a list", "nothing", "a number", "a boolean", "a string".
std::string describe(const YAML::Node& node);
// Like describe, but a scalar is shown as its quoted text: "hashh".
std::string describe_value(const YAML::Node& node);
// a.b, a[3]
std::string child_path(const std::string& path, std::string_view key);
std::string index_path(const std::string& path, size_t index);

}  // namespace wb::config::detail

// Internal to the loader: reading typed fields out of YAML mappings, reporting every problem as a
// finding (found X, expected Y) and carrying on, so that one run reports all of them.
#pragma once
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_file.h"

namespace wb::config::detail {

enum class Need { kOptional, kRequired };

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// A YAML mapping being read. Lookups return the first occurrence of a key (duplicates were
// reported when the file was parsed).
class MapView {
 public:
  MapView(YamlFile& file, const YAML::Node& node, std::string path);

  // Reports every key that is not one of known, suggesting the closest known one. A required
  // field that was suggested for a misspelt key is not reported missing again by get().
  void check_known(const std::vector<std::string>& known);

  const Entry* find(std::string_view key) const;
  // The entry when present and not null (a key with no value counts as absent for optional
  // fields); reports a missing required field.
  const Entry* get(std::string_view key, Need need);

  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  SourcePos pos() const { return pos_; }
  SourcePos key_pos(const Entry& e) const { return file_.pos(e.key_node); }
  // The value's position, or the key's when the value is null (yaml-cpp marks nulls oddly).
  SourcePos value_pos(const Entry& e) const;
  YamlFile& file() const { return file_; }

  void error_at(const Entry& e, std::string message) const;  // at the value, path = key's path

 private:
  YamlFile& file_;
  std::string path_;
  SourcePos pos_;
  std::vector<Entry> entries_;
  std::vector<std::string> suggested_;  // known names offered as "did you mean"
};

// If node is a mapping, true; otherwise reports "expected <what>, found X" at `at` and returns false.
bool expect_map(YamlFile& file, const YAML::Node& node, const SourcePos& at, const std::string& path,
                std::string_view what);

// Typed fields. Each returns nullopt when the field is absent (optional) or wrong (reported).
std::optional<std::string> read_string(MapView& m, std::string_view key, Need need);
// A non-empty string.
std::optional<std::string> read_name(MapView& m, std::string_view key, Need need);
std::optional<long long> read_int(MapView& m, std::string_view key, long long min, long long max, Need need);
std::optional<std::string> read_enum(MapView& m, std::string_view key, const std::vector<std::string>& values,
                                     Need need);
// A list of non-empty strings.
std::optional<std::vector<std::string>> read_string_list(MapView& m, std::string_view key, Need need);

// The scalar's text if node is a scalar, else reports "expected <expected>, found X".
std::optional<std::string> scalar_text(YamlFile& file, const YAML::Node& node, const SourcePos& at,
                                       const std::string& path, std::string_view expected);

// "a, b or c"
std::string join_alternatives(const std::vector<std::string>& values);

}  // namespace wb::config::detail

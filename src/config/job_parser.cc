// Parser of one job file: source, transform and output (see parsers.h).
#include <algorithm>
#include <cctype>
#include <regex>

#include "config/job_parts.h"
#include "config/parsers.h"
#include "module/glob.h"

namespace wb::config::detail {
namespace {

const std::vector<std::string> kJobFields = {"source", "transform", "output", "name"};
const std::vector<std::string> kSourceFields = {"redis", "keyspace", "stream", "row_format"};
const std::vector<std::string> kSourceKinds = {"redis", "keyspace", "stream"};
const std::vector<std::string> kRedisSourceFields = {"key_pattern", "trigger", "exclude_commands"};
const std::vector<std::string> kKeyspaceSourceFields = {"pattern", "exclude-commands"};
const std::vector<std::string> kStreamSourceFields = {"name", "start_id"};
const std::vector<std::string> kTriggers = {"write-behind"};
const std::vector<std::string> kRowFormats = {"data_only", "full"};

// What the capture module takes after EXCLUDE (event names as Redis fires them, compared in lower
// case), and the words it reads as the next keyword instead.
constexpr size_t kMaxExcludedCommands = 64;
constexpr size_t kMaxCommandNameLength = 64;
const std::vector<std::string> kModuleKeywords = {"pattern", "exclude", "expired", "evicted"};

bool is_command_name(const std::string& s) {
  static const std::regex command("[A-Za-z0-9._-]+");
  return s.size() <= kMaxCommandNameLength && std::regex_match(s, command);
}

bool is_stream_id(const std::string& s) {
  static const std::regex id(R"(\$|[0-9]+(-[0-9]+)?)");
  return std::regex_match(s, id);
}

void read_exclude_commands(MapView& m, std::string_view key, Source& source) {
  const Entry* e = m.get(key, Need::kOptional);
  if (e == nullptr) return;
  if (!e->value.IsSequence()) {
    m.error_at(*e, "expected a list of Redis command names, found " + describe(e->value));
    return;
  }
  for (size_t i = 0; i < e->value.size(); ++i) {
    const YAML::Node item = e->value[i];
    std::string path = index_path(m.path_of(key), i);
    SourcePos at = item.IsNull() ? m.value_pos(*e) : m.file().pos(item);
    if (!item.IsScalar() || !is_command_name(item.Scalar())) {
      m.file().error(at, path, "expected a Redis command name, found " +
                                   (item.IsScalar() ? describe_value(item) : describe(item)));
      continue;
    }
    std::string c = item.Scalar();
    std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (std::find(kModuleKeywords.begin(), kModuleKeywords.end(), c) != kModuleKeywords.end()) {
      m.file().error(at, path, "expected a Redis command name, found \"" + c + "\"" +
                                   (c == "expired" || c == "evicted" ? " (expired and evicted keys are not captured)" : ""));
      continue;
    }
    if (source.exclude_commands.size() == kMaxExcludedCommands) {
      m.file().error(at, path, "expected at most " + std::to_string(kMaxExcludedCommands) + " commands, found more");
      break;
    }
    source.exclude_commands.push_back(c);
  }
}

// The capture module's own rule for key patterns (module/glob.h): not empty, every '[' closed, no
// lone '\' at the end, bounded length — checked now rather than failing at deploy.
void check_key_pattern(MapView& m, std::string_view key, const std::string& pattern) {
  if (pattern.empty()) return;  // reported by read_name
  if (auto problem = glob::validate_glob(pattern)) {
    m.error_at(*m.find(key), "expected a Redis glob pattern, found \"" + pattern + "\": " + *problem);
  }
}

void parse_source(YamlFile& file, MapView& top, Source& source) {
  const Entry* e = top.get("source", Need::kRequired);
  if (e == nullptr) return;
  if (!expect_map(file, e->value, top.key_pos(*e), "source", "a mapping with redis (or keyspace, or stream)")) return;
  MapView m(file, e->value, "source");
  source.pos = file.pos(e->value);
  m.check_known(kSourceFields);

  const Entry* chosen = nullptr;
  for (const auto& kind : kSourceKinds) {
    const Entry* k = m.find(kind);
    if (k == nullptr) continue;
    if (chosen != nullptr) {
      file.error(m.key_pos(*k), m.path_of(k->key), "only one of redis, keyspace or stream may be given, found " +
                                                       chosen->key + " too");
      continue;
    }
    chosen = k;
  }
  if (chosen == nullptr) {
    file.error(m.pos(), "source", "expected one of redis, keyspace or stream, found none");
  } else {
    std::string path = m.path_of(chosen->key);
    std::string what = chosen->key == "stream" ? "a mapping with name and start_id"
                       : chosen->key == "redis" ? "a mapping with key_pattern, trigger and exclude_commands"
                                                : "a mapping with pattern and exclude-commands";
    if (expect_map(file, chosen->value, m.key_pos(*chosen), path, what)) {
      MapView s(file, chosen->value, path);
      if (chosen->key == "redis") {
        s.check_known(kRedisSourceFields);
        source.kind = SourceKind::kKeys;
        source.key_pattern = read_name(s, "key_pattern", Need::kRequired).value_or("");
        check_key_pattern(s, "key_pattern", source.key_pattern);
        read_enum(s, "trigger", kTriggers, Need::kOptional);
        read_exclude_commands(s, "exclude_commands", source);
      } else if (chosen->key == "keyspace") {
        s.check_known(kKeyspaceSourceFields);
        source.kind = SourceKind::kKeys;
        source.legacy_keyspace_spelling = true;
        source.key_pattern = read_name(s, "pattern", Need::kRequired).value_or("");
        check_key_pattern(s, "pattern", source.key_pattern);
        read_exclude_commands(s, "exclude-commands", source);
      } else {
        s.check_known(kStreamSourceFields);
        source.kind = SourceKind::kStream;
        source.stream_name = read_name(s, "name", Need::kRequired).value_or("");
        if (auto id = read_name(s, "start_id", Need::kOptional)) {
          if (is_stream_id(*id)) {
            source.start_id = *id;
          } else {
            s.error_at(*s.find("start_id"), "expected a stream entry id (such as 0-0 or 1700000000000-0) or $, found \"" +
                                                *id + "\"");
          }
        }
      }
    }
  }
  if (auto f = read_enum(m, "row_format", kRowFormats, Need::kOptional)) {
    source.row_format = *f == "full" ? RowFormat::kFull : RowFormat::kDataOnly;
  }
}

void parse_transforms(YamlFile& file, MapView& top, Job& job) {
  const Entry* e = top.get("transform", Need::kOptional);
  if (e == nullptr) return;
  if (!e->value.IsSequence()) {
    top.error_at(*e, "expected a list of transform blocks (- uses: ...), found " + describe(e->value));
    return;
  }
  for (size_t i = 0; i < e->value.size(); ++i) {
    auto block = parse_transform_block(file, e->value[i], index_path("transform", i));
    if (block) job.transforms.push_back(std::move(*block));
  }
}

void parse_outputs(YamlFile& file, MapView& top, Job& job) {
  const Entry* e = top.get("output", Need::kRequired);
  if (e == nullptr) return;
  if (!e->value.IsSequence()) {
    top.error_at(*e, "expected a list of outputs (- uses: relational.write ...), found " + describe(e->value));
    return;
  }
  if (e->value.size() == 0) {
    top.error_at(*e, "expected at least one output, found an empty list");
    return;
  }
  for (size_t i = 0; i < e->value.size(); ++i) {
    auto output = parse_output(file, e->value[i], index_path("output", i));
    if (output) job.outputs.push_back(std::move(*output));
  }
}

}  // namespace

void parse_job_file(YamlFile& file, Job& job) {
  const YAML::Node& root = file.root();
  if (!expect_map(file, root, file.file_start(), "", "a job (a mapping with source, transform and output)")) return;
  MapView top(file, root, "");
  top.check_known(kJobFields);
  if (auto name = read_string(top, "name", Need::kOptional); name && *name != job.name) {
    file.warning(top.value_pos(*top.find("name")), "name",
                 "ignored: a job is named after its file (\"" + job.name + "\")");
  }
  parse_source(file, top, job.source);
  parse_transforms(file, top, job);
  parse_outputs(file, top, job);
}

}  // namespace wb::config::detail

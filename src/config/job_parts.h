// Internal to the loader: the pieces of a job file (transform blocks, outputs) and the readers
// they share (expressions, column lists).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/pipeline.h"
#include "config/yaml_fields.h"

namespace wb::config::detail {

// transform[i] / output[i]: returns nullopt when the block is unusable (reported).
std::optional<TransformBlock> parse_transform_block(YamlFile& file, const YAML::Node& node, const std::string& path);
std::optional<Output> parse_output(YamlFile& file, const YAML::Node& node, const std::string& path);

// `language` of a block (jmespath | sql).
std::optional<Language> read_language(MapView& m, Need need);

// The expression text under key, with its position; language and role given by the caller.
std::optional<Expression> read_expression(MapView& m, std::string_view key, Language language, ExpressionRole role,
                                          Need need);
// An expression from a scalar node that is not a plain field of a map (e.g. a map block's field).
std::optional<Expression> expression_from(YamlFile& file, const YAML::Node& node, const SourcePos& at,
                                          const std::string& path, Language language, ExpressionRole role);

enum class MappingOrder {
  kColumnFromSource,  // relational/cassandra: {column: source_path}
  kSourceToTarget,    // redis.write: {field: target_name}
};

// keys / mapping: a list of `name` or `{name: other}`. Column names are checked as identifiers
// when check_identifiers.
std::optional<std::vector<ColumnMapping>> read_columns(MapView& m, std::string_view key, Need need, MappingOrder order,
                                                       bool check_identifiers);

// Reports an identifier problem (identifiers.h) of the value under key.
void check_identifier(MapView& m, std::string_view key, const std::string& name, std::string_view what);

}  // namespace wb::config::detail

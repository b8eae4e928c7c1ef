// Parser of output blocks: relational.write, redis.write, cassandra.write (see job_parts.h).
#include <cctype>

#include "config/identifiers.h"
#include "config/job_parts.h"

namespace wb::config::detail {
namespace {

constexpr long long kMaxExpireS = 2'147'483'647;  // Redis EXPIRE takes any 64-bit value; keep it sane

const std::vector<std::string> kBlockFields = {"uses", "with"};
const std::vector<std::string> kWriters = {"relational.write", "redis.write", "cassandra.write"};
const std::vector<std::string> kRelationalFields = {"connection",   "schema",        "table",
                                                    "keys",         "mapping",       "foreach",
                                                    "opcode_field", "load_strategy", "active_record_indicator",
                                                    "inactive_record_mapping"};
const std::vector<std::string> kLoadStrategies = {"APPEND", "REPLACE", "UPSERT", "TYPE2"};
const std::vector<std::string> kInactiveItemFields = {"source", "target"};
const std::vector<std::string> kRedisFields = {"connection", "data_type", "key",    "args",
                                               "mapping",    "on_update", "expire", "nest"};
const std::vector<std::string> kRedisDataTypes = {"hash", "json", "set", "sorted_set", "stream", "string"};
const std::vector<std::string> kRedisKeyFields = {"expression", "language"};
const std::vector<std::string> kRedisArgs = {"member", "score", "value"};
const std::vector<std::string> kOnUpdate = {"replace", "merge"};
const std::vector<std::string> kNestFields = {"parent", "parent_key", "child_key", "nesting_key", "path", "structure"};
const std::vector<std::string> kCassandraFields = {"connection", "keyspace", "table", "keys", "mapping", "opcode_field"};

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool is_alias(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

// foreach: "alias: <jmespath>" (RDI's pattern: a ':' that is neither first nor last).
std::optional<Foreach> read_foreach(MapView& m) {
  const Entry* e = m.get("foreach", Need::kOptional);
  if (e == nullptr) return std::nullopt;
  YamlFile& file = m.file();
  auto whole = expression_from(file, e->value, m.key_pos(*e), m.path_of("foreach"), Language::kJmespath,
                               ExpressionRole::kForeach);
  if (!whole) return std::nullopt;
  const std::string& text = whole->text;
  size_t colon = text.find(':');
  if (colon == std::string::npos || trim(text.substr(0, colon)).empty() || trim(text.substr(colon + 1)).empty()) {
    m.error_at(*e, "expected \"alias: <jmespath expression>\", found \"" + text + "\"");
    return std::nullopt;
  }
  Foreach f;
  f.alias = trim(text.substr(0, colon));
  if (!is_alias(f.alias)) {
    m.error_at(*e, "foreach alias \"" + f.alias + "\" must be letters, digits and '_'");
    return std::nullopt;
  }
  size_t start = text.find_first_not_of(" \t", colon + 1);
  f.expression = *whole;
  f.expression.text = trim(text.substr(start));
  f.expression.pos = whole->position_of(start);
  return f;
}

std::optional<std::vector<InactiveRecordColumn>> read_inactive_mapping(MapView& m) {
  const Entry* e = m.get("inactive_record_mapping", Need::kOptional);
  if (e == nullptr) return std::nullopt;
  YamlFile& file = m.file();
  std::string path = m.path_of("inactive_record_mapping");
  if (!e->value.IsSequence()) {
    m.error_at(*e, "expected a list of {source: <sql expression>, target: column}, found " + describe(e->value));
    return std::nullopt;
  }
  std::vector<InactiveRecordColumn> out;
  for (size_t i = 0; i < e->value.size(); ++i) {
    const YAML::Node item = e->value[i];
    std::string ipath = index_path(path, i);
    if (!expect_map(file, item, m.value_pos(*e), ipath, "{source: <sql expression>, target: column}")) continue;
    MapView im(file, item, ipath);
    im.check_known(kInactiveItemFields);
    auto source = read_name(im, "source", Need::kRequired);
    if (!source) continue;
    InactiveRecordColumn c;
    c.source = *source;
    c.pos = file.pos(item);
    if (im.get("target", Need::kOptional) != nullptr) {
      auto target = read_name(im, "target", Need::kOptional);
      if (!target) continue;  // reported
      c.target = *target;
      if (auto problem = identifier_problem(c.target)) {
        im.error_at(*im.find("target"), "column name \"" + c.target + "\" " + *problem);
        continue;
      }
    } else {
      // Without target, source must name the column (RDI: "target defaults to the source column").
      if (identifier_problem(c.source)) {
        file.error(im.pos(), ipath, "missing required field \"target\" (source \"" + c.source +
                                        "\" is an expression, not a column name)");
        continue;
      }
      c.target = c.source;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<std::string> read_connection(MapView& m, Need need, Output& out) {
  auto c = read_name(m, "connection", need);
  const Entry* e = m.find("connection");
  out.connection_pos = e != nullptr ? m.value_pos(*e) : out.pos;
  return c;
}

void parse_relational(MapView& m, Output& out) {
  m.check_known(kRelationalFields);
  RelationalWrite w;
  w.connection = read_connection(m, Need::kRequired, out).value_or("");
  if (auto schema = read_name(m, "schema", Need::kOptional)) {
    w.schema = *schema;
    check_identifier(m, "schema", w.schema, "schema name");
  }
  if (auto table = read_name(m, "table", Need::kRequired)) {
    w.table = *table;
    check_identifier(m, "table", w.table, "table name");
  }
  auto keys = read_columns(m, "keys", Need::kOptional, MappingOrder::kColumnFromSource, true);
  const Entry* keys_entry = m.find("keys");
  // Keys that were written but could not be read have been reported already.
  const bool keys_unreadable = keys_entry != nullptr && !keys_entry->value.IsNull() && !keys;
  w.keys = keys.value_or(w.keys);
  w.mapping = read_columns(m, "mapping", Need::kOptional, MappingOrder::kColumnFromSource, true).value_or(w.mapping);
  w.foreach = read_foreach(m);
  w.opcode_field = read_name(m, "opcode_field", Need::kOptional).value_or("");
  if (auto s = read_enum(m, "load_strategy", kLoadStrategies, Need::kOptional)) {
    for (size_t i = 0; i < kLoadStrategies.size(); ++i) {
      if (kLoadStrategies[i] == *s) w.load_strategy = static_cast<LoadStrategy>(i);
    }
  }
  w.active_record_indicator = read_name(m, "active_record_indicator", Need::kOptional).value_or("");
  w.inactive_record_mapping = read_inactive_mapping(m).value_or(w.inactive_record_mapping);

  const Entry* strategy = m.find("load_strategy");
  if (w.load_strategy && *w.load_strategy != LoadStrategy::kAppend && w.keys.empty() && !keys_unreadable) {
    m.file().error(m.value_pos(*strategy), m.path_of("keys"),
                   "expected key columns for load_strategy " + std::string(to_string(*w.load_strategy)) +
                       ", found none");
  }
  if (w.load_strategy == LoadStrategy::kType2) {
    if (m.find("active_record_indicator") == nullptr) {
      m.file().error(m.value_pos(*strategy), m.path_of("active_record_indicator"),
                     "expected an SQL condition selecting the active row for load_strategy TYPE2, found none");
    }
    if (m.find("inactive_record_mapping") == nullptr) {
      m.file().error(m.value_pos(*strategy), m.path_of("inactive_record_mapping"),
                     "expected the columns that close an active row for load_strategy TYPE2, found none");
    }
  } else {
    for (const char* key : {"active_record_indicator", "inactive_record_mapping"}) {
      if (const Entry* e = m.find(key)) {
        m.file().warning(m.key_pos(*e), m.path_of(key), "has no effect unless load_strategy is TYPE2");
      }
    }
  }
  out.writer = std::move(w);
}

void parse_nest(MapView& m, RedisWrite& w) {
  const Entry* e = m.get("nest", Need::kOptional);
  if (e == nullptr) return;
  std::string path = m.path_of("nest");
  if (!expect_map(m.file(), e->value, m.key_pos(*e), path, "a mapping with parent, parent_key, nesting_key and path")) {
    return;
  }
  MapView n(m.file(), e->value, path);
  n.check_known(kNestFields);
  if (const Entry* parent = n.get("parent", Need::kRequired)) {
    if (expect_map(m.file(), parent->value, n.key_pos(*parent), n.path_of("parent"), "a mapping with table")) {
      MapView p(m.file(), parent->value, n.path_of("parent"));
      p.check_known({"server_name", "schema", "table"});
      read_name(p, "table", Need::kRequired);
    }
  }
  read_name(n, "parent_key", Need::kRequired);
  read_name(n, "nesting_key", Need::kRequired);
  read_name(n, "path", Need::kRequired);
  read_enum(n, "structure", {"map"}, Need::kOptional);
  w.nest = true;
  m.file().warning(m.key_pos(*e), path, "accepted, but nesting is not supported yet by this build");
}

void parse_redis(MapView& m, Output& out) {
  m.check_known(kRedisFields);
  RedisWrite w;
  w.connection = read_connection(m, Need::kOptional, out).value_or(w.connection);
  if (auto t = read_enum(m, "data_type", kRedisDataTypes, Need::kOptional)) {
    for (size_t i = 0; i < kRedisDataTypes.size(); ++i) {
      if (kRedisDataTypes[i] == *t) w.data_type = static_cast<RedisDataType>(i);
    }
  }
  parse_nest(m, w);
  YamlFile& file = m.file();
  if (const Entry* key = m.get("key", w.nest ? Need::kOptional : Need::kRequired)) {
    std::string path = m.path_of("key");
    if (expect_map(file, key->value, m.key_pos(*key), path, "a mapping with expression and language")) {
      MapView k(file, key->value, path);
      k.check_known(kRedisKeyFields);
      auto language = read_language(k, Need::kRequired);
      auto x = read_expression(k, "expression", language.value_or(Language::kJmespath), ExpressionRole::kRedisKey,
                               Need::kRequired);
      if (language && x) w.key = std::move(x);
    }
  }
  const bool set_like = w.data_type == RedisDataType::kSet || w.data_type == RedisDataType::kSortedSet;
  const Entry* args = m.get("args", Need::kOptional);
  if (args != nullptr) {
    std::string path = m.path_of("args");
    if (expect_map(file, args->value, m.key_pos(*args), path, "a mapping with member, score or value")) {
      MapView a(file, args->value, path);
      a.check_known(kRedisArgs);
      w.member = read_name(a, "member", set_like ? Need::kRequired : Need::kOptional).value_or("");
      w.score = read_name(a, "score", w.data_type == RedisDataType::kSortedSet ? Need::kRequired : Need::kOptional)
                    .value_or("");
      w.value = read_name(a, "value", w.data_type == RedisDataType::kString ? Need::kRequired : Need::kOptional)
                    .value_or("");
      std::string type(to_string(w.data_type));
      if (!set_like && a.find("member") != nullptr) {
        a.error_at(*a.find("member"), "applies only to data_type set and sorted_set, found data_type " + type);
      }
      if (w.data_type != RedisDataType::kSortedSet && a.find("score") != nullptr) {
        a.error_at(*a.find("score"), "applies only to data_type sorted_set, found data_type " + type);
      }
      if (w.data_type != RedisDataType::kString && a.find("value") != nullptr) {
        a.error_at(*a.find("value"), "applies only to data_type string, found data_type " + type);
      }
    }
  } else if ((set_like || w.data_type == RedisDataType::kString) && !w.nest) {
    std::string needed = w.data_type == RedisDataType::kSet          ? "args.member"
                         : w.data_type == RedisDataType::kSortedSet ? "args.member and args.score"
                                                                    : "args.value";
    file.error(m.pos(), m.path_of("args"),
               "expected " + needed + " for data_type " + std::string(to_string(w.data_type)) + ", found none");
  }
  if (const Entry* mapping = m.find("mapping"); mapping != nullptr && (set_like || w.data_type == RedisDataType::kString)) {
    file.error(m.key_pos(*mapping), m.path_of("mapping"),
               "applies only to data_type hash, json and stream, found data_type " + std::string(to_string(w.data_type)));
  } else {
    w.mapping = read_columns(m, "mapping", Need::kOptional, MappingOrder::kSourceToTarget, false).value_or(w.mapping);
  }
  if (auto u = read_enum(m, "on_update", kOnUpdate, Need::kOptional)) {
    w.on_update = *u == "merge" ? OnUpdate::kMerge : OnUpdate::kReplace;
  }
  if (auto x = read_int(m, "expire", 0, kMaxExpireS, Need::kOptional)) w.expire_s = static_cast<int>(*x);
  out.writer = std::move(w);
}

void parse_cassandra(MapView& m, Output& out) {
  m.check_known(kCassandraFields);
  CassandraWrite w;
  w.connection = read_connection(m, Need::kRequired, out).value_or("");
  if (auto ks = read_name(m, "keyspace", Need::kRequired)) {
    w.keyspace = *ks;
    check_identifier(m, "keyspace", w.keyspace, "keyspace name");
  }
  if (auto table = read_name(m, "table", Need::kRequired)) {
    w.table = *table;
    check_identifier(m, "table", w.table, "table name");
  }
  w.keys = read_columns(m, "keys", Need::kRequired, MappingOrder::kColumnFromSource, true).value_or(w.keys);
  w.mapping = read_columns(m, "mapping", Need::kRequired, MappingOrder::kColumnFromSource, true).value_or(w.mapping);
  w.opcode_field = read_name(m, "opcode_field", Need::kOptional).value_or("");
  out.writer = std::move(w);
}

}  // namespace

std::optional<Output> parse_output(YamlFile& file, const YAML::Node& node, const std::string& path) {
  if (!expect_map(file, node, file.pos(node), path, "an output block (a mapping with uses and with)")) {
    return std::nullopt;
  }
  MapView block(file, node, path);
  block.check_known(kBlockFields);
  auto uses = read_enum(block, "uses", kWriters, Need::kRequired);
  const Entry* with = block.get("with", Need::kRequired);
  if (!uses || with == nullptr) return std::nullopt;
  std::string with_path = block.path_of("with");
  if (!expect_map(file, with->value, block.key_pos(*with), with_path, "a mapping of the writer's settings")) {
    return std::nullopt;
  }
  Output out;
  out.pos = block.key_pos(*block.find("uses"));
  MapView m(file, with->value, with_path);
  if (*uses == "relational.write") {
    parse_relational(m, out);
  } else if (*uses == "redis.write") {
    parse_redis(m, out);
  } else {
    parse_cassandra(m, out);
  }
  return out;
}

}  // namespace wb::config::detail

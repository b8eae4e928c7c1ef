// Stream entry -> ChangeRecord (see entry_decoder.h).
#include "source/entry_decoder.h"

#include <charconv>

namespace wb {
namespace {

using nlohmann::json;

// The five header pairs every captured entry starts with, in this order.
constexpr const char* kHeaderNames[] = {"key", "op", "cmd", "type", "ts"};
constexpr size_t kHeaderPairs = 5;

bool looks_like_json_object(const std::string& text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

// A string value: the members of the JSON object it holds, else {value: text}.
json string_record(const std::string& text) {
  if (looks_like_json_object(text)) {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object()) return doc;
  }
  return json{{"value", text}};
}

json wrap_full(const std::string& key, Op op, json after) {
  json rec = json::object();
  rec["key"] = json{{"key", key}};
  rec["before"] = nullptr;
  rec["after"] = op == Op::Delete ? json(nullptr) : std::move(after);
  rec["opcode"] = std::string(1, op_code(op));
  return rec;
}

DecodeResult failure(std::string why) {
  DecodeResult r;
  r.error = std::move(why);
  return r;
}

DecodeResult decode_captured(StreamEntry& entry, RowFormat format) {
  const EntryFields& f = entry.fields;
  if (f.size() < kHeaderPairs) return failure("malformed entry: fewer than the 5 header fields");
  for (size_t i = 0; i < kHeaderPairs; ++i) {
    if (f[i].first != kHeaderNames[i]) {
      return failure("malformed entry: field " + std::to_string(i + 1) + " is '" + f[i].first + "', expected '" +
                     kHeaderNames[i] + "'");
    }
  }
  ChangeRecord rec;
  rec.redis_key = f[0].second;
  auto op = parse_op(f[1].second);
  if (!op) return failure("malformed entry: unknown op '" + f[1].second + "'");
  rec.op = *op;
  rec.cmd = f[2].second;
  const std::string& type = f[3].second;
  {
    const std::string& ts = f[4].second;
    auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), rec.ts_ms);
    if (ec != std::errc() || end != ts.data() + ts.size()) return failure("malformed entry: bad ts '" + ts + "'");
  }
  rec.format = format;

  // data_only hashes and deletes stay flat (change_record.h): the record is a range of the fields.
  const bool is_hash = type == "hash";
  if (format == RowFormat::DataOnly && (rec.op == Op::Delete || is_hash)) {
    const size_t data_first = rec.op == Op::Delete ? f.size() : kHeaderPairs;
    const size_t data_last = f.size();
    rec.entry_id = std::move(entry.id);
    rec.original = std::move(entry.fields);
    rec.set_flat(data_first, data_last);
    DecodeResult r;
    r.record = std::move(rec);
    return r;
  }

  json data = json::object();
  if (rec.op != Op::Delete) {
    if (is_hash) {
      for (size_t i = kHeaderPairs; i < f.size(); ++i) data[f[i].first] = f[i].second;
    } else if (type == "string" || type == "json") {
      if (f.size() != kHeaderPairs + 1 || f[kHeaderPairs].first != "value") {
        return failure("malformed entry: a " + type + " entry must carry exactly one 'value' field");
      }
      const std::string& text = f[kHeaderPairs].second;
      if (type == "string") {
        data = string_record(text);
      } else {
        json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) return failure("malformed entry: the JSON document does not parse");
        data = doc.is_object() ? std::move(doc) : json{{"value", std::move(doc)}};
      }
    } else {
      return failure("malformed entry: type '" + type + "' for op " + std::string(1, op_code(rec.op)));
    }
  }
  rec.set_record(format == RowFormat::Full ? wrap_full(rec.redis_key, rec.op, std::move(data)) : std::move(data));
  rec.entry_id = std::move(entry.id);
  rec.original = std::move(entry.fields);
  DecodeResult r;
  r.record = std::move(rec);
  return r;
}

DecodeResult decode_app_event(StreamEntry& entry, RowFormat format) {
  ChangeRecord rec;
  rec.op = Op::Create;
  rec.format = format;
  // The entry id's first part is the time the application appended the event.
  std::from_chars(entry.id.data(), entry.id.data() + entry.id.size(), rec.ts_ms);
  if (format == RowFormat::Full) {
    json data = json::object();
    for (const auto& [field, value] : entry.fields) data[field] = value;  // a repeated field: the last wins
    rec.set_record(wrap_full(entry.id, Op::Create, std::move(data)));
  }
  rec.entry_id = std::move(entry.id);
  rec.original = std::move(entry.fields);
  if (format == RowFormat::DataOnly) rec.set_flat(0, rec.original.size());  // flat: every field
  DecodeResult r;
  r.record = std::move(rec);
  return r;
}

}  // namespace

DecodeResult decode_entry(StreamEntry entry, SourceKind kind, RowFormat format) {
  DecodeResult r = entry.deleted                  ? failure("entry no longer exists in the stream")
                   : kind == SourceKind::Captured ? decode_captured(entry, format)
                                                  : decode_app_event(entry, format);
  if (!r.record) {
    r.entry_id = std::move(entry.id);
    r.original = std::move(entry.fields);
  }
  return r;
}

}  // namespace wb

// Records -> TableWrites for one output (see output_mapper.h).
#include "applier/output_mapper.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <span>
#include <unordered_map>

#include "source/record_path.h"

namespace wb::applier {
namespace {

using nlohmann::json;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool complete(const KeyTuple& t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](const auto& v) { return v.has_value(); });
}

// The object whose members are a record's fields: the record itself, or `after` in full format.
// Not for flat records (it would build their JSON): see flat_columns().
const json* fields_of(const ChangeRecord& rec) {
  const json& record = rec.record();
  if (rec.format == RowFormat::Full) {
    auto it = record.find("after");
    return it != record.end() && it->is_object() ? &*it : nullptr;
  }
  return record.is_object() ? &record : nullptr;
}

// A flat record's fields as columns: its own fields in data_only; none in full format (a flat
// record is an object of strings, so it has no `after` object).
std::span<const EntryField> flat_columns(const ChangeRecord& rec) {
  if (rec.format == RowFormat::Full) return {};
  return rec.flat_fields();
}

}  // namespace

OutputMapper::OutputMapper(OutputPlan plan, RowFormat format, KeyTracker* tracker)
    : plan_(std::move(plan)), format_(format), tracker_(tracker) {
  for (const auto& k : plan_.keys) key_columns_.push_back(k.column);
  for (const auto& m : plan_.mapping) {
    if (std::find(key_columns_.begin(), key_columns_.end(), m.column) != key_columns_.end()) continue;
    if (std::find(mapped_columns_.begin(), mapped_columns_.end(), m.column) != mapped_columns_.end()) continue;
    mapped_columns_.push_back(m.column);
    mapped_sources_.push_back(m.source);
  }
  auto_columns_ = plan_.mapping.empty();
  keys_are_redis_key_ = !plan_.keys.empty() && !plan_.foreach &&
                        std::all_of(plan_.keys.begin(), plan_.keys.end(),
                                    [](const auto& k) { return k.source == kRedisKeyPath; });
}

void OutputMapper::set_table_columns(const std::vector<sink::Column>& columns) {
  candidate_columns_.clear();
  for (const auto& c : columns) {
    bool is_key = std::any_of(key_columns_.begin(), key_columns_.end(), [&](const auto& k) { return iequals(k, c.name); });
    bool is_type2 = false;
    if (plan_.type2) {
      is_type2 = iequals(plan_.type2->indicator_column, c.name) ||
                 std::any_of(plan_.type2->close_columns.begin(), plan_.type2->close_columns.end(),
                             [&](const auto& cc) { return iequals(cc.column, c.name); });
    }
    if (!is_key && !is_type2) candidate_columns_.push_back(c.name);
  }
  // Forget columns that no longer exist (a schema change).
  for (auto it = seen_columns_.begin(); it != seen_columns_.end();) {
    it = std::find(candidate_columns_.begin(), candidate_columns_.end(), *it) == candidate_columns_.end()
             ? seen_columns_.erase(it)
             : std::next(it);
  }
  columns_known_ = true;
}

Op OutputMapper::op_of(const ChangeRecord& rec) const {
  if (plan_.opcode_field.empty()) return rec.op;
  auto text = resolve_text(rec, plan_.opcode_field);
  if (text && (*text == "r" || *text == "c")) return Op::Create;  // r: a snapshot read, as Debezium writes it
  if (text) {
    if (auto op = parse_op(*text)) return *op;
  }
  return rec.op;
}

std::optional<std::string> OutputMapper::check(const ChangeRecord& rec) const {
  if (!plan_.foreach) return check_row(rec);
  if (rec.op == Op::Delete) return std::nullopt;
  std::vector<ChangeRecord> rows;
  try {
    rows = plan_.foreach(rec);
  } catch (const std::exception& e) {
    return std::string("foreach: ") + e.what();
  }
  for (const ChangeRecord& row : rows) {
    if (auto why = check_row(row)) return "foreach row: " + *why;
  }
  return std::nullopt;
}

std::optional<std::string> OutputMapper::check_row(const ChangeRecord& rec) const {
  if (!plan_.opcode_field.empty()) {
    auto text = resolve_text(rec, plan_.opcode_field);
    if (!text || (*text != "r" && !parse_op(*text))) {
      return "opcode_field '" + plan_.opcode_field + "' holds " + (text ? "'" + *text + "'" : std::string("nothing")) +
             ", expected c, u, d or r";
    }
  }
  if (plan_.keyed() && op_of(rec) != Op::Delete) {
    for (const auto& k : plan_.keys) {
      if (!has_value(rec, k.source)) {
        return "no value for key column '" + k.column + "' (source '" + k.source + "')";
      }
    }
  }
  return std::nullopt;
}

bool OutputMapper::writes(const ChangeRecord& rec) const {
  return !(plan_.strategy == LoadStrategy::Append && op_of(rec) == Op::Delete);
}

KeyTuple OutputMapper::key_tuple(const ChangeRecord& rec) const {
  KeyTuple t;
  t.reserve(plan_.keys.size());
  for (const auto& k : plan_.keys) t.push_back(resolve_text(rec, k.source));
  return t;
}

std::optional<std::string> OutputMapper::value_of(const ChangeRecord& rec, const std::string& column) const {
  if (rec.is_flat()) {
    if (rec.format == RowFormat::Full) return std::nullopt;
    if (const std::string* v = rec.flat_field(column)) return *v;
    // As the JSON object would answer below: the case-insensitive match that sorts first (its last
    // occurrence when repeated).
    const EntryField* best = nullptr;
    for (const EntryField& f : rec.flat_fields()) {
      if (iequals(f.first, column) && (best == nullptr || f.first <= best->first)) best = &f;
    }
    if (best == nullptr) return std::nullopt;
    return best->second;
  }
  const json* fields = fields_of(rec);
  if (fields == nullptr) return std::nullopt;
  if (auto it = fields->find(column); it != fields->end()) return json_to_text(*it);
  // Column names may differ in case from field names (PostgreSQL folds unquoted names to lower case).
  for (auto m = fields->begin(); m != fields->end(); ++m) {
    if (iequals(m.key(), column)) return json_to_text(m.value());
  }
  return std::nullopt;
}

std::vector<std::string> OutputMapper::chunk_value_columns(const std::vector<const ChangeRecord*>& rows) {
  if (!auto_columns_) return mapped_columns_;
  auto see = [this](std::string_view field) {
    for (const auto& c : candidate_columns_) {
      if (iequals(field, c)) {
        seen_columns_.insert(c);
        break;
      }
    }
  };
  for (const ChangeRecord* rec : rows) {
    if (rec->is_flat()) {
      for (const EntryField& f : flat_columns(*rec)) see(f.first);
      continue;
    }
    const json* fields = fields_of(*rec);
    if (fields == nullptr) continue;
    for (auto m = fields->begin(); m != fields->end(); ++m) see(m.key());
  }
  std::vector<std::string> cols;
  for (const auto& c : candidate_columns_) {  // table order
    if (seen_columns_.contains(c)) cols.push_back(c);
  }
  return cols;
}

sink::Row OutputMapper::row_of(const ChangeRecord& rec, const std::vector<std::string>& value_columns) const {
  sink::Row row;
  row.reserve(plan_.keys.size() + value_columns.size());
  for (const auto& k : plan_.keys) row.push_back(resolve_text(rec, k.source));
  if (auto_columns_) {
    for (const auto& c : value_columns) row.push_back(value_of(rec, c));
  } else {
    for (const auto& s : mapped_sources_) row.push_back(resolve_text(rec, s));
  }
  return row;
}

sink::TableWrite OutputMapper::empty_write(const std::vector<std::string>& value_columns) const {
  sink::TableWrite w(plan_.table, key_columns_, value_columns);
  if (plan_.strategy == LoadStrategy::Type2) w.type2 = plan_.type2;
  return w;
}

OutputChunkPlan OutputMapper::plan_chunk(const std::vector<const ChangeRecord*>& chunk, ChunkShape shape) {
  OutputChunkPlan out;
  bool keyed = plan_.strategy == LoadStrategy::Upsert || plan_.strategy == LoadStrategy::Replace;
  if (keyed && shape == ChunkShape::OnePerRedisKey && keys_are_redis_key_ && tracker_ == nullptr) {
    plan_one_row_per_record(chunk, out);
    return out;
  }
  if (plan_.foreach) {
    plan_foreach(chunk, out);
    return out;
  }
  switch (plan_.strategy) {
    case LoadStrategy::Append:
      plan_append(chunk, out);
      break;
    case LoadStrategy::Type2:
      plan_type2(chunk, out);
      break;
    case LoadStrategy::Upsert:
    case LoadStrategy::Replace:
      plan_keyed(chunk, out);
      break;
  }
  return out;
}

void OutputMapper::plan_one_row_per_record(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out) {
  // Each record's key tuple is its own Redis key, and no two records share one: nothing to
  // coalesce. A c/u upserts (or replaces) its row, a d deletes it.
  std::vector<const ChangeRecord*> rows;
  rows.reserve(chunk.size());
  std::vector<const ChangeRecord*> deleted;
  for (const ChangeRecord* rec : chunk) (op_of(*rec) == Op::Delete ? deleted : rows).push_back(rec);
  auto cols = chunk_value_columns(rows);
  sink::TableWrite w = empty_write(cols);
  for (const ChangeRecord* rec : deleted) {
    KeyTuple t = key_tuple(*rec);
    if (complete(t)) w.deletes.push_back(std::move(t));
  }
  auto& target = plan_.strategy == LoadStrategy::Replace ? w.replaces : w.upserts;
  target.reserve(rows.size());
  for (const ChangeRecord* rec : rows) target.push_back(row_of(*rec, cols));
  if (!w.empty()) out.writes.push_back(std::move(w));
}

void OutputMapper::plan_append(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out) {
  std::vector<const ChangeRecord*> rows;
  for (const ChangeRecord* rec : chunk) {
    if (op_of(*rec) != Op::Delete) rows.push_back(rec);
  }
  if (rows.empty()) return;
  auto cols = chunk_value_columns(rows);
  sink::TableWrite w = empty_write(cols);
  for (const ChangeRecord* rec : rows) w.appends.push_back(row_of(*rec, cols));
  out.writes.push_back(std::move(w));
}

namespace {

// Orders key tuples held elsewhere (in a chunk's key states) without copying them.
struct TupleLess {
  bool operator()(const KeyTuple* a, const KeyTuple* b) const { return *a < *b; }
};

std::string_view redis_key_of(const ChangeRecord& rec) {
  return rec.redis_key.empty() ? std::string_view(rec.entry_id) : std::string_view(rec.redis_key);
}

// Target key tuple -> the record whose row it gets. Sorted vectors rather than maps and hash
// tables: a chunk is small, and this runs for every record of every chunk (no node allocations).
using UpsertList = std::vector<std::pair<const KeyTuple*, const ChangeRecord*>>;

// Sorts by tuple and keeps one entry per tuple: of equal tuples, the one given last.
void keep_last_per_tuple(UpsertList& list) {
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  size_t kept = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i + 1 < list.size() && !(*list[i].first < *list[i + 1].first)) continue;  // a later equal one wins
    list[kept++] = list[i];
  }
  list.resize(kept);
}

bool has_tuple(const UpsertList& sorted, const KeyTuple& tuple) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), tuple, [](const auto& e, const KeyTuple& t) { return *e.first < t; });
  return it != sorted.end() && *it->first == tuple;
}

// The positions 0..n-1 ordered by less, stream order kept among equals.
template <typename Less>
std::vector<size_t> stable_order(size_t n, Less less) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), less);
  return order;
}

}  // namespace

void OutputMapper::plan_keyed(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out) {
  const size_t arity = plan_.keys.size();
  // Target key -> the record whose row it gets (sorted, one per tuple), and the rows to delete.
  UpsertList upserts;
  std::vector<const KeyTuple*> deletes;
  std::vector<KeyTuple> record_deletes;  // d records that name their row themselves (never tracked)
  std::vector<std::string_view> touched;  // Redis keys of this chunk, sorted

  // Tracked keys: what each Redis key wrote before this chunk, and its final state in the chunk.
  struct KeyState {
    std::string_view key;
    const KeyTuple* initial = nullptr;  // owned by the tracker, unchanged while planning
    std::optional<KeyTuple> final;
    size_t first = 0;  // position of the key's first record
    size_t last = 0;   // ... and of its last
  };
  std::vector<KeyState> states;
  std::vector<KeyTuple> last_ops;  // without tracking: per record, its key tuple

  if (tracker_ != nullptr) {
    // The records of each Redis key, in stream order: sorted by key, stably.
    std::vector<size_t> order = stable_order(
        chunk.size(), [&](size_t a, size_t b) { return redis_key_of(*chunk[a]) < redis_key_of(*chunk[b]); });
    states.reserve(chunk.size());
    touched.reserve(chunk.size());
    for (size_t g = 0; g < order.size();) {
      std::string_view rkey = redis_key_of(*chunk[order[g]]);
      const KeyTuple* initial = tracker_->current(rkey);
      if (initial != nullptr && initial->size() != arity) initial = nullptr;  // tracked under other keys
      KeyState st{rkey, initial, std::nullopt, order[g], order[g]};
      touched.push_back(rkey);
      for (; g < order.size() && redis_key_of(*chunk[order[g]]) == rkey; ++g) {
        const ChangeRecord& rec = *chunk[order[g]];
        st.last = order[g];
        if (op_of(rec) == Op::Delete) {
          st.final.reset();
          if (st.initial == nullptr) {
            KeyTuple tuple = key_tuple(rec);
            if (complete(tuple)) record_deletes.push_back(std::move(tuple));  // e.g. keys from key.key
          }
        } else {
          st.final = key_tuple(rec);
        }
      }
      states.push_back(std::move(st));
    }
    // Keys in the order they first appear (tracking reports them so); no pointer into states yet.
    std::sort(states.begin(), states.end(), [](const KeyState& a, const KeyState& b) { return a.first < b.first; });
    // The rows keys end with; when two keys end on the same row, the later record wins.
    std::vector<const KeyState*> by_last;
    by_last.reserve(states.size());
    for (const KeyState& st : states) {
      if (st.final) by_last.push_back(&st);
    }
    std::sort(by_last.begin(), by_last.end(), [](const KeyState* a, const KeyState* b) { return a->last < b->last; });
    upserts.reserve(by_last.size());
    for (const KeyState* st : by_last) upserts.emplace_back(&*st->final, chunk[st->last]);
    keep_last_per_tuple(upserts);
    // The rows keys wrote before and no longer write (deleted, or their key columns changed).
    for (const KeyState& st : states) {
      if (st.initial != nullptr && (!st.final || *st.final != *st.initial)) deletes.push_back(st.initial);
    }
    for (const KeyTuple& t : record_deletes) deletes.push_back(&t);
  } else {
    // No Redis key: last op per target key wins (a d without a complete key decides nothing).
    last_ops.reserve(chunk.size());
    for (const ChangeRecord* rec : chunk) last_ops.push_back(key_tuple(*rec));
    std::vector<size_t> order =
        stable_order(chunk.size(), [&](size_t a, size_t b) { return last_ops[a] < last_ops[b]; });
    for (size_t g = 0; g < order.size();) {
      const KeyTuple& tuple = last_ops[order[g]];
      bool decided = false;
      const ChangeRecord* winner = nullptr;  // nullptr: deleted
      for (; g < order.size() && last_ops[order[g]] == tuple; ++g) {
        const ChangeRecord* rec = chunk[order[g]];
        if (op_of(*rec) != Op::Delete) {
          winner = rec;
          decided = true;
        } else if (complete(tuple)) {
          winner = nullptr;
          decided = true;
        }
      }
      if (!decided) continue;
      if (winner != nullptr) {
        upserts.emplace_back(&tuple, winner);  // in tuple order, one per tuple
      } else {
        deletes.push_back(&tuple);
      }
    }
  }

  std::vector<const ChangeRecord*> rows;
  rows.reserve(upserts.size());
  for (const auto& [tuple, rec] : upserts) rows.push_back(rec);
  auto cols = chunk_value_columns(rows);
  sink::TableWrite w = empty_write(cols);

  std::sort(deletes.begin(), deletes.end(), TupleLess());
  for (size_t i = 0; i < deletes.size(); ++i) {
    const KeyTuple& tuple = *deletes[i];
    if (i > 0 && *deletes[i - 1] == tuple) continue;
    if (has_tuple(upserts, tuple)) continue;  // a key of this chunk ends with that row
    if (tracker_ != nullptr && tracker_->staged_owner_exists(tuple, [&](const std::string& k) {
          return std::binary_search(touched.begin(), touched.end(), std::string_view(k));
        })) {
      continue;  // an earlier transaction of this batch gave the row to another key
    }
    w.deletes.push_back(tuple);
  }
  auto& target = plan_.strategy == LoadStrategy::Replace ? w.replaces : w.upserts;
  target.reserve(rows.size());
  for (const ChangeRecord* rec : rows) target.push_back(row_of(*rec, cols));
  if (!w.empty()) out.writes.push_back(std::move(w));

  out.tracking.reserve(states.size());
  for (KeyState& st : states) out.tracking.emplace_back(std::string(st.key), std::move(st.final));
}

void OutputMapper::plan_type2(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out) {
  const size_t arity = plan_.keys.size();
  // Per target key, its versions in order: nullptr closes the active row, a record inserts a version.
  std::map<KeyTuple, std::vector<const ChangeRecord*>> versions;
  auto close = [&](const KeyTuple& t) {
    auto& v = versions[t];
    if (v.empty() || v.back() != nullptr) v.push_back(nullptr);
  };
  auto insert = [&](const KeyTuple& t, const ChangeRecord* rec) {
    auto& v = versions[t];
    if (!v.empty() && v.back() == nullptr) v.pop_back();  // an insert closes the active row itself
    v.push_back(rec);
  };

  std::unordered_map<std::string, std::optional<KeyTuple>> final_state;
  std::vector<std::string> touched;
  for (const ChangeRecord* rec : chunk) {
    KeyTuple tuple = key_tuple(*rec);
    bool is_delete = op_of(*rec) == Op::Delete;
    if (tracker_ != nullptr) {
      const std::string& rkey = rec->redis_key.empty() ? rec->entry_id : rec->redis_key;
      const KeyTuple* old = nullptr;
      if (auto f = final_state.find(rkey); f != final_state.end()) {
        old = f->second ? &*f->second : nullptr;
      } else {
        old = tracker_->current(rkey);
        touched.push_back(rkey);
      }
      if (old != nullptr && old->size() != arity) old = nullptr;
      if (is_delete) {
        if (old != nullptr) {
          close(*old);
        } else if (complete(tuple)) {
          close(tuple);
        }
        final_state[rkey] = std::nullopt;
      } else {
        if (old != nullptr && *old != tuple) close(*old);
        insert(tuple, rec);
        final_state[rkey] = std::move(tuple);
      }
    } else if (is_delete) {
      if (complete(tuple)) close(tuple);
    } else {
      insert(tuple, rec);
    }
  }
  for (const auto& rkey : touched) out.tracking.emplace_back(rkey, final_state[rkey]);

  // Generation g holds the g-th version of every key, so each key appears once per TableWrite.
  size_t generations = 0;
  std::vector<const ChangeRecord*> rows;
  for (const auto& [tuple, v] : versions) {
    generations = std::max(generations, v.size());
    for (const ChangeRecord* rec : v) {
      if (rec != nullptr) rows.push_back(rec);
    }
  }
  auto cols = chunk_value_columns(rows);
  for (size_t g = 0; g < generations; ++g) {
    sink::TableWrite w = empty_write(cols);
    for (const auto& [tuple, v] : versions) {
      if (g >= v.size()) continue;
      if (v[g] == nullptr) {
        w.type2_closes.push_back(tuple);
      } else {
        w.type2_inserts.push_back(row_of(*v[g], cols));
      }
    }
    if (!w.empty()) out.writes.push_back(std::move(w));
  }
}

void OutputMapper::plan_foreach(const std::vector<const ChangeRecord*>& chunk, OutputChunkPlan& out) {
  // The rows of each record (checked before, so expanding succeeds); none for a d.
  std::vector<std::vector<ChangeRecord>> expanded;
  expanded.reserve(chunk.size());
  for (const ChangeRecord* rec : chunk) {
    expanded.push_back(rec->op == Op::Delete ? std::vector<ChangeRecord>() : plan_.foreach(*rec));
  }
  std::vector<const ChangeRecord*> rows;
  if (plan_.strategy == LoadStrategy::Append || tracker_ == nullptr) {
    // Every row on its own: appended, or coalesced by its target key.
    for (const auto& list : expanded) {
      for (const ChangeRecord& row : list) rows.push_back(&row);
    }
    if (plan_.strategy == LoadStrategy::Append) {
      plan_append(rows, out);
    } else {
      plan_keyed(rows, out);  // tracker_ is null: last op per target key wins
    }
    return;
  }

  // Tracked: each Redis key's last record decides the rows it now owns; the rows it owned before
  // and no longer produces are deleted.
  const size_t arity = plan_.keys.size();
  std::unordered_map<std::string_view, size_t> last;  // Redis key -> index of its last record
  for (size_t i = 0; i < chunk.size(); ++i) {
    const ChangeRecord& rec = *chunk[i];
    last[rec.redis_key.empty() ? std::string_view(rec.entry_id) : std::string_view(rec.redis_key)] = i;
  }
  std::vector<std::pair<size_t, std::string_view>> by_last;
  by_last.reserve(last.size());
  for (const auto& [key, i] : last) by_last.emplace_back(i, key);
  std::sort(by_last.begin(), by_last.end());

  std::map<KeyTuple, const ChangeRecord*> upserts;  // a later key's row wins
  std::vector<KeyTuple> deletes;
  out.tracking.reserve(by_last.size());
  for (const auto& [i, rkey] : by_last) {
    KeyTuple owned;  // the key tuples of the rows this key now writes, concatenated
    std::set<KeyTuple> now;
    for (const ChangeRecord& row : expanded[i]) {
      KeyTuple t = key_tuple(row);
      if (!complete(t)) continue;
      if (op_of(row) == Op::Delete) {
        deletes.push_back(std::move(t));
        continue;
      }
      if (now.insert(t).second) owned.insert(owned.end(), t.begin(), t.end());
      upserts.insert_or_assign(std::move(t), &row);
    }
    const KeyTuple* before = tracker_->current(rkey);
    if (before != nullptr && arity > 0 && before->size() % arity == 0) {
      for (size_t b = 0; b < before->size(); b += arity) {
        KeyTuple t(before->begin() + static_cast<long>(b), before->begin() + static_cast<long>(b + arity));
        if (!now.contains(t)) deletes.push_back(std::move(t));
      }
    }
    out.tracking.emplace_back(std::string(rkey), owned.empty() ? std::nullopt : std::optional<KeyTuple>(std::move(owned)));
  }

  rows.reserve(upserts.size());
  for (const auto& [tuple, row] : upserts) rows.push_back(row);
  auto cols = chunk_value_columns(rows);
  sink::TableWrite w = empty_write(cols);
  std::sort(deletes.begin(), deletes.end());
  deletes.erase(std::unique(deletes.begin(), deletes.end()), deletes.end());
  for (KeyTuple& t : deletes) {
    if (!upserts.contains(t)) w.deletes.push_back(std::move(t));  // a row some key of the chunk writes stays
  }
  auto& target = plan_.strategy == LoadStrategy::Replace ? w.replaces : w.upserts;
  target.reserve(rows.size());
  for (const ChangeRecord* row : rows) target.push_back(row_of(*row, cols));
  if (!w.empty()) out.writes.push_back(std::move(w));
}

}  // namespace wb::applier

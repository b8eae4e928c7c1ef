// The conformance suite: what every Sink dialect must do, against a real target (see
// conformance.h). Values go in as text and are read back as text through the target's own client.
#include "conformance.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace wbtest {

using wb::sink::ErrorKind;
using wb::sink::kProgressTable;
using wb::sink::Progress;
using wb::sink::Row;
using wb::sink::SinkError;
using wb::sink::TableWrite;
using wb::sink::Type2Spec;

namespace {

constexpr size_t kMaxTableNameLength = 48;
constexpr int kBigBatchRows = 5000;
constexpr size_t kLargeRejectedBytes = 1024 * 1024;

// Row{"1", nullptr, "x"}: nullptr is SQL NULL.
Row R(std::initializer_list<const char*> values) {
  Row r;
  for (const char* v : values) r.push_back(v ? wb::sink::Value(v) : std::nullopt);
  return r;
}

// The kind of the SinkError that f throws; fails the test if it throws nothing or something else.
template <class F>
ErrorKind error_kind_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const SinkError& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "expected a SinkError";
  return ErrorKind::Transient;
}

// A Progress's fields in order, so that comparisons show every field on failure.
std::vector<std::string> fields(const Progress& p) {
  return {p.job, p.consumer, p.batch_first_id, p.committed_id, p.rejected};
}
std::vector<std::string> fields(const std::optional<Progress>& p) {
  return p ? fields(*p) : std::vector<std::string>{"<nullopt>"};
}
// Every row read_job_progress returns, as fields, in consumer order by bytes (the database orders
// them by its own collation).
std::vector<std::vector<std::string>> job_rows(wb::sink::Sink& sink, const std::string& job) {
  std::vector<std::vector<std::string>> rows;
  for (const Progress& p : sink.read_job_progress(job)) rows.push_back(fields(p));
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a[1] < b[1]; });
  return rows;
}
std::vector<std::vector<std::string>> sorted_fields(std::vector<Progress> all) {
  std::sort(all.begin(), all.end(), [](const Progress& a, const Progress& b) { return a.consumer < b.consumer; });
  std::vector<std::vector<std::string>> rows;
  for (const Progress& p : all) rows.push_back(fields(p));
  return rows;
}

}  // namespace

void SinkConformance::SetUp() {
  target_ = GetParam().make();
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  table_ = "t_";
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) table_ += static_cast<char>(std::tolower(c));
  table_ = table_.substr(0, kMaxTableNameLength);
  sink_ = wb::sink::make_sink(target_->settings());
}

void SinkConformance::TearDown() {
  if (sink_) sink_->rollback();
  sink_.reset();
}

void SinkConformance::create(const std::string& columns, const std::string& suffix) {
  target_->exec("DROP TABLE IF EXISTS " + q());
  target_->exec("CREATE TABLE " + q() + " (" + columns + ")" + suffix);
}

Rows SinkConformance::rows(const std::string& columns, const std::string& order_by) {
  return target_->query("SELECT " + columns + " FROM " + q() + " ORDER BY " + order_by);
}

void SinkConformance::reset_progress() {
  sink_->ensure_progress_table();
  // Test names are letters, digits and '_', so the prefix needs no escaping ('_' matches itself too).
  target_->exec(std::string("DELETE FROM ") + wb::sink::kProgressTable + " WHERE job LIKE '" + table_ + "%'");
}

// --- upserts -------------------------------------------------------------------------------------

TEST_P(SinkConformance, UpsertInsertsNewRowsAndUpdatesExistingOnes) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20), note VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name, note) VALUES (1, 'one', 'kept'), (2, 'two', 'kept')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.upserts = {R({"2", "TWO"}), R({"3", "three"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  // Columns the write does not name keep their values on update and are NULL on insert.
  EXPECT_EQ(rows("id, name, note", "id"),
            (Rows{{"1", "one", "kept"}, {"2", "TWO", "kept"}, {"3", "three", "\\N"}}));
}

TEST_P(SinkConformance, UpsertOnCompositeKey) {
  create("a VARCHAR(20) NOT NULL, b INTEGER NOT NULL, v VARCHAR(20), PRIMARY KEY (a, b)");
  target_->exec("INSERT INTO " + q() + " (a, b, v) VALUES ('x', 1, 'old'), ('x', 2, 'old')");
  TableWrite w{ref(), {"a", "b"}, {"v"}};
  w.upserts = {R({"x", "2", "new"}), R({"y", "1", "new"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("a, b, v", "a, b"), (Rows{{"x", "1", "old"}, {"x", "2", "new"}, {"y", "1", "new"}}));
}

TEST_P(SinkConformance, UpsertOfKeysOnlyLeavesExistingRowsAlone) {
  create("id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, note) VALUES (1, 'kept')");
  TableWrite w{ref(), {"id"}, {}};
  w.upserts = {R({"1"}), R({"2"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, note", "id"), (Rows{{"1", "kept"}, {"2", "\\N"}}));
}

TEST_P(SinkConformance, UpsertWithoutUniqueIndexDeletesThenInserts) {
  create("id INTEGER NOT NULL, name VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name) VALUES (1, 'a'), (1, 'b'), (2, 'c')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.upserts = {R({"1", "new"}), R({"3", "three"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"1", "new"}, {"2", "c"}, {"3", "three"}}));
}

// --- deletes, appends, replaces ------------------------------------------------------------------

TEST_P(SinkConformance, DeleteBySingleKey) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.deletes = {R({"1"}), R({"3"}), R({"99"})};  // 99 does not exist: harmless
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"2", "b"}}));
}

TEST_P(SinkConformance, DeleteByCompositeKey) {
  create("a VARCHAR(20) NOT NULL, b INTEGER NOT NULL, v VARCHAR(20), PRIMARY KEY (a, b)");
  target_->exec("INSERT INTO " + q() + " (a, b, v) VALUES ('x', 1, 'p'), ('x', 2, 'q'), ('y', 1, 'r')");
  TableWrite w{ref(), {"a", "b"}, {}};
  w.deletes = {R({"x", "2"}), R({"y", "2"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("a, b, v", "a, b"), (Rows{{"x", "1", "p"}, {"y", "1", "r"}}));
}

TEST_P(SinkConformance, DeleteAndUpsertOfOneKeyEndsWritten) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name) VALUES (1, 'old')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.deletes = {R({"1"})};
  w.upserts = {R({"1", "new"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"1", "new"}}));
}

TEST_P(SinkConformance, AppendInsertsEveryRow) {
  create("user_id VARCHAR(20), action VARCHAR(20), ts VARCHAR(30)");
  TableWrite w{ref(), {}, {"user_id", "action", "ts"}};
  w.appends = {R({"u1", "login", "2025-01-01T10:00:00Z"}), R({"u1", "login", "2025-01-01T10:00:00Z"}),
               R({"u2", nullptr, "2025-01-01T10:00:01Z"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("user_id, action, ts", "user_id, ts"),
            (Rows{{"u1", "login", "2025-01-01T10:00:00Z"},
                  {"u1", "login", "2025-01-01T10:00:00Z"},
                  {"u2", "\\N", "2025-01-01T10:00:01Z"}}));
}

TEST_P(SinkConformance, ReplaceDeletesTheOldRowAndInsertsTheNewOne) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20), note VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name, note) VALUES (1, 'old', 'dropped'), (2, 'b', 'kept')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.replaces = {R({"1", "new"}), R({"3", "c"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  // Unlike an upsert, the columns the write does not name do not survive a replace.
  EXPECT_EQ(rows("id, name, note", "id"), (Rows{{"1", "new", "\\N"}, {"2", "b", "kept"}, {"3", "c", "\\N"}}));
}

// --- TYPE2 ---------------------------------------------------------------------------------------

TEST_P(SinkConformance, Type2ClosesTheActiveRowAndInsertsANewOne) {
  create("id INTEGER NOT NULL, name VARCHAR(20), active VARCHAR(1), closed_by VARCHAR(20)");
  target_->exec("INSERT INTO " + q() +
                " (id, name, active, closed_by) VALUES (1, 'v0', 'N', 'earlier'), (1, 'v1', 'Y', NULL),"
                " (2, 'w1', 'Y', NULL), (3, 'z1', 'Y', NULL)");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.type2 = Type2Spec{"active", "Y", "N", {{"closed_by", "batch-7", false}}};
  w.type2_inserts = {R({"1", "v2"}), R({"4", "new"})};  // 4 has no active row yet
  w.type2_closes = {R({"2"})};                          // a delete under TYPE2
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name, active, closed_by", "id, name"),
            (Rows{{"1", "v0", "N", "earlier"},
                  {"1", "v1", "N", "batch-7"},
                  {"1", "v2", "Y", "\\N"},
                  {"2", "w1", "N", "batch-7"},
                  {"3", "z1", "Y", "\\N"},
                  {"4", "new", "Y", "\\N"}}));
}

TEST_P(SinkConformance, Type2CloseColumnMayBeAnSqlExpression) {
  create("id INTEGER NOT NULL, name VARCHAR(20), active VARCHAR(1), closed_at VARCHAR(40)");
  target_->exec("INSERT INTO " + q() + " (id, name, active) VALUES (1, 'v1', 'Y')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.type2 = Type2Spec{"active", "Y", "N", {{"closed_at", "CURRENT_TIMESTAMP", true}}};
  w.type2_inserts = {R({"1", "v2"})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  Rows r = rows("name, active, closed_at", "name");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][1], "N");
  EXPECT_EQ(r[0][2].substr(0, 2), "20");  // a timestamp, written by the database
  EXPECT_EQ(r[1], (std::vector<std::string>{"v2", "Y", "\\N"}));
}

// --- values --------------------------------------------------------------------------------------

TEST_P(SinkConformance, NullAndEmptyStringStayDistinct) {
  create("id INTEGER NOT NULL PRIMARY KEY, a VARCHAR(20), b VARCHAR(20)");
  TableWrite w{ref(), {"id"}, {"a", "b"}};
  w.upserts = {R({"1", "", nullptr}), R({"2", nullptr, ""})};
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(target_->query("SELECT id FROM " + q() + " WHERE a IS NULL ORDER BY id"), (Rows{{"2"}}));
  EXPECT_EQ(target_->query("SELECT id FROM " + q() + " WHERE b IS NULL ORDER BY id"), (Rows{{"1"}}));
  EXPECT_EQ(target_->query("SELECT id FROM " + q() + " WHERE a = '' ORDER BY id"), (Rows{{"1"}}));
}

TEST_P(SinkConformance, AwkwardTextRoundTrips) {
  create("id INTEGER NOT NULL PRIMARY KEY, v " + target_->long_text());
  const std::vector<std::string> values = {
      "it's \"quoted\"",      "back\\slash\\",      "a,b,c",         "{braces}", "{\"json\": [1, 2]}",
      "line1\nline2\r\n\ttab", "NULL",               "  padded  ",    "ünïcødé ✓ 漢字 🚀", "(x,y)",
      "$1 ?? :name %s",       "'; DROP TABLE x; --", "\\N",          "",        std::string(3000, 'x')};
  TableWrite w{ref(), {"id"}, {"v"}};
  for (size_t i = 0; i < values.size(); ++i) w.upserts.push_back(Row{std::to_string(i), values[i]});
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  Rows r = rows("v", "id");
  ASSERT_EQ(r.size(), values.size());
  // "\N" reads back as "\N" both for the text \N and for NULL; the NULL test above tells them apart.
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(r[i][0], values[i]) << "value " << i;
  // The same values as keys, for deletes.
  create("k VARCHAR(100) NOT NULL PRIMARY KEY, v INTEGER");
  TableWrite k{ref(), {"k"}, {"v"}};
  for (size_t i = 0; i + 1 < values.size(); ++i) k.upserts.push_back(Row{values[i], std::to_string(i)});
  sink_->begin();
  sink_->write(k);
  sink_->commit();
  TableWrite d{ref(), {"k"}, {"v"}};
  for (size_t i = 0; i + 1 < values.size(); ++i)
    if (i % 2 == 0) d.deletes.push_back(Row{values[i]});
  sink_->begin();
  sink_->write(d);
  sink_->commit();
  Rows left = rows("v", "v");
  ASSERT_EQ(left.size(), (values.size() - 1) / 2);
  for (const auto& row : left) EXPECT_EQ(std::stoi(row[0]) % 2, 1);
}

TEST_P(SinkConformance, BigBatch) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20), n INTEGER");
  TableWrite w{ref(), {"id"}, {"name", "n"}};
  for (int i = 0; i < kBigBatchRows; ++i)
    w.upserts.push_back(Row{std::to_string(i), "name-" + std::to_string(i), std::to_string(i * 2)});
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  // Second batch: update the even ids, delete the multiples of 5 that are odd.
  TableWrite u{ref(), {"id"}, {"name", "n"}};
  for (int i = 0; i < kBigBatchRows; ++i) {
    if (i % 2 == 0) u.upserts.push_back(Row{std::to_string(i), "upd", std::to_string(-i)});
    else if (i % 5 == 0) u.deletes.push_back(Row{std::to_string(i)});
  }
  sink_->begin();
  sink_->write(u);
  sink_->commit();
  const int deleted = kBigBatchRows / 10;  // odd multiples of 5 below 5000
  EXPECT_EQ(target_->query("SELECT COUNT(*) FROM " + q()), (Rows{{std::to_string(kBigBatchRows - deleted)}}));
  EXPECT_EQ(target_->query("SELECT COUNT(*) FROM " + q() + " WHERE name = 'upd' AND n = -id"),
            (Rows{{std::to_string(kBigBatchRows / 2)}}));
  EXPECT_EQ(target_->query("SELECT name, n FROM " + q() + " WHERE id = 4999"), (Rows{{"name-4999", "9998"}}));
}

TEST_P(SinkConformance, SeveralTablesInOneTransaction) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  std::string other = table_ + "_b";
  target_->exec("DROP TABLE IF EXISTS " + target_->qualified(other));
  target_->exec("CREATE TABLE " + target_->qualified(other) + " (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20))");
  TableWrite a{ref(), {"id"}, {"name"}};
  a.upserts = {R({"1", "a"})};
  TableWrite b{{target_->schema(), other}, {"id"}, {"name"}};
  b.upserts = {R({"1", "b"})};
  sink_->begin();
  sink_->write(a);
  sink_->write(b);
  sink_->rollback();
  EXPECT_TRUE(rows("id", "id").empty());
  sink_->begin();
  sink_->write(a);
  sink_->write(b);
  sink_->commit();
  EXPECT_EQ(rows("name", "id"), (Rows{{"a"}}));
  EXPECT_EQ(target_->query("SELECT name FROM " + target_->qualified(other)), (Rows{{"b"}}));
}

TEST_P(SinkConformance, RollbackLeavesNothing) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name) VALUES (1, 'keep')");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.upserts = {R({"1", "changed"}), R({"2", "new"})};
  w.deletes = {};
  sink_->begin();
  sink_->write(w);
  sink_->rollback();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"1", "keep"}}));
  // The sink stays usable.
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"1", "changed"}, {"2", "new"}}));
}

// --- errors --------------------------------------------------------------------------------------

TEST_P(SinkConformance, TextInAnIntegerColumnIsADataError) {
  create("id INTEGER NOT NULL PRIMARY KEY, n INTEGER", target_->strict_suffix());
  TableWrite w{ref(), {"id"}, {"n"}};
  w.upserts = {R({"1", "5"}), R({"2", "not a number"})};
  sink_->begin();
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->write(w); sink_->commit(); }, &message), ErrorKind::Data) << message;
  sink_->rollback();
  EXPECT_TRUE(rows("id", "id").empty());
}

TEST_P(SinkConformance, ValueTooLongIsADataError) {
  create("id INTEGER NOT NULL PRIMARY KEY, " + target_->bounded_text("name", 5));
  TableWrite w{ref(), {"id"}, {"name"}};
  w.upserts = {R({"1", "short"}), R({"2", "much too long"})};
  sink_->begin();
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->write(w); sink_->commit(); }, &message), ErrorKind::Data) << message;
  sink_->rollback();
  EXPECT_TRUE(rows("id", "id").empty());
}

TEST_P(SinkConformance, NullInANotNullColumnIsADataError) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.appends = {R({"1", nullptr})};
  sink_->begin();
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->write(w); sink_->commit(); }, &message), ErrorKind::Data) << message;
  sink_->rollback();
}

TEST_P(SinkConformance, DuplicateKeyOnAppendIsADataError) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  target_->exec("INSERT INTO " + q() + " (id, name) VALUES (1, 'a')");
  TableWrite w{ref(), {}, {"id", "name"}};
  w.appends = {R({"1", "again"})};
  sink_->begin();
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->write(w); sink_->commit(); }, &message), ErrorKind::Data) << message;
  sink_->rollback();
}

TEST_P(SinkConformance, MissingTableIsASchemaError) {
  target_->exec("DROP TABLE IF EXISTS " + q());
  TableWrite w{ref(), {"id"}, {"name"}};
  w.upserts = {R({"1", "a"})};
  sink_->begin();
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->write(w); sink_->commit(); }, &message), ErrorKind::Schema) << message;
  sink_->rollback();
  EXPECT_EQ(error_kind_of([&] { sink_->columns(ref()); }), ErrorKind::Schema);
  // Once the table exists, the same sink writes (it forgot what it knew after the Schema error).
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"1", "a"}}));
}

TEST_P(SinkConformance, MissingColumnIsASchemaError) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  TableWrite w{ref(), {"id"}, {"name", "no_such_column"}};
  w.upserts = {R({"1", "a", "b"})};
  sink_->begin();
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->write(w); sink_->commit(); }, &message), ErrorKind::Schema) << message;
  EXPECT_NE(message.find("no_such_column"), std::string::npos) << message;
  sink_->rollback();
  // The column appears (ALTER TABLE while running): the next attempt succeeds.
  target_->exec("ALTER TABLE " + q() + " ADD COLUMN no_such_column VARCHAR(20)");
  sink_->begin();
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("id, name, no_such_column", "id"), (Rows{{"1", "a", "b"}}));
}

TEST_P(SinkConformance, AfterADataErrorTheSinkIsReusable) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL");
  TableWrite bad{ref(), {"id"}, {"name"}};
  bad.upserts = {R({"1", nullptr})};
  TableWrite good{ref(), {"id"}, {"name"}};
  good.upserts = {R({"2", "fine"})};
  sink_->begin();
  EXPECT_EQ(error_kind_of([&] { sink_->write(bad); sink_->commit(); }), ErrorKind::Data);
  // The failed transaction cannot be committed by mistake.
  EXPECT_THROW(sink_->commit(), std::logic_error);
  sink_->rollback();
  sink_->begin();
  sink_->write(good);
  sink_->commit();
  EXPECT_EQ(rows("id, name", "id"), (Rows{{"2", "fine"}}));
}

TEST_P(SinkConformance, AnErrorOfOneWriteFailsTheWholeTransaction) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL");
  std::string other = table_ + "_b";
  target_->exec("DROP TABLE IF EXISTS " + target_->qualified(other));
  target_->exec("CREATE TABLE " + target_->qualified(other) + " (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20))");
  TableWrite bad{ref(), {"id"}, {"name"}};
  bad.upserts = {R({"1", nullptr})};
  TableWrite good{{target_->schema(), other}, {"id"}, {"name"}};  // a table the sink has not seen yet
  good.upserts = {R({"1", "fine"})};
  sink_->begin();
  // Depending on the dialect the error surfaces at the bad write, the next write or the commit.
  EXPECT_EQ(error_kind_of([&] {
              sink_->write(bad);
              sink_->write(good);
              sink_->commit();
            }),
            ErrorKind::Data);
  sink_->rollback();
  EXPECT_TRUE(target_->query("SELECT id FROM " + target_->qualified(other)).empty());
  sink_->begin();
  sink_->write(good);
  sink_->commit();
  EXPECT_EQ(target_->query("SELECT name FROM " + target_->qualified(other)), (Rows{{"fine"}}));
}

TEST_P(SinkConformance, EmptyTransactionCommits) {
  sink_->begin();
  sink_->commit();
  sink_->begin();
  sink_->write(TableWrite(ref(), {"id"}, {"name"}));  // no rows: nothing to do, not even the table
  sink_->commit();
}

TEST_P(SinkConformance, MisuseIsALogicError) {
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20)");
  TableWrite w{ref(), {"id"}, {"name"}};
  w.upserts = {R({"1", "a"})};
  EXPECT_THROW(sink_->write(w), std::logic_error);  // no begin()
  TableWrite narrow{ref(), {"id"}, {"name"}};
  narrow.upserts = {R({"1"})};
  sink_->begin();
  EXPECT_THROW(sink_->write(narrow), std::invalid_argument);
  sink_->rollback();
  TableWrite keyless{ref(), {}, {"name"}};
  keyless.upserts = {R({"a"})};
  sink_->begin();
  EXPECT_THROW(sink_->write(keyless), std::invalid_argument);
  sink_->rollback();
}

// --- catalog -------------------------------------------------------------------------------------

TEST_P(SinkConformance, ColumnsListsTheTableColumnsInOrder) {
  create("b INTEGER NOT NULL, a VARCHAR(20), note " + target_->long_text() + ", PRIMARY KEY (b)");
  std::vector<wb::sink::Column> cols = sink_->columns(ref());
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].name, "b");
  EXPECT_EQ(cols[1].name, "a");
  EXPECT_EQ(cols[2].name, "note");
  EXPECT_TRUE(cols[0].primary_key);
  EXPECT_FALSE(cols[1].primary_key);
  EXPECT_FALSE(cols[0].nullable);
  EXPECT_TRUE(cols[1].nullable);
  std::string type = cols[1].type;
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_NE(type.find("char"), std::string::npos) << cols[1].type;
}

TEST_P(SinkConformance, PingConnects) {
  EXPECT_TRUE(sink_->ping());
  sink_->disconnect();
  EXPECT_TRUE(sink_->ping());
}

// --- progress table (exactly-once bookkeeping) ----------------------------------------------------

TEST_P(SinkConformance, ProgressTableEnsureIsIdempotent) {
  target_->exec(std::string("DROP TABLE IF EXISTS ") + kProgressTable);
  sink_->ensure_progress_table();
  sink_->ensure_progress_table();
  auto other = wb::sink::make_sink(target_->settings());  // another applier starting later
  other->ensure_progress_table();
  EXPECT_EQ(target_->query(std::string("SELECT COUNT(*) FROM ") + kProgressTable), (Rows{{"0"}}));
  // The sink is idle afterwards: a transaction works.
  Progress p{job(), "c1", "1-0", "5-0", ""};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  EXPECT_EQ(fields(other->read_progress(job(), "c1")), fields(p));
}

TEST_P(SinkConformance, ProgressReadOfAMissingRowIsNullopt) {
  reset_progress();
  EXPECT_FALSE(sink_->read_progress(job(), "c1").has_value());
  Progress p{job(), "c1", "1-0", "2-0", ""};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  EXPECT_FALSE(sink_->read_progress(job(), "c2").has_value());
  EXPECT_FALSE(sink_->read_progress(job("_other"), "c1").has_value());
}

TEST_P(SinkConformance, ProgressWrittenAndCommittedReadsBack) {
  reset_progress();
  Progress p{job(), "applier-1", "1700000000000-0", "1700000000123-7", "[{\"id\":\"1700000000001-0\",\"error\":\"x\"}]"};
  sink_->begin();
  sink_->write_progress(p);  // the only statement of its transaction
  sink_->commit();
  EXPECT_EQ(fields(sink_->read_progress(p.job, p.consumer)), fields(p));
  // Through the target's own client: the columns, and a timestamp written by the database.
  Rows r = target_->query(std::string("SELECT job, consumer, batch_first_id, committed_id, rejected, updated_at FROM ") +
                          kProgressTable + " WHERE job = '" + job() + "'");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(std::vector<std::string>(r[0].begin(), r[0].begin() + 5), fields(p));
  EXPECT_EQ(r[0][5].substr(0, 2), "20") << r[0][5];
  // Another connection (an applier after a restart) reads the same.
  auto fresh = wb::sink::make_sink(target_->settings());
  EXPECT_EQ(fields(fresh->read_progress(p.job, p.consumer)), fields(p));
}

TEST_P(SinkConformance, ProgressRolledBackIsNotWritten) {
  reset_progress();
  Progress first{job(), "c1", "1-0", "3-0", "[]"};
  sink_->begin();
  sink_->write_progress({job("_new"), "c1", "1-0", "3-0", ""});
  sink_->rollback();
  EXPECT_FALSE(sink_->read_progress(job("_new"), "c1").has_value());
  sink_->begin();
  sink_->write_progress(first);
  sink_->commit();
  sink_->begin();
  sink_->write_progress({job(), "c1", "1-0", "9-0", "[\"changed\"]"});
  sink_->rollback();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(first));  // the previous value stays
}

TEST_P(SinkConformance, ProgressSecondWriteOverwrites) {
  reset_progress();
  const std::string select = std::string("SELECT committed_id, updated_at FROM ") + kProgressTable +
                             " WHERE job = '" + job() + "'";
  sink_->begin();
  sink_->write_progress({job(), "c1", "1-0", "3-0", "[1]"});
  sink_->commit();
  Rows before = target_->query(select);
  Progress second{job(), "c1", "4-0", "8-2", ""};  // a new batch; rejected back to empty
  sink_->begin();
  sink_->write_progress(second);
  sink_->commit();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(second));
  Rows after = target_->query(select);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);  // one row per (job, consumer)
  EXPECT_EQ(after[0][0], "8-2");
  EXPECT_GE(after[0][1], before[0][1]);  // same format within a dialect: text order is time order
  // Several writes in one transaction: the last one counts.
  Progress last{job(), "c1", "9-0", "12-0", ""};
  sink_->begin();
  sink_->write_progress({job(), "c1", "9-0", "10-0", ""});
  sink_->write_progress(last);
  sink_->commit();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(last));
}

TEST_P(SinkConformance, ProgressRowsAreSeparatePerJobAndConsumer) {
  reset_progress();
  std::vector<Progress> all = {{job("_a"), "c1", "1-0", "1-1", "a1"},
                               {job("_a"), "c2", "2-0", "2-1", "a2"},
                               {job("_b"), "c1", "3-0", "3-1", "b1"},
                               {job("_a"), "C1", "4-0", "4-1", "a-upper"}};  // names differ by case only
  sink_->begin();
  for (const Progress& p : all) sink_->write_progress(p);
  sink_->commit();
  for (const Progress& p : all) EXPECT_EQ(fields(sink_->read_progress(p.job, p.consumer)), fields(p));
  // Overwriting one leaves the others alone.
  Progress changed{job("_a"), "c2", "5-0", "5-9", ""};
  sink_->begin();
  sink_->write_progress(changed);
  sink_->commit();
  all[1] = changed;
  for (const Progress& p : all) EXPECT_EQ(fields(sink_->read_progress(p.job, p.consumer)), fields(p));
}

TEST_P(SinkConformance, ProgressReadJobReturnsEveryConsumerOfThatJobOnly) {
  reset_progress();
  EXPECT_TRUE(sink_->read_job_progress(job("_a")).empty());  // no row yet
  std::vector<Progress> a = {{job("_a"), "c2", "2-0", "2-1", "a2"},
                             {job("_a"), "c1", "1-0", "1-1", ""},
                             {job("_a"), "C1", "4-0", "4-1", "a-upper"},  // differs from c1 by case only
                             {job("_a"), "host-12345", "5-0", "7-3", "[[\"6-0\",\"o\",\"e\"]]"}};
  std::vector<Progress> others = {{job("_b"), "c1", "3-0", "3-1", "b1"},
                                  {job("_ab"), "c1", "8-0", "8-1", ""},   // the job's name is its prefix
                                  {job("_%"), "c9", "9-0", "9-1", ""},    // LIKE wildcards, as names
                                  {job("__"), "c9", "9-0", "9-1", ""}};
  sink_->begin();
  for (const Progress& p : a) sink_->write_progress(p);
  for (const Progress& p : others) sink_->write_progress(p);
  sink_->commit();
  EXPECT_EQ(job_rows(*sink_, job("_a")), sorted_fields(a));
  EXPECT_EQ(job_rows(*sink_, job("_b")), sorted_fields({others[0]}));
  EXPECT_EQ(job_rows(*sink_, job("_%")), sorted_fields({others[2]}));
  EXPECT_EQ(job_rows(*sink_, job("__")), sorted_fields({others[3]}));
  EXPECT_TRUE(sink_->read_job_progress(job("_")).empty());
  EXPECT_TRUE(sink_->read_job_progress(job("_A")).empty());
  // Ordered by consumer (as the database sorts names): c1 and c2 come in that order, and each
  // row once.
  std::vector<Progress> back = sink_->read_job_progress(job("_a"));
  ASSERT_EQ(back.size(), a.size());
  auto at = [&](const std::string& consumer) {
    return std::find_if(back.begin(), back.end(), [&](const Progress& p) { return p.consumer == consumer; }) -
           back.begin();
  };
  EXPECT_LT(at("c1"), at("c2"));
  // What a transaction overwrote or rolled back reads as committed, from another connection too.
  Progress changed{job("_a"), "c2", "6-0", "6-9", ""};
  sink_->begin();
  sink_->write_progress(changed);
  sink_->commit();
  sink_->begin();
  sink_->write_progress({job("_a"), "c1", "1-0", "99-0", "rolled back"});
  sink_->write_progress({job("_a"), "new", "1-0", "99-0", "rolled back"});
  sink_->rollback();
  a[0] = changed;
  auto fresh = wb::sink::make_sink(target_->settings());
  EXPECT_EQ(job_rows(*fresh, job("_a")), sorted_fields(a));
}

TEST_P(SinkConformance, ProgressReadJobWithLargeRejectedValues) {
  // Several rows, each with a value longer than any buffer a dialect starts with.
  reset_progress();
  std::vector<Progress> all;
  for (int c = 0; c < 3; ++c) {
    std::string rejected = "[";
    for (int i = 0; rejected.size() < kLargeRejectedBytes / 4 * (c + 1); ++i)
      rejected += "[\"1700000000000-" + std::to_string(i) + "\",\"out\",\"ünïcødé ✓ 🚀 " + std::to_string(c) + "\"],";
    rejected.back() = ']';
    all.push_back({job(), "consumer-" + std::to_string(c), "1-" + std::to_string(c), "2-" + std::to_string(c),
                   rejected});
  }
  all.push_back({job(), "consumer-empty", "3-0", "3-5", ""});
  sink_->begin();
  for (const Progress& p : all) sink_->write_progress(p);
  sink_->commit();
  std::vector<std::vector<std::string>> back = job_rows(*sink_, job());
  std::vector<std::vector<std::string>> expected = sorted_fields(all);
  ASSERT_EQ(back.size(), expected.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i][4].size(), expected[i][4].size()) << expected[i][1];
    EXPECT_TRUE(back[i] == expected[i]) << expected[i][1];  // not EXPECT_EQ: megabytes on failure
  }
}

TEST_P(SinkConformance, ProgressLargeRejectedRoundTrips) {
  reset_progress();
  std::string rejected = "[";
  for (int i = 0; rejected.size() < kLargeRejectedBytes; ++i)
    rejected += "{\"id\":\"1700000000000-" + std::to_string(i) + "\",\"error\":\"ünïcødé ✓ 漢字 🚀 \\\"q\\\"\"},";
  rejected.back() = ']';
  Progress p{job(), "c1", "1700000000000-0", "1700000000000-9999", rejected};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  std::optional<Progress> back = sink_->read_progress(job(), "c1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->rejected.size(), rejected.size());
  EXPECT_TRUE(back->rejected == rejected);  // not EXPECT_EQ: a failure would print megabytes
  EXPECT_EQ(back->committed_id, p.committed_id);
}

TEST_P(SinkConformance, ProgressNamesWithQuotesAndUnicodeRoundTrip) {
  reset_progress();
  std::vector<Progress> all = {
      {job("-it's \"quoted\" `back` \\slash"), "consumer 'one'; DROP TABLE x; --", "1-0", "2-0", "it's"},
      {job("-ünïcødé ✓ 漢字 🚀"), "εργάτης-🚀", "3-0", "4-0", "\"{}\""},
      {job("-$1 ?? :name %s"), "?", "5-0", "6-0", "\\N"},
  };
  sink_->begin();
  for (const Progress& p : all) sink_->write_progress(p);
  sink_->commit();
  for (const Progress& p : all) EXPECT_EQ(fields(sink_->read_progress(p.job, p.consumer)), fields(p));
  for (const Progress& p : all) EXPECT_EQ(job_rows(*sink_, p.job), sorted_fields({p}));
}

// The point of the table: the progress row commits with the batch's rows, or neither does.
TEST_P(SinkConformance, ProgressCommitsAtomicallyWithTheBatchRows) {
  reset_progress();
  create("user_id VARCHAR(20), action VARCHAR(20)");
  TableWrite w{ref(), {}, {"user_id", "action"}};
  w.appends = {R({"u1", "login"}), R({"u1", "login"})};
  Progress p{job(), "c1", "1-0", "2-0", ""};
  sink_->begin();
  sink_->write(w);
  sink_->write_progress(p);
  sink_->rollback();
  EXPECT_TRUE(rows("user_id", "user_id").empty());
  EXPECT_FALSE(sink_->read_progress(job(), "c1").has_value());
  sink_->begin();
  sink_->write_progress(p);  // before or after the rows: any order
  sink_->write(w);
  sink_->commit();
  EXPECT_EQ(rows("user_id, action", "user_id"), (Rows{{"u1", "login"}, {"u1", "login"}}));
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(p));
  // A failing batch takes its progress row down with it.
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL");
  TableWrite bad{ref(), {"id"}, {"name"}};
  bad.upserts = {R({"1", nullptr})};
  sink_->begin();
  EXPECT_EQ(error_kind_of([&] {
              sink_->write_progress({job(), "c1", "3-0", "4-0", ""});
              sink_->write(bad);
              sink_->commit();
            }),
            ErrorKind::Data);
  sink_->rollback();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(p));
}

// write_progress outside a transaction is refused with std::invalid_argument (a std::logic_error,
// like write()'s misuse); so are read_progress and ensure_progress_table inside one.
TEST_P(SinkConformance, ProgressMisuseIsRefused) {
  reset_progress();
  Progress p{job(), "c1", "1-0", "2-0", ""};
  EXPECT_THROW(sink_->write_progress(p), std::invalid_argument);
  sink_->begin();
  sink_->commit();
  EXPECT_THROW(sink_->write_progress(p), std::invalid_argument);
  EXPECT_FALSE(sink_->read_progress(job(), "c1").has_value());  // nothing was written

  sink_->begin();
  EXPECT_THROW(sink_->read_progress(job(), "c1"), std::invalid_argument);
  EXPECT_THROW(sink_->read_job_progress(job()), std::invalid_argument);
  EXPECT_THROW(sink_->ensure_progress_table(), std::invalid_argument);
  EXPECT_THROW(sink_->write_progress({"", "c1", "1-0", "2-0", ""}), std::invalid_argument);
  EXPECT_THROW(sink_->write_progress({job(), "", "1-0", "2-0", ""}), std::invalid_argument);
  sink_->write_progress(p);  // the transaction is still usable after refused calls
  sink_->commit();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(p));
  EXPECT_THROW(sink_->read_progress("", "c1"), std::invalid_argument);
  EXPECT_THROW(sink_->read_job_progress(""), std::invalid_argument);
  EXPECT_EQ(job_rows(*sink_, job()), (std::vector<std::vector<std::string>>{fields(p)}));

  // After a failure, only rollback() helps.
  create("id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL");
  TableWrite bad{ref(), {"id"}, {"name"}};
  bad.upserts = {R({"1", nullptr})};
  sink_->begin();
  EXPECT_EQ(error_kind_of([&] { sink_->write(bad); sink_->commit(); }), ErrorKind::Data);
  EXPECT_THROW(sink_->write_progress(p), std::logic_error);
  sink_->rollback();
}

TEST_P(SinkConformance, MissingProgressTableIsASchemaError) {
  reset_progress();
  Progress p{job(), "c1", "1-0", "2-0", ""};
  sink_->begin();
  sink_->write_progress(p);  // the dialect may have prepared (and cached) its statement
  sink_->commit();
  target_->exec(std::string("DROP TABLE ") + kProgressTable);
  std::string message;
  EXPECT_EQ(error_kind_of([&] { sink_->read_progress(job(), "c1"); }, &message), ErrorKind::Schema) << message;
  EXPECT_EQ(error_kind_of([&] { sink_->read_job_progress(job()); }, &message), ErrorKind::Schema) << message;
  sink_->begin();
  EXPECT_EQ(error_kind_of([&] { sink_->write_progress(p); sink_->commit(); }, &message), ErrorKind::Schema)
      << message;
  sink_->rollback();
  // Created again (by this sink): the same sink reads and writes it.
  sink_->ensure_progress_table();
  EXPECT_FALSE(sink_->read_progress(job(), "c1").has_value());
  EXPECT_TRUE(sink_->read_job_progress(job()).empty());
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(p));
  // And a new sink that starts with writing (no ensure, no read) too.
  auto fresh = wb::sink::make_sink(target_->settings());
  Progress next{job(), "c1", "3-0", "4-0", ""};
  fresh->begin();
  fresh->write_progress(next);
  fresh->commit();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(next));
}

TEST_P(SinkConformance, ProgressAfterAReconnect) {
  reset_progress();
  Progress p{job(), "c1", "1-0", "2-0", ""};
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  sink_->disconnect();  // what a Transient error does; cached statements are gone with the session
  p.committed_id = "3-0";
  sink_->begin();
  sink_->write_progress(p);
  sink_->commit();
  sink_->disconnect();
  EXPECT_EQ(fields(sink_->read_progress(job(), "c1")), fields(p));
  sink_->disconnect();
  EXPECT_EQ(job_rows(*sink_, job()), (std::vector<std::vector<std::string>>{fields(p)}));
}

}  // namespace wbtest

// The conformance suite: what every Sink dialect must do, against a real target (see
// conformance.h). Values go in as text and are read back as text through the target's own client.
#include "conformance.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace wbtest {

using wb::sink::ErrorKind;
using wb::sink::Row;
using wb::sink::SinkError;
using wb::sink::TableWrite;
using wb::sink::Type2Spec;

namespace {

constexpr size_t kMaxTableNameLength = 48;
constexpr int kBigBatchRows = 5000;

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

}  // namespace wbtest

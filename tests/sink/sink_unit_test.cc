// The parts of the sink that need no server: error classification tables, identifier quoting and
// the TableWrite shape check.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "sink/error_kinds.h"
#include "sink/identifiers.h"
#include "sink/pg_array.h"
#include "sink/sink_base.h"

namespace {

using wb::sink::ErrorKind;
using wb::sink::TableWrite;

TEST(ClassifyPostgres, BySqlstate) {
  for (const char* s : {"08006", "08001", "57P01", "57P02", "57P03", "40001", "40P01", "25006", "53300", "55P03"})
    EXPECT_EQ(wb::sink::classify_postgres(s), ErrorKind::Transient) << s;
  for (const char* s : {"42P01", "42703", "42501", "42601", "3F000", "3D000", "28P01", "XX000"})
    EXPECT_EQ(wb::sink::classify_postgres(s), ErrorKind::Schema) << s;
  for (const char* s : {"22001", "22P02", "22003", "22007", "23505", "23502", "23503", "23514", "21000", "P0001"})
    EXPECT_EQ(wb::sink::classify_postgres(s), ErrorKind::Data) << s;
  EXPECT_EQ(wb::sink::classify_postgres(""), ErrorKind::Transient);  // no code: connection failure
}

TEST(ClassifyMariadb, ByErrorNumberThenSqlstate) {
  for (unsigned n : {2002u, 2003u, 2006u, 2013u, 1053u, 1205u, 1213u, 1290u, 1836u, 1040u, 4031u, 1927u})
    EXPECT_EQ(wb::sink::classify_mariadb(n, "HY000"), ErrorKind::Transient) << n;
  for (unsigned n : {1146u, 1054u, 1142u, 1049u, 1064u, 1045u})
    EXPECT_EQ(wb::sink::classify_mariadb(n, "42S02"), ErrorKind::Schema) << n;
  for (unsigned n : {1406u, 1366u, 1264u, 1292u, 1062u, 1048u, 1452u, 1451u, 4025u, 3819u, 1690u})
    EXPECT_EQ(wb::sink::classify_mariadb(n, "HY000"), ErrorKind::Data) << n;
  // Numbers not listed fall back on their SQLSTATE class.
  EXPECT_EQ(wb::sink::classify_mariadb(9999, "22032"), ErrorKind::Data);
  EXPECT_EQ(wb::sink::classify_mariadb(9999, "08S01"), ErrorKind::Transient);
  EXPECT_EQ(wb::sink::classify_mariadb(9999, "HY000"), ErrorKind::Schema);
}

TEST(ClassifySqlite, ByResultCode) {
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_BUSY), ErrorKind::Transient);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_LOCKED), ErrorKind::Transient);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_BUSY_SNAPSHOT), ErrorKind::Transient);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_CONSTRAINT_UNIQUE), ErrorKind::Data);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_CONSTRAINT_DATATYPE), ErrorKind::Data);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_TOOBIG), ErrorKind::Data);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_MISMATCH), ErrorKind::Data);
  EXPECT_EQ(wb::sink::classify_sqlite(SQLITE_ERROR), ErrorKind::Schema);
}

TEST(Identifiers, QuotedAndValidated) {
  EXPECT_EQ(wb::sink::quote_double("plain", 63), "\"plain\"");
  EXPECT_EQ(wb::sink::quote_double("we\"ird name", 63), "\"we\"\"ird name\"");
  EXPECT_EQ(wb::sink::quote_backtick("a`b", 64), "`a``b`");
  EXPECT_THROW(wb::sink::quote_double("", 63), wb::sink::SinkError);
  EXPECT_THROW(wb::sink::quote_double(std::string(64, 'x'), 63), wb::sink::SinkError);
  EXPECT_THROW(wb::sink::quote_backtick(std::string("a\0b", 3), 64), wb::sink::SinkError);
}

// Decodes what append_pg_text_array wrote: the elements, NULL as nullopt; checks the header.
std::vector<wb::sink::Value> decode_text_array(const std::string& a) {
  size_t at = 0;
  auto u32 = [&] {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(a.at(at++));
    return v;
  };
  EXPECT_EQ(u32(), 1u);  // dimensions
  uint32_t has_nulls = u32();
  EXPECT_EQ(u32(), 25u);  // text
  uint32_t count = u32();
  EXPECT_EQ(u32(), 1u);  // lower bound
  std::vector<wb::sink::Value> out;
  bool saw_null = false;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = u32();
    if (len == 0xffffffffu) {
      out.push_back(std::nullopt);
      saw_null = true;
      continue;
    }
    out.push_back(a.substr(at, len));
    at += len;
  }
  EXPECT_EQ(at, a.size());
  EXPECT_EQ(has_nulls, saw_null ? 1u : 0u);
  return out;
}

TEST(PgArray, BinaryTextArrayCarriesValuesVerbatim) {
  std::vector<wb::sink::Row> rows = {{"plain"}, {std::nullopt}, {""}, {"NULL"}, {"a,b"}, {"{x}"},
                                     {"say \"hi\""}, {"back\\slash"}, {" sp "}, {"ü✓\n"}};
  std::string out;
  wb::sink::append_pg_text_array(out, {&rows}, 0);
  std::vector<wb::sink::Value> expected;
  for (const auto& r : rows) expected.push_back(r[0]);
  EXPECT_EQ(decode_text_array(out), expected);
}

TEST(PgArray, JoinsSeveralListsAndPicksTheColumn) {
  std::vector<wb::sink::Row> a = {{"1", "x"}}, b = {}, c = {{"2", "y"}, {"3", "z"}};
  std::string out;
  wb::sink::append_pg_text_array(out, {&a, &b, &c}, 1);
  EXPECT_EQ(decode_text_array(out), (std::vector<wb::sink::Value>{"x", "y", "z"}));
  out.clear();
  wb::sink::append_pg_text_array(out, {&b}, 0);
  EXPECT_TRUE(decode_text_array(out).empty());
}

TEST(PgArray, NulByteIsADataError) {
  std::vector<wb::sink::Row> rows = {{std::string("a\0b", 3)}};
  std::string out;
  try {
    wb::sink::append_pg_text_array(out, {&rows}, 0);
    FAIL() << "encoded a NUL byte";
  } catch (const wb::sink::SinkError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data);
  }
}

TEST(CheckShape, RejectsMalformedWrites) {
  TableWrite ok{{"", "t"}, {"id"}, {"v"}};
  ok.upserts = {{"1", "x"}};
  ok.deletes = {{"2"}};
  EXPECT_NO_THROW(wb::sink::check_shape(ok));

  TableWrite wide = ok;
  wide.upserts = {{"1", "x", "extra"}};
  EXPECT_THROW(wb::sink::check_shape(wide), std::invalid_argument);

  TableWrite overlap{{"", "t"}, {"id"}, {"id"}};
  EXPECT_THROW(wb::sink::check_shape(overlap), std::invalid_argument);

  TableWrite keyless{{"", "t"}, {}, {"v"}};
  keyless.deletes = {{}};
  EXPECT_THROW(wb::sink::check_shape(keyless), std::invalid_argument);

  TableWrite type2{{"", "t"}, {"id"}, {"v"}};
  type2.type2_inserts = {{"1", "x"}};
  EXPECT_THROW(wb::sink::check_shape(type2), std::invalid_argument);  // no Type2Spec

  TableWrite append{{"", "t"}, {}, {"a", "b"}};
  append.appends = {{"1", std::nullopt}};
  EXPECT_NO_THROW(wb::sink::check_shape(append));
}

}  // namespace

// The behaviour every Sink dialect must show, written once (conformance_test.cc) and run against
// each real target: a Target gives the tests a place to create tables, a way to read them back, and
// the few DDL spellings that differ. Each dialect's test binary links conformance_test.cc with its
// own <dialect>_test.cc, which instantiates the suite and adds dialect-only cases.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "sink/sink.h"

namespace wbtest {

using Rows = std::vector<std::vector<std::string>>;  // NULL reads back as "\N"

class Target {
 public:
  virtual ~Target() = default;
  virtual std::string name() const = 0;
  virtual wb::sink::ConnectionSettings settings() = 0;
  // The TableRef.schema of test tables, and how SQL in tests names a table.
  virtual std::string schema() = 0;
  virtual std::string qualified(const std::string& table) = 0;
  virtual void exec(const std::string& sql) = 0;
  virtual Rows query(const std::string& sql) = 0;

  // DDL spellings: a text column that may be long, a column definition holding at most n characters
  // (SQLite enforces no length, so a CHECK stands in), and the suffix that makes a table reject text
  // in integer columns (SQLite: STRICT).
  virtual std::string long_text() = 0;
  virtual std::string bounded_text(const std::string& column, int n) = 0;
  virtual std::string strict_suffix() = 0;
};

using TargetFactory = std::function<std::unique_ptr<Target>()>;

struct TargetParam {
  std::string name;
  TargetFactory make;
};

class SinkConformance : public ::testing::TestWithParam<TargetParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A table name unique to this test, and its qualified spelling for SQL in the test.
  std::string table() const { return table_; }
  std::string q() { return target_->qualified(table_); }
  wb::sink::TableRef ref() { return {target_->schema(), table_}; }
  // Drops and creates the test's table from a column list: create("id INTEGER NOT NULL, ...").
  void create(const std::string& columns_and_constraints, const std::string& suffix = "");
  Rows rows(const std::string& columns, const std::string& order_by);
  // Progress tests: a job name unique to this test (the table name, plus suffix), and
  // ensure_progress_table() followed by deleting the rows of every job of this test (left by an
  // earlier instantiation of the suite on the same server).
  std::string job(const std::string& suffix = "") const { return table_ + suffix; }
  void reset_progress();

  std::unique_ptr<Target> target_;
  std::unique_ptr<wb::sink::Sink> sink_;
  std::string table_;
};

inline std::string param_name(const ::testing::TestParamInfo<TargetParam>& info) { return info.param.name; }
// How gtest shows a parameter in test listings and failures.
inline void PrintTo(const TargetParam& p, std::ostream* os) { *os << p.name; }

}  // namespace wbtest

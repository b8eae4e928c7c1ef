// Unit tests of WB.JOB.SET argument parsing and the registry value format (src/module/job_spec.h).
#include "module/job_spec.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

using namespace wb::capture;

namespace {

std::variant<JobSpec, std::string> parse(std::vector<std::string> args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  return parse_job_args(views);
}

std::string error_of(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("<parsed>");
}

}  // namespace

TEST(JobSpec, ParsesEveryOption) {
  auto r = parse({"orders", "PATTERN", "order:*", "pattern", "o2:*", "EXCLUDE", "HDEL", "del",
                  "EXPIRED", "yes", "evicted", "No"});
  ASSERT_TRUE(std::holds_alternative<JobSpec>(r)) << std::get<std::string>(r);
  const JobSpec& s = std::get<JobSpec>(r);
  EXPECT_EQ(s.name, "orders");
  EXPECT_EQ(s.patterns, (std::vector<std::string>{"order:*", "o2:*"}));
  EXPECT_EQ(s.excludes, (std::vector<std::string>{"hdel", "del"}));
  EXPECT_TRUE(s.expired);
  EXPECT_FALSE(s.evicted);
  EXPECT_TRUE(s.excludes_event("hdel"));
  EXPECT_FALSE(s.excludes_event("hset"));
}

TEST(JobSpec, DefaultsAreNoExpiredNoEvicted) {
  auto r = parse({"j", "PATTERN", "x"});
  ASSERT_TRUE(std::holds_alternative<JobSpec>(r));
  EXPECT_FALSE(std::get<JobSpec>(r).expired);
  EXPECT_FALSE(std::get<JobSpec>(r).evicted);
  EXPECT_TRUE(std::get<JobSpec>(r).excludes.empty());
}

TEST(JobSpec, RejectsBadInput) {
  EXPECT_NE(error_of({"bad name", "PATTERN", "x"}).find("invalid job name"), std::string::npos);
  EXPECT_NE(error_of({std::string(65, 'a'), "PATTERN", "x"}).find("invalid job name"), std::string::npos);
  EXPECT_NE(error_of({std::string("a\0b", 3), "PATTERN", "x"}).find("invalid job name"), std::string::npos);
  EXPECT_NE(error_of({"j"}).find("at least one PATTERN"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN"}).find("PATTERN needs"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", ""}).find("empty pattern"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "a[b"}).find("unterminated"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", std::string(5000, 'a')}).find("longer than"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "x", "FOO", "bar"}).find("unknown option 'FOO'"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "x", "EXPIRED", "maybe"}).find("yes or no"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "x", "EXPIRED"}).find("yes or no"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "x", "EXPIRED", "yes", "EXPIRED", "no"}).find("more than once"),
            std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "x", "EXCLUDE"}).find("at least one"), std::string::npos);
  EXPECT_NE(error_of({"j", "PATTERN", "x", "EXCLUDE", "h del"}).find("invalid EXCLUDE"), std::string::npos);
  std::vector<std::string> many = {"j"};
  for (std::size_t i = 0; i <= kMaxPatternsPerJob; ++i) {
    many.push_back("PATTERN");
    many.push_back("p" + std::to_string(i) + ":*");
  }
  EXPECT_NE(error_of(many).find("too many patterns"), std::string::npos);
}

TEST(JobSpec, ExcludeListEndsAtNextKeyword) {
  auto r = parse({"j", "EXCLUDE", "hdel", "PATTERN", "x", "EVICTED", "yes"});
  ASSERT_TRUE(std::holds_alternative<JobSpec>(r)) << std::get<std::string>(r);
  EXPECT_EQ(std::get<JobSpec>(r).excludes, std::vector<std::string>{"hdel"});
  EXPECT_EQ(std::get<JobSpec>(r).patterns, std::vector<std::string>{"x"});
  EXPECT_TRUE(std::get<JobSpec>(r).evicted);
}

TEST(JobSpec, ValidJobNames) {
  EXPECT_TRUE(valid_job_name("a"));
  EXPECT_TRUE(valid_job_name("Orders_2024.v1-x"));
  EXPECT_TRUE(valid_job_name(std::string(64, 'z')));
  EXPECT_FALSE(valid_job_name(""));
  EXPECT_FALSE(valid_job_name(std::string(65, 'z')));
  EXPECT_FALSE(valid_job_name("a:b"));
  EXPECT_FALSE(valid_job_name("\xc3\xa9"));
}

TEST(JobSpec, RegistryFormatRoundTripsBinaryPatterns) {
  JobSpec s;
  s.name = "bin";
  s.patterns = {std::string("k\0,:*", 5), "1:x,2:*", "plain:*"};
  s.excludes = {"hdel", "json.del"};
  s.expired = true;
  std::string value = serialize(s);
  auto back = deserialize("bin", value);
  ASSERT_TRUE(std::holds_alternative<JobSpec>(back)) << std::get<std::string>(back);
  EXPECT_EQ(std::get<JobSpec>(back), s);
}

TEST(JobSpec, RegistryFormatIsDocumentedNetstrings) {
  JobSpec s;
  s.name = "user";
  s.patterns = {"user:*"};
  s.excludes = {"hdel"};
  EXPECT_EQ(serialize(s), "1:v,1:1,7:pattern,6:user:*,7:exclude,4:hdel,7:expired,2:no,7:evicted,2:no,");
}

TEST(JobSpec, RegistryFormatRejectsGarbage) {
  for (const char* bad : {"", "garbage", "1:v,1:2,7:pattern,1:x,", "1:v,1:1,", "1:v,1:1,7:pattern,9:x,",
                          "1:v,1:1,7:pattern,1:x,3:foo,3:bar,", "7:pattern,1:x,1:v,1:1,",
                          "1:v,1:1,7:pattern,1:x,7:expired,5:maybe,",
                          "1:v,1:1,7:pattern,1:x,7:expired,3:yes,7:expired,2:no,",
                          "1:v,1:1,7:pattern,0:,", "99999999999:v,"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(deserialize("j", bad))) << bad;
  }
  JobSpec ok;
  ok.name = "x";
  ok.patterns = {"p"};
  EXPECT_TRUE(std::holds_alternative<std::string>(deserialize("bad name", serialize(ok))));
}

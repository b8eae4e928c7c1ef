// Unit tests of the Redis-compatible glob (src/module/glob.h). The expectations follow Redis's
// stringmatchlen(); module_test's GlobAgreesWithRedis runs the same kind of table against a real
// redis-server's KEYS to pin the semantics to Redis itself.
#include "module/glob.h"

#include <gtest/gtest.h>

using wb::glob::glob_match;
using wb::glob::is_literal;
using wb::glob::is_prefix_star;
using wb::glob::literal_prefix;
using wb::glob::validate_glob;

TEST(Glob, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(glob_match("user:*", "user:1"));
  EXPECT_TRUE(glob_match("user:*", "user:"));
  EXPECT_FALSE(glob_match("user:*", "use"));
  EXPECT_TRUE(glob_match("*", "x"));
  EXPECT_TRUE(glob_match("a*b*c", "abc"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYcd"));
  EXPECT_TRUE(glob_match("*:*:end", "a:b:c:end"));
  EXPECT_TRUE(glob_match("**x", "abx"));
}

TEST(Glob, EmptyTextMatchesNothingLikeRedis) {
  EXPECT_FALSE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("a", ""));
}

TEST(Glob, QuestionMarkIsExactlyOneByte) {
  EXPECT_TRUE(glob_match("h?llo", "hello"));
  EXPECT_FALSE(glob_match("h?llo", "hllo"));
  EXPECT_FALSE(glob_match("h?llo", "heello"));
  EXPECT_TRUE(glob_match("?", "\xff"));
}

TEST(Glob, BracketSetsRangesAndNegation) {
  EXPECT_TRUE(glob_match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[ae]llo", "hillo"));
  EXPECT_TRUE(glob_match("h[^e]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob_match("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(glob_match("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(glob_match("h[b-a]llo", "hallo"));  // reversed range: bounds swapped
  EXPECT_TRUE(glob_match("[\\]]", "]"));           // escaped ']' inside a set
  EXPECT_FALSE(glob_match("[]", "]"));             // "[]" is an empty set
  EXPECT_TRUE(glob_match("[^]", "x"));             // negated empty set matches any byte
}

TEST(Glob, BackslashEscapesOneByte) {
  EXPECT_TRUE(glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(glob_match("a\\*b", "aXb"));
  EXPECT_TRUE(glob_match("\\?", "?"));
  EXPECT_FALSE(glob_match("\\?", "x"));
  EXPECT_TRUE(glob_match("\\[x]", "[x]"));
}

TEST(Glob, BinaryBytes) {
  std::string pattern("k\0*", 3);
  EXPECT_TRUE(glob_match(pattern, std::string("k\0zz", 4)));
  EXPECT_FALSE(glob_match(pattern, std::string("k\1zz", 4)));
}

TEST(Glob, ManyStarsStayFast) {
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "a*";
  pattern += "b";
  std::string text(5000, 'a');
  EXPECT_FALSE(glob_match(pattern, text));  // backtracking to the last star only: no blow-up
}

TEST(Glob, Validation) {
  EXPECT_FALSE(validate_glob("user:*"));
  EXPECT_FALSE(validate_glob("[a-z]?\\*"));
  EXPECT_TRUE(validate_glob(""));
  EXPECT_TRUE(validate_glob("abc\\"));
  EXPECT_TRUE(validate_glob("user:[abc"));
  EXPECT_TRUE(validate_glob("[a-]"));  // Redis reads ']' as the range's upper bound: unterminated
  EXPECT_FALSE(validate_glob("[\\]]"));
  EXPECT_TRUE(validate_glob(std::string(wb::glob::kMaxPatternBytes + 1, 'a')));
  EXPECT_FALSE(validate_glob(std::string(wb::glob::kMaxPatternBytes, 'a')));
}

TEST(Glob, PrefixAnalysis) {
  EXPECT_EQ(literal_prefix("user:*"), "user:");
  EXPECT_EQ(literal_prefix("user:[ab]*"), "user:");
  EXPECT_EQ(literal_prefix("a\\*b"), "a");
  EXPECT_EQ(literal_prefix("*x"), "");
  EXPECT_TRUE(is_prefix_star("user:*"));
  EXPECT_TRUE(is_prefix_star("user:**"));
  EXPECT_FALSE(is_prefix_star("user:*:x"));
  EXPECT_FALSE(is_prefix_star("user:1"));
  EXPECT_TRUE(is_literal("user:1"));
  EXPECT_FALSE(is_literal("user:?"));
}

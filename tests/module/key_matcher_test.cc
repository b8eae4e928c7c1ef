// Unit tests of the prefix-indexed key matcher (src/module/key_matcher.h): it must agree with
// matching every pattern by glob, whatever the mix of prefixes.
#include "module/key_matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "module/glob.h"

using wb::capture::KeyMatcher;

namespace {
std::vector<uint32_t> match(const KeyMatcher& m, std::string_view key) {
  std::vector<uint32_t> out;
  m.match(key, &out);
  return out;
}
}  // namespace

TEST(KeyMatcher, FindsJobsByPrefixLiteralAndGlob) {
  KeyMatcher m;
  m.add("user:*", 0);
  m.add("user:admin:*", 1);
  m.add("order:?", 2);
  m.add("exact", 3);
  m.add("*:audit", 4);
  m.add("user:[0-9]*", 5);
  EXPECT_EQ(match(m, "user:7"), (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(match(m, "user:admin:1"), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(match(m, "user:x:audit"), (std::vector<uint32_t>{0, 4}));
  EXPECT_EQ(match(m, "order:1"), (std::vector<uint32_t>{2}));
  EXPECT_EQ(match(m, "order:12"), (std::vector<uint32_t>{}));
  EXPECT_EQ(match(m, "exact"), (std::vector<uint32_t>{3}));
  EXPECT_EQ(match(m, "exactly"), (std::vector<uint32_t>{}));
  EXPECT_EQ(match(m, "user"), (std::vector<uint32_t>{}));
  EXPECT_EQ(match(m, ""), (std::vector<uint32_t>{}));
}

TEST(KeyMatcher, JobWithSeveralMatchingPatternsAppearsOnce) {
  KeyMatcher m;
  m.add("a:*", 7);
  m.add("a:b*", 7);
  m.add("*", 7);
  EXPECT_EQ(match(m, "a:bc"), (std::vector<uint32_t>{7}));
}

TEST(KeyMatcher, AgreesWithPlainGlobOnRandomInput) {
  const std::vector<std::string> patterns = {
      "u:*", "u:1*", "u:?", "u:[12]", "u:\\*", "*", "*1", "u:*:x", "u:[^a]*", "v", "v*", "u:1",
      "u:**", "?:*", "[uv]:*"};
  KeyMatcher m;
  for (uint32_t i = 0; i < patterns.size(); ++i) m.add(patterns[i], i);
  std::mt19937 rng(42);
  const std::string alphabet = "uv:1*ax";
  for (int n = 0; n < 20000; ++n) {
    std::string key;
    std::size_t len = rng() % 7;
    for (std::size_t i = 0; i < len; ++i) key += alphabet[rng() % alphabet.size()];
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < patterns.size(); ++i) {
      if (wb::glob::glob_match(patterns[i], key)) expected.push_back(i);
    }
    ASSERT_EQ(match(m, key), expected) << "key '" << key << "'";
  }
}

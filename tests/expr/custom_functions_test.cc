// RDI's custom JMESPath functions: each one on its documented example, then its edges (null,
// wrong types, empty, unicode). Expected digests and Python-derived results were computed with
// Python's hashlib/str/re (RDI runs these functions in Python).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <set>

#include "jmespath_helpers.h"

namespace {

using nlohmann::json;
using wbtest::error_kind;
using wbtest::search;

TEST(Base64Decode, DocumentedExample) {
  EXPECT_EQ(search("base64_decode(encoded)", R"({"encoded": "SGVsbG8gV29ybGQh"})"), json("Hello World!"));
}
TEST(Base64Decode, Edges) {
  EXPECT_EQ(search("base64_decode('')"), json(""));
  EXPECT_EQ(search("base64_decode('R3LDvMOfZSDinJM=')"), json("Grüße ✓"));
  EXPECT_EQ(search("base64_decode('SGVs\nbG8=')"), json("Hello"));  // non-alphabet skipped
  EXPECT_EQ(error_kind("base64_decode('SGVsbG8')"), "invalid-value");    // padding missing
  EXPECT_EQ(error_kind("base64_decode('/w==')"), "invalid-value");       // 0xFF is not UTF-8
  EXPECT_EQ(error_kind("base64_decode(missing)"), "invalid-type");       // null
  EXPECT_EQ(error_kind("base64_decode(`1`)"), "invalid-type");
}

TEST(Capitalize, DocumentedExample) {
  EXPECT_EQ(search("capitalize(name)", R"({"name": "john doe"})"), json("John Doe"));
}
TEST(Capitalize, Edges) {
  // Python's string.capwords: whitespace collapsed, the rest of each word lower-cased.
  EXPECT_EQ(search("capitalize(s)", R"({"s": "  hello   wORLD  é ça  "})"), json("Hello World É Ça"));
  EXPECT_EQ(search("capitalize('')"), json(""));
  EXPECT_EQ(search("capitalize(missing)"), json());
  EXPECT_EQ(error_kind("capitalize(`5`)"), "invalid-type");
}

TEST(Concat, DocumentedExample) {
  EXPECT_EQ(search("concat([fname, ' ', lname])", R"({"fname": "john", "lname": "doe"})"),
            json("john doe"));
}
TEST(Concat, Edges) {
  EXPECT_EQ(search("concat(`[]`)"), json(""));
  // Python's str() of each element, as RDI computes it.
  EXPECT_EQ(search("concat([a, b, c, d, e])", R"({"a": 1, "b": 2.5, "c": true, "d": null})"),
            json("12.5TrueNoneNone"));
  EXPECT_EQ(search("concat(['é', '✓'])"), json("é✓"));
  EXPECT_EQ(error_kind("concat('abc')"), "invalid-type");
  EXPECT_EQ(error_kind("concat(missing)"), "invalid-type");
}

TEST(FilterEntries, DocumentedExample) {
  std::string doc = R"({"name": "John", "age": 30, "country": "US", "score": 15})";
  EXPECT_EQ(search("filter_entries(@, `key == 'name' || key == 'age'`)", doc),
            json::parse(R"({"name": "John", "age": 30})"));
}
TEST(FilterEntries, ExpressionReferenceAndStringForms) {
  std::string doc = R"({"a": 1, "b": 20, "c": "x"})";
  EXPECT_EQ(search("filter_entries(@, &value > `5`)", doc), json::parse(R"({"b": 20})"));
  EXPECT_EQ(search("filter_entries(@, 'type(value) == `\"number\"`')", doc),
            json::parse(R"({"a": 1, "b": 20})"));
  EXPECT_EQ(search("filter_entries(@, p)", R"({"a": 1, "b": 2, "p": "key == 'b'"})"),
            json::parse(R"({"b": 2})"));
}
TEST(FilterEntries, Edges) {
  EXPECT_EQ(search("filter_entries(missing, &value)"), json());
  EXPECT_EQ(search("filter_entries(`{}`, &value)"), json::object());
  // Python truthiness: 0 is false here (unlike JMESPath's own filters).
  EXPECT_EQ(search("filter_entries(@, &value)", R"({"z": 0, "o": 1, "e": ""})"), json::parse(R"({"o": 1})"));
  // A predicate failing on an entry drops that entry (RDI swallows the error).
  EXPECT_EQ(search("filter_entries(@, &abs(value) > `1`)", R"({"a": -5, "b": "x", "c": 1})"),
            json::parse(R"({"a": -5})"));
  EXPECT_EQ(search("filter_entries(@, &key == 'é')", R"({"é": 1, "e": 2})"), json::parse(R"({"é": 1})"));
  EXPECT_EQ(error_kind("filter_entries(`[1]`, &value)"), "invalid-type");
  EXPECT_EQ(error_kind("filter_entries(@, `5`)"), "invalid-type");
  // A literal predicate is compiled with the expression: its errors are compile errors.
  EXPECT_EQ(error_kind("filter_entries(@, 'key ==')"), "syntax");
  EXPECT_EQ(error_kind("filter_entries(@, 'nope(key)')"), "unknown-function");
}

TEST(Entries, ToAndFromEntries) {
  EXPECT_EQ(search("to_entries(@)", R"({"b": 2, "a": null})"),
            json::parse(R"([{"key": "a", "value": null}, {"key": "b", "value": 2}])"));
  EXPECT_EQ(search("from_entries(@)",
                   R"([{"key": "name", "value": "John"}, {"key": "age", "value": 30},
                       {"key": "city", "value": null}])"),
            json::parse(R"({"name": "John", "age": 30, "city": null})"));
  EXPECT_EQ(search("from_entries(to_entries(@))", R"({"x": [1], "ü": {"k": true}})"),
            json::parse(R"({"x": [1], "ü": {"k": true}})"));
}
TEST(Entries, Edges) {
  EXPECT_EQ(search("to_entries(missing)"), json());
  EXPECT_EQ(search("to_entries(`{}`)"), json::array());
  EXPECT_EQ(search("from_entries(missing)"), json());
  EXPECT_EQ(search("from_entries(`[]`)"), json::object());
  // Entries that are not objects, or have no key, are skipped; a missing value is null.
  EXPECT_EQ(search("from_entries(`[1, {\"value\": 2}, {\"key\": null}, {\"key\": \"k\"}, {\"key\": 5, \"value\": 6}]`)"),
            json::parse(R"({"k": null, "5": 6})"));
  EXPECT_EQ(error_kind("from_entries(`[{\"key\": [1]}]`)"), "invalid-type");
  EXPECT_EQ(error_kind("to_entries(`[]`)"), "invalid-type");
  EXPECT_EQ(error_kind("from_entries(`{}`)"), "invalid-type");
}

TEST(Hash, DocumentedExampleAndDefault) {
  EXPECT_EQ(search("hash(some_str, `sha1`)", R"({"some_str": "some_value"})"),
            json("8c818171573b03feeae08b0b4ffeb6999e3afc05"));
  EXPECT_EQ(search("hash(some_str)", R"({"some_str": "some_value"})"),
            json("8c818171573b03feeae08b0b4ffeb6999e3afc05"));
}
TEST(Hash, EveryAlgorithm) {
  const std::pair<const char*, const char*> kDigests[] = {
      {"md5", "9619030c750b430095b12d365196de91"},
      {"sha1", "8c818171573b03feeae08b0b4ffeb6999e3afc05"},
      {"sha224", "b12e50514274704795ed9dede2b06e4804a441b6b884d423f4d050ea"},
      {"sha256", "bf8260204a85f123e8c486c01057463ae681906de652202e82c7aa25d9e06bfe"},
      {"sha384", "ba72079ff696e33ed9d5df2b511d00064102294fc07026d5e8f32e3db93e40f7ee94d4fb28bc548f4e62869c1a311850"},
      {"sha512", "720cdbebb3c31da1408c822e2729c1fb29ba53c15086f0c50ddcf04109d62a6cc16a9bf9be4672f63d01782917f44ecdff384c61942771d80e38eb5e0852b0c6"},
      {"sha3_224", "f315d4c06f92800494ef0db7899b46ec3234709470e2b58817969b14"},
      {"sha3_256", "7c7739749ce3479554acff0a2521b283b2a9982dca8a006b760b247519f76eb8"},
      {"sha3_384", "c85b3b677bfb287e3a72bd246dba184d701c9c0abfc42bd60ec48b1b93a7fc2d9b84ac4154d9166eab0c760589d3e839"},
      {"sha3_512", "1b97f736a97c6fdeda3a8fdc6f61ce1b09d5b504fe144cf6d542f1746841a6fd53070183190b55ed93b21528c02dfdc462c62a45239c4d8e5af99132df2dcc03"},
      {"blake2b", "701373d459993d7508fa7bbf21e7fdaa0f01f25cc5cc9dab5b1ecff8b0076193e0f17d881e1a8039b8796cea8e9f35a8feaf7da4053537285c1dc7b845907e69"},
      {"blake2s", "f4bbf57a48b2fbc9facd4321003bcc8e1d23d7cf8994211c36dca500ca1042b5"},
  };
  for (const auto& [algorithm, digest] : kDigests) {
    EXPECT_EQ(search(std::string("hash('some_value', '") + algorithm + "')"), json(digest)) << algorithm;
  }
  EXPECT_EQ(search("hash('some_value', 'SHA256')"), json(kDigests[3].second));
}
TEST(Hash, Edges) {
  EXPECT_EQ(search("hash(missing)"), json("da39a3ee5e6b4b0d3255bfef95601890afd80709"));  // ""
  EXPECT_EQ(search("hash(`{\"b\": [true, null], \"a\": 1}`, 'sha256')"),  // compact, sorted keys
            json("1cc69c7fa23616ca2ec3ee70d24390a6225c8832db8a4c814c7e0e7f942f8668"));
  EXPECT_EQ(search("hash('héllo ✓', 'sha256')"),
            json("5657cdef8a85a584e0e961e6f8247cf5d3f8ed21496ed6fdbcfd43a761e94245"));
  EXPECT_EQ(error_kind("hash('x', 'crc32')"), "invalid-value");
  EXPECT_EQ(error_kind("hash('x', `1`)"), "invalid-type");
  EXPECT_EQ(error_kind("hash()"), "invalid-arity");
  EXPECT_EQ(error_kind("hash('a', 'sha1', 'x')"), "invalid-arity");
}

TEST(In, Membership) {
  EXPECT_EQ(search("in(country, `[\"US\", \"FR\"]`)", R"({"country": "FR"})"), json(true));
  EXPECT_EQ(search("in(country, `[\"US\", \"FR\"]`)", R"({"country": "DE"})"), json(false));
  EXPECT_EQ(search("in(`1`, `[1.0]`)"), json(true));
  EXPECT_EQ(search("in(`true`, `[1]`)"), json(false));
  EXPECT_EQ(search("in(missing, `[null]`)"), json(true));
  EXPECT_EQ(search("in(`{\"a\": [1]}`, `[{\"a\": [1]}]`)"), json(true));
  EXPECT_EQ(search("in('x', `[]`)"), json(false));
  EXPECT_EQ(error_kind("in('x', 'xyz')"), "invalid-type");
}

TEST(LeftRightMid, CountCodePoints) {
  std::string doc = R"({"s": "héllo"})";
  EXPECT_EQ(search("left(s, `2`)", doc), json("hé"));
  EXPECT_EQ(search("right(s, `2`)", doc), json("lo"));
  EXPECT_EQ(search("mid(s, `1`, `3`)", doc), json("éll"));
  EXPECT_EQ(search("left('𝄞a', `1`)"), json("𝄞"));
}
TEST(LeftRightMid, PythonSliceEdges) {
  std::string doc = R"({"s": "héllo"})";
  EXPECT_EQ(search("left(s, `0`)", doc), json(""));
  EXPECT_EQ(search("right(s, `0`)", doc), json("héllo"));  // Python's s[-0:]
  EXPECT_EQ(search("left(s, `99`)", doc), json("héllo"));
  EXPECT_EQ(search("left(s, `-1`)", doc), json("héll"));
  EXPECT_EQ(search("mid(s, `-3`, `2`)", doc), json("ll"));
  EXPECT_EQ(search("mid(s, `10`, `2`)", doc), json(""));
  EXPECT_EQ(search("left(missing, `2`)"), json());
  EXPECT_EQ(search("left('', `2`)"), json(""));
  EXPECT_EQ(error_kind("left(s, `1.5`)", doc), "invalid-type");
  EXPECT_EQ(error_kind("left(s, '1')", doc), "invalid-type");
  EXPECT_EQ(error_kind("left(`1`, `1`)"), "invalid-type");
  EXPECT_EQ(error_kind("mid(s, `1`)", doc), "invalid-arity");
}

TEST(LowerUpper, Cases) {
  EXPECT_EQ(search("lower('HeLLo ÉTÉ')"), json("hello été"));
  EXPECT_EQ(search("upper('HeLLo été ✓')"), json("HELLO ÉTÉ ✓"));
  EXPECT_EQ(search("upper('')"), json(""));
  EXPECT_EQ(search("lower(missing)"), json());
  EXPECT_EQ(error_kind("upper(`[\"a\"]`)"), "invalid-type");
}

TEST(JsonParse, Values) {
  EXPECT_EQ(search("json_parse(s)", R"({"s": "{\"a\": [1, 2.5, \"é\"]}"})"),
            json::parse(R"({"a": [1, 2.5, "é"]})"));
  EXPECT_EQ(search("json_parse(s).a", R"({"s": "{\"a\": 7}"})"), json(7));
  EXPECT_EQ(search("json_parse('null')"), json());
  EXPECT_EQ(error_kind("json_parse('{bad')"), "invalid-value");
  EXPECT_EQ(error_kind("json_parse('')"), "invalid-value");
  EXPECT_EQ(error_kind("json_parse(missing)"), "invalid-type");
}

TEST(RegexReplace, Groups) {
  EXPECT_EQ(search("regex_replace(s, '(\\w+)@(\\w+)', '\\2 at \\1')", R"({"s": "joe@home, ann@work"})"),
            json("home at joe, work at ann"));
  EXPECT_EQ(search("regex_replace(s, '[0-9]+', '#')", R"({"s": "a1b22c333"})"), json("a#b#c#"));
  EXPECT_EQ(search("regex_replace('abc', '(b)', '\\g<1>\\g<1>')"), json("abbc"));
}
TEST(RegexReplace, Edges) {
  EXPECT_EQ(search("regex_replace('abxd', 'x*', '-')"), json("-a-b--d-"));  // Python 3.7+ empty matches
  EXPECT_EQ(search("regex_replace('', 'a', 'b')"), json(""));
  EXPECT_EQ(search("regex_replace('a-b', '-', '\\\\')"), json("a\\b"));
  EXPECT_EQ(search("regex_replace('ab', '(x)?b', '[\\1]')"), json("a[]"));  // unmatched group: empty
  EXPECT_EQ(search("regex_replace(s, p, 'X')", R"({"s": "été", "p": "t"})"), json("éXé"));
  EXPECT_EQ(error_kind("regex_replace('a', '(', 'x')"), "invalid-value");  // literal: at compile
  EXPECT_EQ(error_kind("regex_replace('a', p, 'x')", R"({"p": "("})"), "invalid-value");
  EXPECT_EQ(error_kind("regex_replace('a', 'a', '\\2')"), "invalid-value");
  EXPECT_EQ(error_kind("regex_replace('a', 'a', '\\q')"), "invalid-value");
  EXPECT_EQ(error_kind("regex_replace(missing, 'a', 'b')"), "invalid-type");
}

TEST(Replace, Occurrences) {
  EXPECT_EQ(search("replace(s, 'o', '0')", R"({"s": "foo boo"})"), json("f00 b00"));
  EXPECT_EQ(search("replace('aaa', 'aa', 'b')"), json("ba"));
  EXPECT_EQ(search("replace('été', 'é', 'e')"), json("ete"));
  EXPECT_EQ(search("replace('abc', '', 'x')"), json("abc"));  // empty pattern: unchanged
  EXPECT_EQ(search("replace(missing, 'a', 'b')"), json());
  EXPECT_EQ(error_kind("replace('a', `1`, 'b')"), "invalid-type");
}

TEST(Split, Delimiters) {
  EXPECT_EQ(search("split('a,b,,c')"), json::parse(R"(["a","b","","c"])"));
  EXPECT_EQ(search("split('a b', ',')"), json::parse(R"(["a b"])"));
  EXPECT_EQ(search("split('a::b', '::')"), json::parse(R"(["a","b"])"));
  EXPECT_EQ(search("split('é✓é', '✓')"), json::parse(R"(["é","é"])"));
  EXPECT_EQ(search("split('', ',')"), json::parse(R"([""])"));
  EXPECT_EQ(search("split('  a  b ', `null`)"), json::parse(R"(["a","b"])"));  // Python's split()
  EXPECT_EQ(search("split(missing)"), json());
  EXPECT_EQ(error_kind("split('a', '')"), "invalid-value");
  EXPECT_EQ(error_kind("split(`1`)"), "invalid-type");
}

// Unix seconds of a UTC calendar time.
std::int64_t unix_seconds(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(TimeDelta, IsoTextAndUnixSeconds) {
  // Every variant is compared with the same instant computed independently; a second of slack
  // covers the clock moving between the two reads.
  std::int64_t expected = now_seconds() - (unix_seconds(2011, 11, 4, 0, 5, 23) - 4 * 3600);
  json got = search("time_delta_seconds('2011-11-04T00:05:23+04:00')");
  ASSERT_TRUE(got.is_number_integer());
  EXPECT_NEAR(got.get<double>(), static_cast<double>(expected), 1.0);
  EXPECT_NEAR(search("time_delta_seconds('2011-11-03T20:05:23Z')").get<double>(), expected, 1.0);
  EXPECT_NEAR(search("time_delta_seconds('20111103T200523Z')").get<double>(), expected, 1.0);
  EXPECT_NEAR(search("time_delta_seconds(`1320350723`)").get<double>(), expected, 1.0);
  EXPECT_NEAR(search("time_delta_seconds('2011-11-03 20:05:23.5+00:00')").get<double>(), expected - 1, 1.0);
  EXPECT_NEAR(search("time_delta_days(`1320350723`)").get<double>(), expected / 86400, 1.0);
}
TEST(TimeDelta, FutureIsNegativeAndFloored) {
  std::int64_t in_a_day_and_a_bit = now_seconds() + 86400 + 3600;
  json days = search("time_delta_days(t)", "{\"t\": " + std::to_string(in_a_day_and_a_bit) + "}");
  EXPECT_EQ(days, json(-2));  // -1 day -1 hour floors to day -2, as Python's timedelta
  json seconds = search("time_delta_seconds(t)", "{\"t\": " + std::to_string(in_a_day_and_a_bit) + "}");
  EXPECT_NEAR(seconds.get<double>(), -(86400.0 + 3600.0), 2.0);
}
TEST(TimeDelta, NaiveTimesAreLocalAndDatesAreMidnight) {
  // TZ is whatever the machine has; naive times compare with local wall-clock time either way.
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &local);
  json seconds = search(std::string("time_delta_seconds('") + text + "')");
  EXPECT_NEAR(seconds.get<double>(), 0.0, 2.0);
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  EXPECT_EQ(search(std::string("time_delta_days('") + text + "')"), json(0));
}
TEST(TimeDelta, Errors) {
  EXPECT_EQ(error_kind("time_delta_days('yesterday')"), "invalid-value");
  EXPECT_EQ(error_kind("time_delta_days('2021-02-30')"), "invalid-value");
  EXPECT_EQ(error_kind("time_delta_days('2021-01-01T25:00')"), "invalid-value");
  EXPECT_EQ(error_kind("time_delta_days(missing)"), "invalid-type");
  EXPECT_EQ(error_kind("time_delta_seconds(`[1]`)"), "invalid-type");
}

TEST(Uuid, RandomVersion4) {
  const std::regex kUuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = search("uuid()").get<std::string>();
    ASSERT_TRUE(std::regex_match(u, kUuid4)) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(error_kind("uuid(`1`)"), "invalid-arity");
}

TEST(CustomFunctions, ComposeInTypicalTransforms) {
  std::string doc = R"({"first_name": "jOHN", "last_name": "doe", "email": "John.Doe@Example.com",
                        "tags": "a,b", "ssn": "123-45-6789"})";
  EXPECT_EQ(search("concat([capitalize(first_name), ' ', upper(last_name)])", doc), json("John DOE"));
  EXPECT_EQ(search("lower(email)", doc), json("john.doe@example.com"));
  EXPECT_EQ(search("length(split(tags))", doc), json(2));
  EXPECT_EQ(search("concat(['***-**-', right(ssn, `4`)])", doc), json("***-**-6789"));
}

}  // namespace

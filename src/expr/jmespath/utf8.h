// UTF-8 text as code points: JMESPath and RDI's string functions count characters, not bytes
// (length('✓foo') is 4, left(s, 2) keeps two characters).
//
// Invalid byte sequences decode as U+FFFD rather than failing: records come from Redis, where
// strings are arbitrary bytes.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wb::expr::jmespath::utf8 {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

std::size_t length(std::string_view text);
std::vector<char32_t> decode(std::string_view text);
void append(std::string& out, char32_t code_point);
std::string encode(const std::vector<char32_t>& code_points);

// Unicode simple case mapping (glibc's C.UTF-8 tables); ASCII without a locale lookup.
char32_t to_lower(char32_t c);
char32_t to_upper(char32_t c);
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);

// Python's str.isspace(): what str.split() with no separator splits on.
bool is_space(char32_t c);

}  // namespace wb::expr::jmespath::utf8

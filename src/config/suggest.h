// "Did you mean" for misspelt field names and values: the closest candidate by edit distance
// (optimal string alignment, case-insensitive, '-' and '_' alike), when it is close enough.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::config {

// Edits (insert, delete, substitute, swap adjacent) between a and b, ignoring case and treating
// '-' and '_' as the same character.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to word if it is within a distance that grows with the word's length
// (1 up to 3 characters, 2 up to 6, then 3); nullopt otherwise or when two tie.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean \"x\"?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace wb::config

// Glob patterns with Redis's own semantics (as KEYS and SCAN MATCH use them): `*` any run of bytes,
// `?` one byte, `[abc]` `[a-z]` `[^a]` one byte of (not of) a set, `\x` the byte x literally.
// Own implementation (no recursion, linear in practice) so that matching cost is bounded and the
// module has no dependency on Redis internals; unit tests pin it to Redis's behaviour.
//
// Two deliberate strictnesses over Redis: a pattern must be non-empty, must close every `[`, and
// must not end in a lone `\` — Redis silently reinterprets those, which in a capture job is almost
// certainly a typo, so validate_glob() rejects them.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wb::glob {

// Longest pattern accepted by validate_glob(); the matcher itself has no limit.
inline constexpr std::size_t kMaxPatternBytes = 1024;

// Why a pattern is rejected, or nullopt if it is valid.
std::optional<std::string> validate_glob(std::string_view pattern);

// True if `text` matches `pattern` exactly as Redis's stringmatchlen() (case-sensitive) decides.
// Note Redis's quirk, kept on purpose: the empty string matches no pattern, not even "*".
bool glob_match(std::string_view pattern, std::string_view text);

// The literal bytes every matching text starts with: the pattern up to its first `*`, `?`, `[`
// or `\`. Used by the prefix index; the rest of the pattern is `pattern.substr(prefix.size())`.
std::string_view literal_prefix(std::string_view pattern);

// True if the pattern is only special as a run of trailing `*` (e.g. "user:*" or "user:**"): then
// a text matches iff it is non-empty and starts with literal_prefix().
bool is_prefix_star(std::string_view pattern);

// True if the pattern has no special byte at all: a text matches iff it equals the pattern.
bool is_literal(std::string_view pattern);

}  // namespace wb::glob

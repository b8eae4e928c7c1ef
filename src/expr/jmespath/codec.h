// Byte-level helpers of RDI's custom functions: message digests (OpenSSL libcrypto), base64
// decoding with Python's lenient rules, UTF-8 validation, random UUIDs.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace wb::expr::jmespath::codec {

// Hex digest of data with one of Python hashlib's names: md5, sha1, sha224, sha256, sha384,
// sha512, sha3_224, sha3_256, sha3_384, sha3_512, blake2b, blake2s (any case). nullopt for an
// unknown algorithm.
std::optional<std::string> hex_digest(std::string_view algorithm, std::string_view data);

// Python's base64.b64decode(text): ASCII only, characters outside the alphabet are skipped,
// padding must be complete. nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

// Strict UTF-8 (no overlong forms, no surrogates), as Python's bytes.decode() demands.
bool is_valid_utf8(std::string_view bytes);

// A random version-4 UUID in the canonical lower-case 8-4-4-4-12 form.
std::string random_uuid();

}  // namespace wb::expr::jmespath::codec

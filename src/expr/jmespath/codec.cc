// Digests, base64, UTF-8 validation and UUIDs for the custom functions.
#include "expr/jmespath/codec.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>

namespace wb::expr::jmespath::codec {
namespace {

struct Digest {
  std::string_view python_name;
  const char* openssl_name;
};

constexpr std::array<Digest, 12> kDigests = {{
    {"md5", "MD5"},
    {"sha1", "SHA1"},
    {"sha224", "SHA224"},
    {"sha256", "SHA256"},
    {"sha384", "SHA384"},
    {"sha512", "SHA512"},
    {"sha3_224", "SHA3-224"},
    {"sha3_256", "SHA3-256"},
    {"sha3_384", "SHA3-384"},
    {"sha3_512", "SHA3-512"},
    {"blake2b", "BLAKE2B-512"},
    {"blake2s", "BLAKE2S-256"},
}};

// Fetched once per algorithm (EVP_MD_fetch is costly; the fetched object is immutable and safe
// to share between threads).
const EVP_MD* fetch(std::size_t index) {
  static const std::array<const EVP_MD*, kDigests.size()> fetched = [] {
    std::array<const EVP_MD*, kDigests.size()> out{};
    for (std::size_t i = 0; i < kDigests.size(); ++i) {
      out[i] = EVP_MD_fetch(nullptr, kDigests[i].openssl_name, nullptr);
    }
    return out;
  }();
  return fetched[index];
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> hex_digest(std::string_view algorithm, std::string_view data) {
  std::string name;
  for (char c : algorithm) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < kDigests.size(); ++i) {
    if (kDigests[i].python_name != name) continue;
    const EVP_MD* md = fetch(i);
    if (md == nullptr) return std::nullopt;
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out, &length) != 1) {
      return std::nullopt;
    }
    static const char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int k = 0; k < length; ++k) {
      hex += kHex[out[k] >> 4];
      hex += kHex[out[k] & 0xF];
    }
    return hex;
  }
  return std::nullopt;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t data_chars = 0;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;  // Python: ASCII only
    if (c == '=') break;
    int v = base64_value(c);
    if (v < 0) continue;  // lenient: skipped like Python does
    ++data_chars;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  std::size_t remainder = data_chars % 4;
  if (remainder == 1) return std::nullopt;
  if (remainder != 0) {
    std::size_t pads = 0;
    for (; i < text.size() && pads < 4 - remainder; ++i) {
      if (text[i] == '=') ++pads;
      else if (base64_value(text[i]) >= 0) break;
    }
    if (pads < 4 - remainder) return std::nullopt;
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string random_uuid() {
  // Seeded from the OS with a full 256-bit seed per thread, so threads and processes never share
  // a sequence.
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::uint64_t high = generator();
  std::uint64_t low = generator();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;   // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace wb::expr::jmespath::codec

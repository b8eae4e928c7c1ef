// Storing and fetching the deployed pipeline (see deployed_pipeline.h).
#include "config/deployed_pipeline.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <chrono>

namespace wb::config {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void digest_update(EVP_MD_CTX* ctx, std::string_view part) {
  // Length-prefixed so that ("ab","c") and ("a","bc") differ.
  std::string length = std::to_string(part.size()) + ":";
  EVP_DigestUpdate(ctx, length.data(), length.size());
  EVP_DigestUpdate(ctx, part.data(), part.size());
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string fetch_module_key_prefix(RedisConnection& redis) {
  try {
    RedisReplyPtr reply = redis.command({"WB.INFO"});
    for (size_t i = 0; i + 1 < reply_size(reply.get()); i += 2) {
      if (reply_text(reply_at(reply.get(), i)) == "prefix") return std::string(reply_text(reply_at(reply.get(), i + 1)));
    }
  } catch (const RedisReplyError&) {
    // No module (or an older one): the default prefix.
  }
  return std::string(kDefaultKeyPrefix);
}

std::string pipeline_key(std::string_view prefix) { return std::string(prefix) + std::string(kPipelineKeySuffix); }

std::string pipeline_checksum(const PipelineFiles& files) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (const auto& [path, content] : files) {
    digest_update(ctx, path);
    digest_update(ctx, content);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHexDigits[digest[i] >> 4];
    hex += kHexDigits[digest[i] & 0xf];
  }
  return hex;
}

void store_pipeline(RedisConnection& redis, const PipelineFiles& files, std::string_view prefix,
                    const std::string& directory) {
  const std::string key = pipeline_key(prefix);
  std::vector<std::string> hset = {"HSET", key, std::string(kChecksumField), pipeline_checksum(files),
                                   std::string(kDeployedAtField), std::to_string(now_ms())};
  if (!directory.empty()) {
    hset.push_back(std::string(kDirectoryField));
    hset.push_back(directory);
  }
  for (const auto& [path, content] : files) {
    hset.push_back(path);
    hset.push_back(content);
  }
  redis.append({"MULTI"});
  redis.append({"DEL", key});
  redis.append(hset);
  redis.append({"EXEC"});
  RedisReplyPtr replies[4];
  for (auto& r : replies) r = redis.read_reply();
  for (const auto& r : replies) {
    if (reply_is_error(r.get())) {
      throw RedisReplyError("storing the pipeline in " + key + ": " + std::string(reply_text(r.get())));
    }
  }
  const redisReply* exec = replies[3].get();
  if (!reply_is_array(exec)) throw RedisReplyError("storing the pipeline in " + key + ": the transaction was aborted");
  for (size_t i = 0; i < reply_size(exec); ++i) {
    if (reply_is_error(reply_at(exec, i))) {
      throw RedisReplyError("storing the pipeline in " + key + ": " + std::string(reply_text(reply_at(exec, i))));
    }
  }
}

std::optional<DeployedPipeline> fetch_pipeline(RedisConnection& redis, std::string_view prefix) {
  RedisReplyPtr reply = redis.command({"HGETALL", pipeline_key(prefix)});
  if (reply_size(reply.get()) == 0) return std::nullopt;
  DeployedPipeline out;
  for (size_t i = 0; i + 1 < reply_size(reply.get()); i += 2) {
    std::string field(reply_text(reply_at(reply.get(), i)));
    std::string value(reply_text(reply_at(reply.get(), i + 1)));
    if (field == kChecksumField) {
      out.checksum = value;
    } else if (field == kDeployedAtField) {
      out.deployed_at_ms = std::atoll(value.c_str());
    } else if (field == kDirectoryField) {
      out.directory = value;
    } else if (!field.empty() && field[0] != '@') {
      out.files[field] = value;
    }
  }
  return out;
}

std::optional<std::string> fetch_pipeline_checksum(RedisConnection& redis, std::string_view prefix) {
  RedisReplyPtr reply = redis.command({"HGET", pipeline_key(prefix), kChecksumField});
  if (reply_is_nil(reply.get())) return std::nullopt;
  return std::string(reply_text(reply.get()));
}

}  // namespace wb::config

// Small RAII owners for Redis module API handles, so the rest of the module is plain C++ with no
// manual frees on any path: strings, open keys, call replies, scan cursors, and the selected
// database of a command context. No automatic memory (RedisModule_AutoMemory) anywhere: the hot
// path frees exactly what it made, when it is done.
#pragma once
#include <string_view>
#include <utility>

#include "module/redismodule_api.h"

namespace wb::rm {

// The bytes of a module string (valid while the string lives).
inline std::string_view view(const RedisModuleString* s) {
  size_t len = 0;
  const char* p = RedisModule_StringPtrLen(s, &len);
  return {p, len};
}

// Owns one reference to a RedisModuleString created without a context (freed with a null ctx).
class String {
 public:
  String() = default;
  explicit String(RedisModuleString* s) : s_(s) {}
  static String copy_of(std::string_view bytes) {
    return String(RedisModule_CreateString(nullptr, bytes.data(), bytes.size()));
  }
  static String from_long_long(long long v) {
    return String(RedisModule_CreateStringFromLongLong(nullptr, v));
  }
  // Takes an extra reference to a string owned by someone else (e.g. a callback argument).
  static String retain(RedisModuleString* s) {
    RedisModule_RetainString(nullptr, s);
    return String(s);
  }
  ~String() { reset(); }
  String(String&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  String& operator=(String&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  String(const String&) = delete;
  String& operator=(const String&) = delete;

  RedisModuleString* get() const { return s_; }
  std::string_view view() const { return rm::view(s_); }
  explicit operator bool() const { return s_ != nullptr; }
  void reset() {
    if (s_) RedisModule_FreeString(nullptr, std::exchange(s_, nullptr));
  }

 private:
  RedisModuleString* s_ = nullptr;
};

// An open key, closed on destruction. get() is nullptr when a READ open found no key.
class Key {
 public:
  Key(RedisModuleCtx* ctx, RedisModuleString* name, int mode)
      : k_(RedisModule_OpenKey(ctx, name, mode)) {}
  ~Key() {
    if (k_) RedisModule_CloseKey(k_);
  }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  RedisModuleKey* get() const { return k_; }
  int type() const { return k_ ? RedisModule_KeyType(k_) : REDISMODULE_KEYTYPE_EMPTY; }

 private:
  RedisModuleKey* k_;
};

// A reply of RedisModule_Call, freed on destruction. get() is nullptr if the call was refused.
class CallReply {
 public:
  explicit CallReply(RedisModuleCallReply* r) : r_(r) {}
  ~CallReply() {
    if (r_) RedisModule_FreeCallReply(r_);
  }
  CallReply(const CallReply&) = delete;
  CallReply& operator=(const CallReply&) = delete;
  RedisModuleCallReply* get() const { return r_; }
  int type() const { return r_ ? RedisModule_CallReplyType(r_) : REDISMODULE_REPLY_UNKNOWN; }
  bool is_error() const { return !r_ || type() == REDISMODULE_REPLY_ERROR; }
  std::string_view str() const {
    size_t len = 0;
    const char* p = r_ ? RedisModule_CallReplyStringPtr(r_, &len) : nullptr;
    return p ? std::string_view(p, len) : std::string_view();
  }
  long long integer() const { return r_ ? RedisModule_CallReplyInteger(r_) : 0; }

 private:
  RedisModuleCallReply* r_;
};

class ScanCursor {
 public:
  ScanCursor() : c_(RedisModule_ScanCursorCreate()) {}
  ~ScanCursor() { RedisModule_ScanCursorDestroy(c_); }
  ScanCursor(const ScanCursor&) = delete;
  ScanCursor& operator=(const ScanCursor&) = delete;
  RedisModuleScanCursor* get() const { return c_; }

 private:
  RedisModuleScanCursor* c_;
};

// Selects database `db` on the context's client for the guard's lifetime (commands address the
// registry in the capture database whatever database the caller selected).
class SelectDbGuard {
 public:
  SelectDbGuard(RedisModuleCtx* ctx, int db) : ctx_(ctx), old_(RedisModule_GetSelectedDb(ctx)) {
    if (old_ != db) RedisModule_SelectDb(ctx_, db);
  }
  ~SelectDbGuard() {
    if (RedisModule_GetSelectedDb(ctx_) != old_) RedisModule_SelectDb(ctx_, old_);
  }
  SelectDbGuard(const SelectDbGuard&) = delete;
  SelectDbGuard& operator=(const SelectDbGuard&) = delete;

 private:
  RedisModuleCtx* ctx_;
  int old_;
};

}  // namespace wb::rm

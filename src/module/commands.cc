// WB.* command implementations. Registry writes go through RedisModule_Call with the `!` flag, so
// they are ordinary HSET/HDEL commands in the AOF and on replicas; every command reads the jobs
// from the registry view, rebuilt first if the registry changed.
#include "module/commands.h"

#include <exception>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "module/job_spec.h"
#include "module/module_state.h"
#include "module/rm_handles.h"

namespace wb::capture {

namespace {

// Replies "-ERR <message>".
int reply_error(RedisModuleCtx* ctx, const std::string& message) {
  return RedisModule_ReplyWithError(ctx, ("ERR " + message).c_str());
}

int reply_bytes(RedisModuleCtx* ctx, std::string_view s) {
  return RedisModule_ReplyWithStringBuffer(ctx, s.data(), s.size());
}

// The registry view, made current. The caller selects the capture database first (SelectDbGuard):
// the registry lives there whatever database the client has selected.
Registry& current_registry(RedisModuleCtx* ctx) {
  Registry& reg = state()->registry;
  reg.refresh(ctx);
  return reg;
}

int reply_call_error(RedisModuleCtx* ctx, const rm::CallReply& reply, const char* what) {
  if (reply.get() && reply.type() == REDISMODULE_REPLY_ERROR) {
    // Redis's own error text already starts with its code (ERR, WRONGTYPE, OOM, ...).
    return RedisModule_ReplyWithError(ctx, std::string(reply.str()).c_str());
  }
  return reply_error(ctx, std::string("could not ") + what);
}

int job_set(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc < 4) return RedisModule_WrongArity(ctx);
  std::vector<std::string_view> args;
  args.reserve(static_cast<std::size_t>(argc) - 1);
  for (int i = 1; i < argc; ++i) args.push_back(rm::view(argv[i]));
  auto parsed = parse_job_args(args);
  if (auto* why = std::get_if<std::string>(&parsed)) return reply_error(ctx, *why);
  const JobSpec& spec = std::get<JobSpec>(parsed);

  rm::SelectDbGuard db(ctx, kCaptureDb);
  Registry& reg = current_registry(ctx);
  if (!reg.find(spec.name) && reg.jobs().size() >= kMaxJobs) {
    return reply_error(ctx, "too many jobs (at most " + std::to_string(kMaxJobs) + ")");
  }
  const std::string value = serialize(spec);
  rm::CallReply reply(RedisModule_Call(ctx, "HSET", "!sbb", reg.registry_key(), spec.name.data(),
                                       spec.name.size(), value.data(), value.size()));
  if (reply.is_error()) return reply_call_error(ctx, reply, "write the job registry");
  reg.mark_dirty();  // the HSET's own notification did this too; be explicit
  return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

int job_del(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc != 2) return RedisModule_WrongArity(ctx);
  std::string_view name = rm::view(argv[1]);
  if (!valid_job_name(name)) return reply_error(ctx, "invalid job name");
  rm::SelectDbGuard db(ctx, kCaptureDb);
  Registry& reg = current_registry(ctx);
  rm::CallReply reply(
      RedisModule_Call(ctx, "HDEL", "!sb", reg.registry_key(), name.data(), name.size()));
  if (reply.is_error()) return reply_call_error(ctx, reply, "write the job registry");
  reg.mark_dirty();
  return RedisModule_ReplyWithLongLong(ctx, reply.integer());
}

void reply_string_array(RedisModuleCtx* ctx, const std::vector<std::string>& items) {
  RedisModule_ReplyWithArray(ctx, static_cast<long>(items.size()));
  for (const std::string& s : items) reply_bytes(ctx, s);
}

int job_list(RedisModuleCtx* ctx, RedisModuleString**, int argc) {
  if (argc != 1) return RedisModule_WrongArity(ctx);
  rm::SelectDbGuard db(ctx, kCaptureDb);
  Registry& reg = current_registry(ctx);
  RedisModule_ReplyWithArray(ctx, static_cast<long>(reg.jobs().size()));
  for (const Job& job : reg.jobs()) {
    RedisModule_ReplyWithArray(ctx, 12);
    reply_bytes(ctx, "job");
    reply_bytes(ctx, job.spec.name);
    reply_bytes(ctx, "patterns");
    reply_string_array(ctx, job.spec.patterns);
    reply_bytes(ctx, "exclude");
    reply_string_array(ctx, job.spec.excludes);
    reply_bytes(ctx, "expired");
    reply_bytes(ctx, job.spec.expired ? "yes" : "no");
    reply_bytes(ctx, "evicted");
    reply_bytes(ctx, job.spec.evicted ? "yes" : "no");
    reply_bytes(ctx, "stream");
    RedisModule_ReplyWithString(ctx, job.stream_key.get());
  }
  return REDISMODULE_OK;
}

int stream(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  if (argc != 2) return RedisModule_WrongArity(ctx);
  std::string_view name = rm::view(argv[1]);
  if (!valid_job_name(name)) return reply_error(ctx, "invalid job name");
  rm::SelectDbGuard db(ctx, kCaptureDb);
  const Job* job = current_registry(ctx).find(name);
  if (!job) return reply_error(ctx, "no such job '" + std::string(name) + "'");
  return RedisModule_ReplyWithString(ctx, job->stream_key.get());
}

long long stream_length(RedisModuleCtx* ctx, RedisModuleString* stream_key) {
  rm::Key key(ctx, stream_key, REDISMODULE_READ | REDISMODULE_OPEN_KEY_NOTOUCH);
  if (key.type() != REDISMODULE_KEYTYPE_STREAM) return 0;
  return static_cast<long long>(RedisModule_ValueLength(key.get()));
}

int info(RedisModuleCtx* ctx, RedisModuleString**, int argc) {
  if (argc != 1) return RedisModule_WrongArity(ctx);
  rm::SelectDbGuard db(ctx, kCaptureDb);
  Registry& reg = current_registry(ctx);
  const Capture& capture = state()->capture;
  RedisModule_ReplyWithArray(ctx, 10);
  reply_bytes(ctx, "mode");
  reply_bytes(ctx, capture.uses_post_notification_jobs() ? "post-notification-job"
                                                         : "notification-call");
  reply_bytes(ctx, "prefix");
  reply_bytes(ctx, reg.prefix());
  reply_bytes(ctx, "registry");
  reply_bytes(ctx, reg.registry_key_name());
  reply_bytes(ctx, "append_failures");
  RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(capture.append_failures()));
  reply_bytes(ctx, "jobs");
  RedisModule_ReplyWithArray(ctx, static_cast<long>(reg.jobs().size()));
  for (const Job& job : reg.jobs()) {
    RedisModule_ReplyWithArray(ctx, 12);
    reply_bytes(ctx, "job");
    reply_bytes(ctx, job.spec.name);
    reply_bytes(ctx, "stream");
    RedisModule_ReplyWithString(ctx, job.stream_key.get());
    reply_bytes(ctx, "captured");
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(job.counters->captured));
    reply_bytes(ctx, "skipped");
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(job.counters->skipped_excluded));
    reply_bytes(ctx, "unsupported");
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(job.counters->skipped_unsupported));
    reply_bytes(ctx, "stream_length");
    RedisModule_ReplyWithLongLong(ctx, stream_length(ctx, job.stream_key.get()));
  }
  return REDISMODULE_OK;
}

// Every command entry point: no exception may reach Redis.
template <int (*Command)(RedisModuleCtx*, RedisModuleString**, int)>
int guarded(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  try {
    if (state() == nullptr) return reply_error(ctx, "writebehind is not initialized");
    return Command(ctx, argv, argc);
  } catch (const std::exception& e) {
    return reply_error(ctx, std::string("internal error: ") + e.what());
  } catch (...) {
    return reply_error(ctx, "internal error");
  }
}

}  // namespace

bool register_commands(RedisModuleCtx* ctx) {
  struct Spec {
    const char* name;
    RedisModuleCmdFunc fn;
    const char* flags;
  };
  const Spec specs[] = {
      {"wb.job.set", guarded<job_set>, "write deny-oom"},
      {"wb.job.del", guarded<job_del>, "write"},
      {"wb.job.list", guarded<job_list>, "readonly"},
      {"wb.stream", guarded<stream>, "readonly fast"},
      {"wb.info", guarded<info>, "readonly"},
  };
  for (const Spec& s : specs) {
    if (RedisModule_CreateCommand(ctx, s.name, s.fn, s.flags, 0, 0, 0) != REDISMODULE_OK) {
      return false;
    }
  }
  return true;
}

}  // namespace wb::capture

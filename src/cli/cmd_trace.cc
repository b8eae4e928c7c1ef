// writebehind trace --job NAME [--max-change-records N] [--timeout S] [--trace-only-rejected]
//                   [--input-file FILE] [--dir DIR] [--redis URL]
//
// Shows what a job does to its records: each record entering the transforms, after every block,
// and what every output would write (statements and values, or the Redis commands). Live, it
// follows the job's stream from its current end with plain XREAD — no consumer group, no ack: the
// applier's reading is untouched and nothing is consumed. With --input-file it runs records from a
// file instead (JSON lines or one JSON array; each item is a record, or {key, op, value} to give
// the Redis key and op c|u|d). The pipeline is the deployed one, or --dir's.
// Stops after --max-change-records records shown, or --timeout seconds.
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/trace_outputs.h"
#include "config/deployed_pipeline.h"
#include "config/suggest.h"
#include "source/entry_decoder.h"
#include "transform/chain.h"

namespace wb::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultMaxRecords = 10;
constexpr double kDefaultTimeoutS = 20;
constexpr std::chrono::milliseconds kMaxBlock{1000};  // one XREAD's BLOCK: the timeout is checked between
constexpr int kReadCount = 100;                       // entries per XREAD
constexpr size_t kMaxInputFileBytes = 256 << 20;

struct TraceOptions {
  std::string job;
  std::string redis;
  std::string dir;
  std::string input_file;
  int max_records = kDefaultMaxRecords;
  double timeout_s = kDefaultTimeoutS;
  bool only_rejected = false;
};

struct Tally {
  int shown = 0, kept = 0, filtered = 0, rejected = 0;
};

class Tracer {
 public:
  Tracer(const config::Job& job, const TraceOptions& o, std::string prefix, RedisConnection* redis)
      : o_(o), transforms_(transform::JobTransforms::compile(job)), outputs_(job, std::move(prefix), redis) {}

  // Traces one entry; false when --max-change-records is reached.
  bool trace(StreamEntry entry, SourceKind kind, RowFormat format) {
    std::ostringstream out;
    std::string id = entry.id;
    DecodeResult decoded = decode_entry(std::move(entry), kind, format);
    bool rejected = false;
    if (!decoded.record) {
      out << "--- entry " << id << "\n  REJECTED (not a valid entry): " << decoded.error << "\n";
      rejected = true;
    } else {
      rejected = trace_record(*decoded.record, out);
    }
    if (rejected) ++tally_.rejected;
    if (o_.only_rejected && !rejected) return true;
    std::cout << out.str() << std::flush;
    ++tally_.shown;
    return tally_.shown < o_.max_records;
  }

  const Tally& tally() const { return tally_; }

 private:
  // Returns whether the record was rejected (by a block or an output).
  bool trace_record(ChangeRecord& rec, std::ostream& out) {
    out << "--- entry " << rec.entry_id;
    if (!rec.redis_key.empty()) out << " key " << rec.redis_key;
    out << " op " << op_code(rec.op);
    if (!rec.cmd.empty()) out << " (" << rec.cmd << ")";
    out << "\n  in:  " << dump(rec.record()) << "\n";
    applier::TransformOutcome outcome;
    if (rec.op == Op::Delete) {
      out << "  a delete passes every block unchanged\n";
    } else {
      outcome = transforms_->apply(rec, [&](const transform::Block& b, const ChangeRecord& r, const applier::TransformOutcome& o) {
        out << "  " << b.label() << ": ";
        switch (o.verdict) {
          case applier::TransformOutcome::Verdict::Filter: out << "filtered (the record stops here)\n"; break;
          case applier::TransformOutcome::Verdict::Reject: {
            // The error starts with the block's label, already printed.
            std::string_view why = o.error;
            std::string prefix = b.label() + ": ";
            if (why.substr(0, prefix.size()) == prefix) why.remove_prefix(prefix.size());
            out << "REJECTED: " << why << "\n";
            break;
          }
          case applier::TransformOutcome::Verdict::Keep:
            if (b.kind() == config::TransformKind::kFilter) {
              out << "kept\n";
            } else {
              out << dump(r.record()) << "\n";
            }
        }
      });
    }
    if (outcome.verdict == applier::TransformOutcome::Verdict::Filter) {
      ++tally_.filtered;
      return false;
    }
    if (outcome.verdict == applier::TransformOutcome::Verdict::Reject) return true;
    out << "  out: " << dump(rec.record()) << "\n";
    bool rejected = false;
    for (const OutputEffect& e : outputs_.describe(rec)) {
      out << "  " << e.title << ":\n";
      if (e.rejected) {
        out << "    REJECTED: " << *e.rejected << "\n";
        rejected = true;
      }
      for (const auto& line : e.lines) out << "    " << line << "\n";
    }
    if (!rejected) ++tally_.kept;
    return rejected;
  }

  static std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

  const TraceOptions& o_;
  std::shared_ptr<const transform::JobTransforms> transforms_;
  OutputPreview outputs_;
  Tally tally_;
};

// The file's records as stream entries in the module's format (type json), so that they are
// decoded exactly like captured changes.
std::vector<StreamEntry> entries_from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliFailure("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.size() > kMaxInputFileBytes) throw CliFailure(path + ": larger than " + std::to_string(kMaxInputFileBytes) + " bytes");
  std::vector<std::pair<int, json>> items;  // line, item
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    try {
      json all = json::parse(text);
      for (auto& item : all) items.emplace_back(0, std::move(item));
    } catch (const json::exception& e) {
      throw CliFailure(path + ": not a JSON array: " + e.what());
    }
  } else {
    std::istringstream lines(text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        items.emplace_back(n, json::parse(line));
      } catch (const json::exception& e) {
        throw CliFailure(path + ":" + std::to_string(n) + ": not JSON: " + e.what());
      }
    }
  }
  std::vector<StreamEntry> entries;
  const std::string ts = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = items[i].second;
    std::string where = path + (items[i].first ? ":" + std::to_string(items[i].first) : " item " + std::to_string(i + 1));
    if (!item.is_object()) throw CliFailure(where + ": expected a JSON object (a record, or {key, op, value})");
    // {key, op, value}: an envelope giving the Redis key and the op; anything else is the record.
    bool envelope = item.contains("value");
    for (auto it = item.begin(); envelope && it != item.end(); ++it) {
      envelope = it.key() == "key" || it.key() == "op" || it.key() == "value";
    }
    std::string key, op = "c";
    json value = item;
    if (envelope) {
      if (item.contains("key")) key = item["key"].is_string() ? item["key"].get<std::string>() : item["key"].dump();
      if (item.contains("op")) op = item["op"].is_string() ? item["op"].get<std::string>() : "";
      if (!parse_op(op)) throw CliFailure(where + ": op must be c, u or d");
      value = item["value"];
    }
    StreamEntry e;
    e.id = "0-" + std::to_string(i + 1);
    e.fields = {{"key", key}, {"op", op}, {"cmd", "trace"}, {"type", op == "d" ? "none" : "json"}, {"ts", ts}};
    if (op != "d") e.fields.emplace_back("value", value.dump());
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string reply_string(const redisReply* r) { return std::string(reply_text(r)); }

// The id after which new entries arrive: the stream's last generated id ("0-0" when it does not exist yet).
std::string stream_end(RedisConnection& redis, const std::string& stream) {
  try {
    RedisReplyPtr info = redis.command({"XINFO", "STREAM", stream});
    for (size_t i = 0; i + 1 < reply_size(info.get()); i += 2) {
      if (reply_text(reply_at(info.get(), i)) == "last-generated-id") return reply_string(reply_at(info.get(), i + 1));
    }
  } catch (const RedisReplyError&) {
    // no such key: every entry the stream will ever get is new
  }
  return "0-0";
}

void follow(RedisConnection& redis, const std::string& stream, SourceKind kind, RowFormat format, Tracer& tracer,
            const TraceOptions& o) {
  std::string last = stream_end(redis, stream);
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long long>(o.timeout_s * 1000));
  std::cerr << "trace: following " << stream << " from " << last << " (no consumer group; nothing is acknowledged)\n";
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    auto block = std::min(left, kMaxBlock);
    RedisReplyPtr reply = redis.command({"XREAD", "COUNT", std::to_string(kReadCount), "BLOCK",
                                         std::to_string(std::max<long long>(1, block.count())), "STREAMS", stream, last});
    if (reply_is_nil(reply.get())) continue;
    for (size_t s = 0; s < reply_size(reply.get()); ++s) {
      const redisReply* entries = reply_at(reply_at(reply.get(), s), 1);
      for (size_t i = 0; i < reply_size(entries); ++i) {
        const redisReply* entry = reply_at(entries, i);
        StreamEntry e;
        e.id = reply_string(reply_at(entry, 0));
        const redisReply* fields = reply_at(entry, 1);
        for (size_t f = 0; f + 1 < reply_size(fields); f += 2) {
          e.fields.emplace_back(reply_string(reply_at(fields, f)), reply_string(reply_at(fields, f + 1)));
        }
        last = e.id;
        if (!tracer.trace(std::move(e), kind, format)) return;
      }
    }
  }
}

void run_trace(const TraceOptions& o) {
  if (o.max_records <= 0) throw CliFailure("--max-change-records must be at least 1", kExitUsage);
  if (o.timeout_s <= 0) throw CliFailure("--timeout must be positive", kExitUsage);
  const bool live = o.input_file.empty();
  std::unique_ptr<RedisConnection> redis;
  if (live || o.dir.empty()) redis = connect_redis(o.redis);

  config::LoadResult loaded;
  std::string prefix(config::kDefaultKeyPrefix);
  if (!o.dir.empty()) {
    try {
      loaded = config::load_pipeline_dir(o.dir);
    } catch (const config::ConfigError& e) {
      throw CliFailure(e.what());
    }
    if (!loaded.ok()) {
      print_diagnostics(loaded.diagnostics, std::cerr);
      throw CliFailure(o.dir + ": invalid pipeline");
    }
  } else {
    loaded = load_deployed_pipeline(*redis);
  }
  if (redis) prefix = config::fetch_module_key_prefix(*redis);
  const config::Job* job = loaded.pipeline.find_job(o.job);
  if (job == nullptr) {
    std::vector<std::string> names;
    for (const auto& j : loaded.pipeline.jobs) names.push_back(j.name);
    throw CliFailure("no job named \"" + o.job + "\" in the " + (o.dir.empty() ? "deployed pipeline" : o.dir) +
                     config::did_you_mean(o.job, names));
  }
  const SourceKind kind = job->source.kind == config::SourceKind::kStream ? SourceKind::Stream : SourceKind::Captured;
  const RowFormat format = job->source.row_format == config::RowFormat::kFull ? RowFormat::Full : RowFormat::DataOnly;

  std::optional<Tracer> tracer;
  try {
    tracer.emplace(*job, o, prefix, redis.get());
  } catch (const std::exception& e) {  // TransformError, a TYPE2 indicator the applier cannot read
    throw CliFailure(e.what());
  }
  if (live) {
    std::string stream;
    if (kind == SourceKind::Stream) {
      stream = job->source.stream_name;
    } else {
      try {
        stream = reply_string(redis->command({"WB.STREAM", job->name}).get());
      } catch (const RedisReplyError& e) {
        throw CliFailure("cannot find job " + job->name + "'s stream (is the pipeline deployed and the module loaded?): " + e.what());
      }
    }
    follow(*redis, stream, kind, format, *tracer, o);
  } else {
    for (StreamEntry& e : entries_from_file(o.input_file)) {
      // File records always come in the module's format; stream-source jobs read them the same way.
      if (!tracer->trace(std::move(e), SourceKind::Captured, format)) break;
    }
  }
  const Tally& t = tracer->tally();
  std::cout << "trace: " << count(static_cast<size_t>(t.shown), "record") << " shown (" << t.kept << " kept, " << t.filtered
            << " filtered, " << t.rejected << " rejected)\n";
}

}  // namespace

void register_trace(CLI::App& app) {
  auto o = std::make_shared<TraceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "trace", "Follow a deployed job's stream (without consuming it) and show each record through every block and output");
  cmd->add_option("--job,-j", o->job, "Job name")->required();
  cmd->add_option("--max-change-records,-n", o->max_records, "Stop after this many records shown")->capture_default_str();
  cmd->add_option("--timeout,-t", o->timeout_s, "Stop after this many seconds")->capture_default_str();
  cmd->add_flag("--trace-only-rejected", o->only_rejected, "Show only the records that are rejected");
  cmd->add_option("--input-file,-f", o->input_file,
                  "Run the records of this file (JSON lines or a JSON array) instead of following the stream");
  cmd->add_option("--dir", o->dir, "Use this pipeline directory instead of the deployed pipeline");
  add_redis_option(cmd, &o->redis);
  cmd->callback([o] { run_trace(*o); });
}

}  // namespace wb::cli

// What each output of a job would write for one transformed record — the part of `writebehind
// trace` after the transform blocks. relational.write goes through the applier's own OutputMapper
// (the same checks, coalescing, foreach rows and key tracking as `run`) and is printed as
// dialect-neutral statements with their values; redis.write is printed as the Redis commands.
// Nothing is written anywhere.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/redis_connection.h"
#include "config/pipeline.h"
#include "sink/sink.h"
#include "source/change_record.h"

namespace wb::cli {

struct OutputEffect {
  std::string title;                    // "output[0] relational.write db.public.emp (UPSERT)"
  std::optional<std::string> rejected;  // why the output would reject the record (dead-lettered)
  std::vector<std::string> lines;       // the statements or commands, or a note
};

class OutputPreview {
 public:
  // redis: when given, the applier's key tracking is read from it (which rows a delete or a changed
  // key would remove); prefix: the reserved key prefix. Throws TransformError for a foreach or key
  // expression that does not compile.
  OutputPreview(const config::Job& job, std::string prefix, RedisConnection* redis);
  ~OutputPreview();

  std::vector<OutputEffect> describe(const ChangeRecord& rec);

 private:
  struct Output;
  std::vector<std::unique_ptr<Output>> outputs_;
  RedisConnection* redis_;
};

// The statements a TableWrite stands for, one per row, values as SQL literals:
//   UPSERT INTO public.emp (id, name) VALUES ('1', 'Ann') KEY (id)
//   DELETE FROM public.emp WHERE id = '1'
std::vector<std::string> render_table_write(const sink::TableWrite& w);

}  // namespace wb::cli

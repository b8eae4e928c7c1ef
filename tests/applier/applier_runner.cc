// applier_runner --redis URL --dir DIR [--instance-id ID]: what `writebehind run --dir` does (with the
// transform engine when this build has one), as a small test program, so that tests can SIGKILL an applier process at random moments and restart
// it. Exits 0 after SIGINT/SIGTERM, 1 when the pipeline cannot run.
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>

#include "applier/applier.h"
#include "applier/plan_from_config.h"
#include "config/loader.h"
#ifdef WB_HAVE_TRANSFORM
#include "transform/chain.h"
#include "transform/foreach_expander.h"
#endif

int main(int argc, char** argv) {
  std::string redis = "redis://127.0.0.1:6379", dir, instance = "runner";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--redis") == 0) redis = argv[i + 1];
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    if (std::strcmp(argv[i], "--instance-id") == 0) instance = argv[i + 1];
  }
  try {
    wb::config::LoadResult loaded = wb::config::load_pipeline_dir(dir);
    if (!loaded.ok()) {
      std::cerr << loaded.diagnostics.to_string();
      return 1;
    }
    wb::applier::PlanOptions po;
    po.redis = wb::RedisEndpoint::parse(redis);
    po.instance_id = instance;
    po.pipeline_dir = dir;
#ifdef WB_HAVE_TRANSFORM
    po.transforms = wb::transform::chain_factory;  // as `writebehind run` wires them
    po.foreach = wb::transform::row_expander;
#endif
    wb::applier::Applier applier(wb::applier::plan_from_config(loaded.pipeline, po));
    int sig = wb::applier::run_until_stop_signal(applier);
    spdlog::info("applier_runner: stopped by signal {}", sig);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "applier_runner: " << e.what() << "\n";
    return 1;
  }
}

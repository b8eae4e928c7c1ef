// Which connection types this build's applier can write to. validate accepts every RDI target
// (they are valid pipelines) with a warning; deploy refuses a job whose output uses a target not
// listed here, naming the job and the connection. The applier extends this list as it learns
// new targets — it is the only place to change.
#pragma once
#include <array>

#include "config/diagnostics.h"
#include "config/pipeline.h"

namespace wb::config {

inline constexpr std::array kWritableTargets = {
    ConnectionType::kPostgresql,
    ConnectionType::kMysql,
    ConnectionType::kMariadb,
    ConnectionType::kSqlite,
};

bool can_write_to(ConnectionType type);

// One error per output whose connection this build cannot write:
//   jobs/cache.yaml:8:19: output[0].with.connection: job "cache" writes to connection "mssql" (sqlserver): not supported yet by this build
Diagnostics check_deployable(const Pipeline& pipeline);

}  // namespace wb::config

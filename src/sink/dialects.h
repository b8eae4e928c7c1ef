// The factories of the dialects, for make_sink (sink.cc). Each lives in its own file:
// postgres_sink.cc, mariadb_sink.cc, sqlite_sink.cc.
#pragma once
#include <memory>

#include "sink/sink.h"

namespace wb::sink {

std::unique_ptr<Sink> make_postgres_sink(const ConnectionSettings& settings);
std::unique_ptr<Sink> make_mariadb_sink(const ConnectionSettings& settings);
std::unique_ptr<Sink> make_sqlite_sink(const ConnectionSettings& settings);

}  // namespace wb::sink

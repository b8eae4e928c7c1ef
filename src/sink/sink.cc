// make_sink: picks the dialect for a connection's type.
#include "sink/sink.h"

#include "sink/dialects.h"

namespace wb::sink {

std::unique_ptr<Sink> make_sink(const ConnectionSettings& settings) {
  const std::string& t = settings.type;
  if (t == "postgresql" || t == "postgres") return make_postgres_sink(settings);
  if (t == "mysql" || t == "mariadb") return make_mariadb_sink(settings);
  if (t == "sqlite") return make_sqlite_sink(settings);
  throw SinkError(ErrorKind::Schema, "unknown connection type '" + t + "' (postgresql, mysql, mariadb, sqlite)");
}

}  // namespace wb::sink

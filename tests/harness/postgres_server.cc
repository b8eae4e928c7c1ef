// PostgresServer: initdb + the postgres binary run directly as our child (not through pg_ctl,
// so that PR_SET_PDEATHSIG reaches the postmaster). PostgreSQL refuses to run as root, so as root
// the directory is handed to the `postgres` system user and both programs run as that user.
#include "harness/postgres_server.h"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace wbtest {
namespace {

const char* const kPgBin = "/usr/lib/postgresql/15/bin";
const char* const kPgSystemUser = "postgres";
// As root, the data directory must sit where the postgres user can reach it.
const char* const kRootTempBase = "/tmp";
constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr int kStartAttempts = 5;  // after kill(), old backends may hold shared memory briefly
constexpr auto kStartRetryDelay = std::chrono::milliseconds(300);
constexpr size_t kLogLinesInErrors = 40;

bool running_as_root() { return ::geteuid() == 0; }

std::string pg_program(const char* name) { return std::string(kPgBin) + "/" + name; }

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

PostgresServer::PostgresServer() {
  if (running_as_root())
    dir_ = std::make_unique<TempDir>("wbtest-pg", kRootTempBase);
  else
    dir_ = std::make_unique<TempDir>("wbtest-pg");
  if (running_as_root()) dir_->chown_to(kPgSystemUser);

  ProcessOptions po;
  po.log_file = dir_->file("initdb.log");
  po.working_dir = dir_->path();
  if (running_as_root()) po.run_as_user = kPgSystemUser;
  int code = run_command({pg_program("initdb"), "-D", dir_->file("data"), "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8", "--locale=C"},
                         po);
  if (code != 0)
    throw std::runtime_error("initdb failed (code " + std::to_string(code) + "):\n" +
                             tail_of(read_text_file(dir_->file("initdb.log")), kLogLinesInErrors));
  for (int attempt = 0;; attempt++) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const PortInUseError&) {
      if (attempt + 1 >= kPortConflictRetries) throw;
    }
  }
}

PostgresServer::~PostgresServer() {
  // A fast shutdown (SIGINT) rather than SIGKILL: it releases the System V shared memory
  // segment, which a killed postmaster would leave behind.
  proc_.stop(SIGINT, kStopTimeout);
}

std::string PostgresServer::conninfo(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db + " connect_timeout=10";
}

std::string PostgresServer::log() const { return read_text_file(dir_->file("postgres.log")); }

void PostgresServer::start() {
  if (proc_.running()) return;
  ProcessOptions po;
  po.log_file = dir_->file("postgres.log");
  po.working_dir = dir_->path();
  if (running_as_root()) po.run_as_user = kPgSystemUser;
  std::vector<std::string> argv = {pg_program("postgres"), "-D", dir_->file("data"), "-p", std::to_string(port_),
                                   "-k", dir_->path(),
                                   // Test data needs no durability across a machine crash.
                                   "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                                   "full_page_writes=off", "-c", "synchronous_commit=off"};
  for (int attempt = 1;; attempt++) {
    size_t log_offset = log().size();
    proc_ = Process(argv, po);
    bool exited = false;
    bool ready = wait_until(
        [&] {
          if (!proc_.running()) {
            exited = true;
            return true;
          }
          std::unique_ptr<PGconn, ConnCloser> c(PQconnectdb(conninfo().c_str()));
          return c && PQstatus(c.get()) == CONNECTION_OK;
        },
        kStartTimeout);
    if (!exited && ready) return;
    if (!exited) {
      proc_.signal_group(SIGKILL);
      proc_.wait();
      throw std::runtime_error("postgres on port " + std::to_string(port_) + " not ready; log:\n" +
                               tail_of(log(), kLogLinesInErrors));
    }
    std::string all = log();
    std::string fresh = all.substr(std::min(log_offset, all.size()));
    if (log_reports_port_in_use(fresh))
      throw PortInUseError("postgres: port " + std::to_string(port_) + " is in use");
    if (attempt >= kStartAttempts)
      throw std::runtime_error("postgres on port " + std::to_string(port_) + " exited during start-up; log:\n" +
                               tail_of(log(), kLogLinesInErrors));
    std::this_thread::sleep_for(kStartRetryDelay);
  }
}

void PostgresServer::stop() { proc_.stop(SIGINT, kStopTimeout); }

void PostgresServer::kill() {
  proc_.signal_group(SIGKILL);
  proc_.wait();
}

bool PostgresServer::running() { return proc_.running(); }

std::vector<std::vector<std::string>> PostgresServer::query(const std::string& sql, const std::string& db) {
  std::unique_ptr<PGconn, ConnCloser> conn(PQconnectdb(conninfo(db).c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("postgres: cannot connect to " + db + ": " +
                             (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  // PQexec runs every statement of sql and returns the result of the last one.
  std::unique_ptr<PGresult, ResultCloser> res(PQexec(conn.get(), sql.c_str()));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw std::runtime_error("postgres: " + std::string(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn.get())) +
                             "  in: " + sql);
  std::vector<std::vector<std::string>> rows;
  if (st == PGRES_TUPLES_OK) {
    int nrows = PQntuples(res.get());
    int ncols = PQnfields(res.get());
    rows.reserve(nrows);
    for (int r = 0; r < nrows; r++) {
      std::vector<std::string> row;
      row.reserve(ncols);
      for (int c = 0; c < ncols; c++)
        row.push_back(PQgetisnull(res.get(), r, c)
                          ? std::string("\\N")
                          : std::string(PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c)));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void PostgresServer::create_database(const std::string& db) { query("CREATE DATABASE " + quote_identifier(db)); }

PostgresServer& shared_postgres() {
  static PostgresServer server;
  return server;
}

}  // namespace wbtest

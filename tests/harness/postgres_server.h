// A real PostgreSQL 15 server for a test: initdb in a temporary directory, run as the `postgres`
// system user (PostgreSQL refuses root), listening only on 127.0.0.1:<free port>, trust auth for
// user `postgres`. Stopped and removed by the destructor. Starting takes about a second.
#pragma once
#include <memory>
#include <string>

#include "harness/process.h"

namespace wbtest {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string user() const { return "postgres"; }
  // libpq connection string for database db (default "postgres").
  std::string conninfo(const std::string& db = "postgres") const;

  // Runs SQL (may be several statements) on db through libpq; throws std::runtime_error with the
  // server's message on failure. Returns the rows of the last statement as text (NULL -> "\\N").
  std::vector<std::vector<std::string>> query(const std::string& sql, const std::string& db = "postgres");
  void create_database(const std::string& db);

  void stop();   // fast shutdown, keeps the data directory
  void start();  // same port and directory
  void kill();   // SIGKILL the postmaster
  bool running();

  const std::string& dir() const { return dir_->path(); }
  std::string log() const;  // the server's log so far, for failure messages

 private:
  std::unique_ptr<TempDir> dir_;
  int port_ = 0;
  Process proc_;
};

// One server shared by every test in the process, started on first use.
PostgresServer& shared_postgres();

}  // namespace wbtest

// A real MariaDB 10.11 server for a test: mariadb-install-db into a temporary directory,
// mariadbd --user=root on 127.0.0.1:<free port> and a private socket, root without password.
// Stopped and removed by the destructor.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "harness/process.h"

namespace wbtest {

class MariaDbServer {
 public:
  MariaDbServer();
  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string user() const { return "root"; }
  std::string password() const { return ""; }
  std::string socket() const;

  // Runs SQL (one statement) through MariaDB Connector/C; throws std::runtime_error with the
  // server's message on failure. Returns the rows of a result set as text (NULL -> "\\N").
  std::vector<std::vector<std::string>> query(const std::string& sql, const std::string& db = "");
  void create_database(const std::string& db);

  void stop();
  void start();
  void kill();
  bool running();

  const std::string& dir() const { return dir_->path(); }
  std::string log() const;  // the server's log so far, for failure messages

 private:
  std::unique_ptr<TempDir> dir_;
  int port_ = 0;
  Process proc_;
};

MariaDbServer& shared_mariadb();

}  // namespace wbtest

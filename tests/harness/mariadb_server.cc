// MariaDbServer: mariadb-install-db into a temporary directory, then mariadbd as our direct child
// (--user=root), on 127.0.0.1:<port> and a private socket; root logs in without a password.
// Settings keep start-up to a couple of seconds: a small buffer pool and redo log, no binlog.
#include "harness/mariadb_server.h"

#include <mysql.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace wbtest {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr int kStartAttempts = 3;
constexpr auto kStartRetryDelay = std::chrono::milliseconds(300);
constexpr unsigned kConnectTimeoutSeconds = 5;
constexpr size_t kLogLinesInErrors = 40;

// Options for both the bootstrap (mariadb-install-db passes them on) and the server. A private
// tmpdir: concurrent servers sharing /tmp have been seen to lose each other's temporary tables.
std::vector<std::string> storage_options(const TempDir& dir) {
  return {"--tmpdir=" + dir.file("tmp"),
          "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=0",
          "--innodb-doublewrite=0", "--innodb-use-native-aio=0", "--skip-log-bin", "--skip-name-resolve"};
}

struct MysqlCloser {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
struct ResultCloser {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};

std::unique_ptr<MYSQL, MysqlCloser> connect(int port, const std::string& db, std::string& error) {
  std::unique_ptr<MYSQL, MysqlCloser> m(mysql_init(nullptr));
  if (!m) {
    error = "out of memory";
    return nullptr;
  }
  unsigned timeout = kConnectTimeoutSeconds;
  mysql_optionsv(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(m.get(), MYSQL_OPT_PROTOCOL, &protocol);
  if (!mysql_real_connect(m.get(), "127.0.0.1", "root", "", db.empty() ? nullptr : db.c_str(),
                          static_cast<unsigned>(port), nullptr, 0)) {
    error = mysql_error(m.get());
    return nullptr;
  }
  return m;
}

std::string quote_identifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

}  // namespace

MariaDbServer::MariaDbServer() {
  dir_ = std::make_unique<TempDir>("wbtest-mariadb");
  std::filesystem::create_directory(dir_->file("tmp"));
  ProcessOptions po;
  po.log_file = dir_->file("install.log");
  po.working_dir = dir_->path();
  std::vector<std::string> argv = {"mariadb-install-db", "--no-defaults", "--user=root",
                                   "--datadir=" + dir_->file("data"), "--auth-root-authentication-method=normal",
                                   "--skip-test-db"};
  for (auto& o : storage_options(*dir_)) argv.push_back(o);
  int code = run_command(argv, po);
  if (code != 0)
    throw std::runtime_error("mariadb-install-db failed (code " + std::to_string(code) + "):\n" +
                             tail_of(read_text_file(dir_->file("install.log")), kLogLinesInErrors));
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

MariaDbServer::~MariaDbServer() {
  // The data goes away with the directory: no need for a clean InnoDB shutdown.
  proc_.signal_group(SIGKILL);
  proc_.wait();
}

std::string MariaDbServer::socket() const { return dir_->file("mysql.sock"); }

std::string MariaDbServer::log() const {
  return read_text_file(dir_->file("mariadbd.stdout")) + read_text_file(dir_->file("error.log"));
}

void MariaDbServer::start() {
  if (proc_.running()) return;
  ProcessOptions po;
  po.log_file = dir_->file("mariadbd.stdout");
  po.working_dir = dir_->path();
  std::vector<std::string> argv = {"mariadbd",
                                   "--no-defaults",
                                   "--user=root",
                                   "--datadir=" + dir_->file("data"),
                                   "--port=" + std::to_string(port_),
                                   "--bind-address=127.0.0.1",
                                   "--socket=" + socket(),
                                   "--pid-file=" + dir_->file("mariadbd.pid"),
                                   "--log-error=" + dir_->file("error.log")};
  for (auto& o : storage_options(*dir_)) argv.push_back(o);
  for (int attempt = 1;; attempt++) {
    size_t log_offset = log().size();
    proc_ = Process(argv, po);
    bool exited = false;
    std::string last_error;
    bool ready = wait_until(
        [&] {
          if (!proc_.running()) {
            exited = true;
            return true;
          }
          return connect(port_, "", last_error) != nullptr;
        },
        kStartTimeout);
    if (!exited && ready) return;
    if (!exited) {
      proc_.signal_group(SIGKILL);
      proc_.wait();
      throw std::runtime_error("mariadbd on port " + std::to_string(port_) + " not ready (" + last_error +
                               "); log:\n" + tail_of(log(), kLogLinesInErrors));
    }
    // After kill(), the old InnoDB files may still be locked for a moment.
    std::string all = log();
    std::string fresh = all.substr(std::min(log_offset, all.size()));
    if (log_reports_port_in_use(fresh))
      throw PortInUseError("mariadbd: port " + std::to_string(port_) + " is in use");
    if (attempt >= kStartAttempts)
      throw std::runtime_error("mariadbd on port " + std::to_string(port_) + " exited during start-up; log:\n" +
                               tail_of(log(), kLogLinesInErrors));
    std::this_thread::sleep_for(kStartRetryDelay);
  }
}

void MariaDbServer::stop() { proc_.stop(SIGTERM, kStopTimeout); }

void MariaDbServer::kill() {
  proc_.signal_group(SIGKILL);
  proc_.wait();
}

bool MariaDbServer::running() { return proc_.running(); }

std::vector<std::vector<std::string>> MariaDbServer::query(const std::string& sql, const std::string& db) {
  std::string error;
  auto m = connect(port_, db, error);
  if (!m) throw std::runtime_error("mariadb: cannot connect" + (db.empty() ? "" : " to " + db) + ": " + error);
  if (mysql_real_query(m.get(), sql.data(), sql.size()) != 0)
    throw std::runtime_error("mariadb: " + std::string(mysql_error(m.get())) + "  in: " + sql);
  std::vector<std::vector<std::string>> rows;
  std::unique_ptr<MYSQL_RES, ResultCloser> res(mysql_store_result(m.get()));
  if (!res) {
    if (mysql_field_count(m.get()) != 0)
      throw std::runtime_error("mariadb: " + std::string(mysql_error(m.get())) + "  in: " + sql);
    return rows;  // a statement without a result set
  }
  unsigned ncols = mysql_num_fields(res.get());
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    unsigned long* lengths = mysql_fetch_lengths(res.get());
    std::vector<std::string> out;
    out.reserve(ncols);
    for (unsigned c = 0; c < ncols; c++)
      out.push_back(row[c] ? std::string(row[c], lengths[c]) : std::string("\\N"));
    rows.push_back(std::move(out));
  }
  return rows;
}

void MariaDbServer::create_database(const std::string& db) { query("CREATE DATABASE " + quote_identifier(db)); }

MariaDbServer& shared_mariadb() {
  static MariaDbServer server;
  return server;
}

}  // namespace wbtest

// Proves each fixture of the test harness against the real programs: processes die with their
// owner, directories are removed, and redis-server, PostgreSQL and MariaDB start, answer, keep
// their data across a restart and clean up after themselves.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/mariadb_server.h"
#include "harness/postgres_server.h"
#include "harness/process.h"
#include "harness/redis_client.h"
#include "harness/redis_server.h"

using namespace wbtest;
namespace fs = std::filesystem;

namespace {

// True when pid no longer runs (gone, or a zombie nobody has reaped yet).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

pid_t read_pid_file(const std::string& path) {
  pid_t pid = 0;
  wait_until([&] {
    std::ifstream in(path);
    return static_cast<bool>(in >> pid);
  });
  return pid;
}

RedisOptions plain_redis() {
  RedisOptions o;
  o.load_module = false;
  return o;
}

}  // namespace

// ---------------------------------------------------------------------------------- process.h

TEST(TempDirTest, CreatesAndRemovesItsDirectory) {
  std::string path;
  {
    TempDir dir("wbtest-unit");
    path = dir.path();
    ASSERT_TRUE(fs::is_directory(path));
    std::ofstream(dir.file("a.txt")) << "x";
    fs::create_directories(dir.file("sub/deeper"));
    std::ofstream(dir.file("sub/deeper/b.txt")) << "y";
    EXPECT_EQ(dir.file("a.txt"), path + "/a.txt");
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(TempDirTest, RemovesDirectoriesLeftByDeadProcesses) {
  TempDir base("wbtest-base");
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  std::string stale = base.file("wbtest-left-" + std::to_string(dead) + "-abcdef");
  std::string alive = base.file("wbtest-left-" + std::to_string(getpid()) + "-abcdef");
  std::string foreign = base.file("other-" + std::to_string(dead) + "-abcdef");
  for (auto& d : {stale, alive, foreign}) fs::create_directories(d + "/inner");
  TempDir fresh("wbtest-new", base.path());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(foreign));
  EXPECT_TRUE(fs::is_directory(fresh.path()));
}

TEST(ProcessTest, FreePortsAreDistinctAndBindable) {
  int a = free_port();
  int b = free_port();
  EXPECT_NE(a, b);
  EXPECT_GT(a, 0);
  EXPECT_LT(a, 65536);
}

TEST(ProcessTest, RunCommandReturnsExitCodeAndLogsOutput) {
  TempDir dir;
  ProcessOptions po;
  po.log_file = dir.file("out.log");
  po.env = {"WB_HARNESS_PROBE=hello"};
  EXPECT_EQ(run_command({"sh", "-c", "echo $WB_HARNESS_PROBE; echo err >&2; exit 3"}, po), 3);
  EXPECT_EQ(read_text_file(dir.file("out.log")), "hello\nerr\n");
  EXPECT_EQ(run_command({"true"}), 0);
}

TEST(ProcessTest, StartFailureThrows) {
  EXPECT_THROW(Process({"/nonexistent/program"}), std::runtime_error);
}

TEST(ProcessTest, StopSendsSignalThenReportsStatus) {
  Process p({"sleep", "100"});
  EXPECT_TRUE(p.running());
  int status = p.stop(SIGTERM);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_FALSE(p.running());
  // A process that ignores the signal is killed after the timeout.
  Process stubborn({"sh", "-c", "trap '' TERM; sleep 100"});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the trap be installed
  status = stubborn.stop(SIGTERM, std::chrono::milliseconds(200));
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(ProcessTest, DestructorKillsChildAndItsChildren) {
  TempDir dir;
  pid_t child, grandchild;
  {
    Process p({"sh", "-c", "sleep 100 & echo $! > " + dir.file("gc.pid") + "; wait"});
    child = p.pid();
    grandchild = read_pid_file(dir.file("gc.pid"));
    ASSERT_GT(grandchild, 0);
    EXPECT_FALSE(process_gone(grandchild));
  }
  EXPECT_TRUE(process_gone(child));
  EXPECT_TRUE(wait_until([&] { return process_gone(grandchild); }, std::chrono::seconds(5)));
}

TEST(ProcessTest, ChildDiesWhenOwnerDiesWithoutCleanup) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t owner = fork();
  if (owner == 0) {
    close(pipefd[0]);
    Process p({"sleep", "100"});
    pid_t pid = p.pid();
    (void)!write(pipefd[1], &pid, sizeof pid);
    _exit(0);  // no destructors: only PR_SET_PDEATHSIG can stop the child
  }
  close(pipefd[1]);
  pid_t sleeper = 0;
  ASSERT_EQ(read(pipefd[0], &sleeper, sizeof sleeper), static_cast<ssize_t>(sizeof sleeper));
  close(pipefd[0]);
  waitpid(owner, nullptr, 0);
  EXPECT_TRUE(wait_until([&] { return process_gone(sleeper); }, std::chrono::seconds(5)));
}

TEST(ProcessTest, InterruptKillsChildrenAndRemovesDirectories) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t owner = fork();
  if (owner == 0) {
    close(pipefd[0]);
    TempDir dir("wbtest-interrupted");
    std::ofstream(dir.file("data")) << "x";
    Process p({"sleep", "100"});
    char path[512] = {};
    snprintf(path, sizeof path, "%s", dir.path().c_str());
    pid_t pid = p.pid();
    (void)!write(pipefd[1], &pid, sizeof pid);
    (void)!write(pipefd[1], path, sizeof path);
    pause();  // until SIGTERM
    _exit(0);
  }
  close(pipefd[1]);
  pid_t sleeper = 0;
  char path[512] = {};
  ASSERT_EQ(read(pipefd[0], &sleeper, sizeof sleeper), static_cast<ssize_t>(sizeof sleeper));
  ASSERT_EQ(read(pipefd[0], path, sizeof path), static_cast<ssize_t>(sizeof path));
  close(pipefd[0]);
  ASSERT_TRUE(fs::exists(path));
  kill(owner, SIGTERM);
  int status = 0;
  waitpid(owner, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(process_gone(sleeper));
  EXPECT_FALSE(fs::exists(path));
}

TEST(ProcessTest, RunsAsAnotherUserWhenRoot) {
  if (geteuid() != 0) {
    // Not root: the option is refused by the kernel, and that is reported.
    ProcessOptions po;
    po.run_as_user = "nobody";
    EXPECT_NE(run_command({"true"}, po), 0);
    return;
  }
  TempDir dir;
  ProcessOptions po;
  po.log_file = dir.file("id.log");
  po.run_as_user = "postgres";
  EXPECT_EQ(run_command({"id", "-un"}, po), 0);
  EXPECT_EQ(read_text_file(dir.file("id.log")), "postgres\n");
}

TEST(ProcessTest, TailOfKeepsLastLines) {
  EXPECT_EQ(tail_of("a\nb\nc\n", 2), "b\nc");
  EXPECT_EQ(tail_of("a\nb\nc", 1), "c");
  EXPECT_EQ(tail_of("a\nb", 5), "a\nb");
  EXPECT_EQ(tail_of("", 5), "");
}

// ------------------------------------------------------------------------------ redis_server.h

TEST(RedisServerTest, StartsAnswersAndRemovesItsDirectory) {
  std::string dir;
  {
    RedisServer redis(plain_redis());
    dir = redis.dir();
    EXPECT_EQ(redis.url(), "redis://127.0.0.1:" + std::to_string(redis.port()));
    RedisClient c = redis.client();
    EXPECT_EQ(c.command({"PING"}).str, "PONG");
    EXPECT_EQ(c.command({"SET", "k", "v"}).type, Reply::Type::Status);
    EXPECT_EQ(c.command({"GET", "k"}).str, "v");
    EXPECT_TRUE(c.command({"GET", "missing"}).is_nil());
    Reply err = c.command({"INCR", "k"});
    EXPECT_TRUE(err.is_error());
    EXPECT_NE(err.str.find("not an integer"), std::string::npos);
    EXPECT_NE(redis.log().find("Ready to accept connections"), std::string::npos);
    EXPECT_EQ(info_field(redis.info("persistence"), "aof_enabled"), "0");
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST(RedisServerTest, ClientIsBinarySafeAndPipelines) {
  RedisServer redis(plain_redis());
  RedisClient c = redis.client();
  std::string key("k\0\r\n\xff", 5);
  std::string value("v\0 \"x\"", 6);
  c.command({"SET", key, value});
  Reply got = c.command({"GET", key});
  EXPECT_EQ(got.str, value);
  constexpr int kCommands = 100;
  for (int i = 0; i < kCommands; i++) c.append({"RPUSH", "list", std::to_string(i)});
  for (int i = 0; i < kCommands; i++) EXPECT_EQ(c.read_reply().integer, i + 1);
  Reply range = c.command({"LRANGE", "list", "0", "2"});
  ASSERT_EQ(range.type, Reply::Type::Array);
  EXPECT_EQ(range.to_string(), "[\"0\", \"1\", \"2\"]");
  c.command({"HSET", "h", "f", "v"});
  EXPECT_EQ(c.command({"HGETALL", "h"}).to_string(), "[\"f\", \"v\"]");
}

TEST(RedisServerTest, AppendOnlyDataSurvivesRestartAndKill) {
  RedisOptions o = plain_redis();
  o.appendonly = true;
  RedisServer redis(o);
  int port = redis.port();
  redis.client().command({"SET", "a", "1"});
  redis.restart();
  EXPECT_EQ(redis.port(), port);
  EXPECT_EQ(redis.client().command({"GET", "a"}).str, "1");
  redis.client().command({"SET", "b", "2"});
  redis.kill();  // appendfsync always: the write is on disk already
  EXPECT_FALSE(redis.running());
  redis.start();
  EXPECT_TRUE(redis.running());
  RedisClient c = redis.client();
  EXPECT_EQ(c.command({"GET", "a"}).str, "1");
  EXPECT_EQ(c.command({"GET", "b"}).str, "2");
  EXPECT_TRUE(fs::is_directory(redis.aof_dir()));
}

TEST(RedisServerTest, ReplicaSyncs) {
  RedisServer master(plain_redis());
  master.client().command({"SET", "before", "1"});
  RedisOptions o = plain_redis();
  o.replica_of_port = master.port();
  RedisServer replica(o);
  replica.wait_for_sync(master);
  RedisClient rc = replica.client();
  EXPECT_EQ(rc.command({"GET", "before"}).str, "1");
  RedisClient mc = master.client();
  for (int i = 0; i < 50; i++) mc.command({"HSET", "h", "f" + std::to_string(i), "v"});
  replica.wait_for_sync(master);
  EXPECT_EQ(rc.command({"HLEN", "h"}).integer, 50);
  EXPECT_EQ(info_field(replica.info("replication"), "role"), "slave");
  EXPECT_TRUE(rc.command({"SET", "x", "y"}).is_error());  // read-only replica
}

TEST(RedisServerTest, ExtraConfigIsApplied) {
  RedisOptions o = plain_redis();
  o.config = {{"maxmemory-policy", "allkeys-lru"}, {"notify-keyspace-events", "KEA"}};
  RedisServer redis(o);
  Reply r = redis.client().command({"CONFIG", "GET", "maxmemory-policy"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[1].str, "allkeys-lru");
}

TEST(RedisServerTest, StartFailureThrowsWithTheLog) {
  RedisOptions o;
  o.load_module = true;
  o.module_path = "/nonexistent/writebehind.so";
  try {
    RedisServer redis(o);
    FAIL() << "a server with a missing module must not start";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("exited during start-up"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent/writebehind.so"), std::string::npos) << msg;
  }
}

TEST(RedisServerTest, BindConflictIsReportedAsPortInUse) {
  RedisServer first(plain_redis());
  RedisOptions o = plain_redis();
  o.config = {{"port", std::to_string(first.port())}};  // overrides the harness's own choice
  EXPECT_THROW(RedisServer second(o), PortInUseError);
  EXPECT_EQ(first.client().command({"PING"}).str, "PONG");
}

// --------------------------------------------------------------------------- postgres_server.h

TEST(PostgresServerTest, QueriesDatabasesAndRestart) {
  PostgresServer pg;
  EXPECT_EQ(pg.query("SELECT 1, NULL::text, 'x'"), (std::vector<std::vector<std::string>>{{"1", "\\N", "x"}}));
  pg.create_database("wb_test");
  pg.query("CREATE TABLE t (id int primary key, name text); INSERT INTO t VALUES (1, 'one'), (2, 'two')", "wb_test");
  EXPECT_EQ(pg.query("SELECT count(*) FROM t", "wb_test")[0][0], "2");
  EXPECT_THROW(pg.query("SELECT * FROM no_such_table", "wb_test"), std::runtime_error);

  int port = pg.port();
  pg.stop();
  EXPECT_FALSE(pg.running());
  EXPECT_THROW(pg.query("SELECT 1"), std::runtime_error);
  pg.start();
  EXPECT_EQ(pg.port(), port);
  EXPECT_EQ(pg.query("SELECT name FROM t ORDER BY id", "wb_test"),
            (std::vector<std::vector<std::string>>{{"one"}, {"two"}}));

  pg.kill();
  pg.start();  // crash recovery
  EXPECT_EQ(pg.query("SELECT count(*) FROM t", "wb_test")[0][0], "2");
  EXPECT_NE(pg.conninfo("wb_test").find("dbname=wb_test"), std::string::npos);
}

TEST(PostgresServerTest, RemovesItsDirectory) {
  std::string dir;
  {
    PostgresServer pg;
    dir = pg.dir();
    EXPECT_TRUE(fs::exists(dir + "/data/PG_VERSION"));
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST(PostgresServerTest, SharedInstanceIsOnePerProcess) {
  PostgresServer& a = shared_postgres();
  PostgresServer& b = shared_postgres();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.query("SELECT current_user")[0][0], "postgres");
}

// ---------------------------------------------------------------------------- mariadb_server.h

TEST(MariaDbServerTest, QueriesDatabasesAndRestart) {
  MariaDbServer db;
  EXPECT_EQ(db.query("SELECT 1, NULL, 'x'"), (std::vector<std::vector<std::string>>{{"1", "\\N", "x"}}));
  db.create_database("wb_test");
  db.query("CREATE TABLE t (id int primary key, name text) ENGINE=InnoDB", "wb_test");
  db.query("INSERT INTO t VALUES (1, 'one'), (2, 'two')", "wb_test");
  EXPECT_EQ(db.query("SELECT count(*) FROM t", "wb_test")[0][0], "2");
  EXPECT_THROW(db.query("SELECT * FROM no_such_table", "wb_test"), std::runtime_error);
  EXPECT_TRUE(fs::exists(db.socket()));

  int port = db.port();
  db.stop();
  EXPECT_FALSE(db.running());
  EXPECT_THROW(db.query("SELECT 1"), std::runtime_error);
  db.start();
  EXPECT_EQ(db.port(), port);
  EXPECT_EQ(db.query("SELECT name FROM t ORDER BY id", "wb_test"),
            (std::vector<std::vector<std::string>>{{"one"}, {"two"}}));
}

TEST(MariaDbServerTest, SharedInstanceIsOnePerProcessAndCleansUp) {
  MariaDbServer& a = shared_mariadb();
  EXPECT_EQ(&a, &shared_mariadb());
  EXPECT_EQ(a.query("SELECT CURRENT_USER()")[0][0].rfind("root@", 0), 0u);
  std::string dir;
  {
    MariaDbServer own;
    dir = own.dir();
    EXPECT_TRUE(fs::is_directory(dir + "/data/mysql"));
  }
  EXPECT_FALSE(fs::exists(dir));
}

// writebehind scaffold --db-type TYPE --dir DIR [--force] | --preview FILE: writes (or prints) a
// starting pipeline for a target type. Existing files are kept unless --force.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/scaffold_templates.h"

namespace wb::cli {
namespace {

namespace fs = std::filesystem;

struct ScaffoldOptions {
  std::string db_type;
  std::string dir;
  std::string preview;
  bool force = false;
};

void write_file(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw CliFailure("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw CliFailure("cannot write " + path.string());
}

void run_scaffold(const ScaffoldOptions& o) {
  auto type = config::connection_type_from(o.db_type);
  std::vector<ScaffoldFile> files = scaffold_files(*type);  // --db-type is checked by CLI11
  if (!o.preview.empty()) {
    std::string names;
    for (const auto& f : files) {
      if (f.path == o.preview) {
        std::cout << f.content;
        return;
      }
      names += (names.empty() ? "" : ", ") + f.path;
    }
    throw CliFailure("--preview " + o.preview + ": not a scaffolded file, expected one of " + names, kExitUsage);
  }
  if (o.dir.empty()) throw CliFailure("scaffold: --dir is required (or --preview config.yaml)", kExitUsage);
  for (const auto& f : files) {
    fs::path path = fs::path(o.dir) / f.path;
    std::error_code ec;
    if (fs::exists(path, ec) && !o.force) {
      std::cout << "kept " << path.string() << " (it exists; --force overwrites it)\n";
      continue;
    }
    write_file(path, f.content);
    std::cout << "wrote " << path.string() << "\n";
  }
}

}  // namespace

void register_scaffold(CLI::App& app) {
  auto o = std::make_shared<ScaffoldOptions>();
  CLI::App* cmd = app.add_subcommand("scaffold", "Write a starting pipeline (config.yaml + jobs/) for a target");
  cmd->add_option("--db-type", o->db_type, "Target type")
      ->required()
      ->check(CLI::IsMember({"postgresql", "mysql", "mariadb", "sqlite", "redis", "sqlserver", "oracle", "cassandra"}));
  cmd->add_option("--dir", o->dir, "Directory to write the pipeline into");
  cmd->add_option("--preview", o->preview, "Print one file (config.yaml or jobs/users.yaml) instead of writing");
  cmd->add_flag("--force", o->force, "Overwrite existing files");
  cmd->callback([o] { run_scaffold(*o); });
}

}  // namespace wb::cli

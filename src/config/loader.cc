// Loading and validating a pipeline (see loader.h).
#include "config/loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/identifiers.h"
#include "config/parsers.h"
#include "config/yaml_file.h"

namespace wb::config {
namespace {

namespace fs = std::filesystem;

bool is_job_extension(const std::string& ext) { return ext == ".yaml" || ext == ".yml"; }

std::string read_text(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxPipelineFileBytes) {
    throw ConfigError(path.string() + ": " + std::to_string(size) + " bytes, expected at most " +
                      std::to_string(kMaxPipelineFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The caret excerpt under an expression problem: the line of text holding the culprit, and a
// caret under it.
std::vector<std::string> caret_excerpt(const Expression& x, size_t offset) {
  offset = std::min(offset, x.text.size());
  size_t line_start = 0;
  if (offset > 0) {
    size_t newline = x.text.rfind('\n', offset - 1);
    if (newline != std::string::npos) line_start = newline + 1;
  }
  size_t line_end = x.text.find('\n', line_start);
  std::string line = x.text.substr(line_start, line_end == std::string::npos ? std::string::npos : line_end - line_start);
  return {line, std::string(offset - line_start, ' ') + "^"};
}

void check_expression(const Expression& x, const ExpressionCheckers& checkers, Diagnostics& diags) {
  const ExpressionChecker* checker = checkers.find(x.language);
  if (checker == nullptr) return;
  std::optional<ExpressionProblem> problem;
  try {
    problem = (*checker)(x);
  } catch (const std::exception& e) {
    problem = ExpressionProblem{0, e.what()};
  }
  if (!problem) return;
  diags.error(x.position_of(problem->offset), x.path,
              "invalid " + std::string(to_string(x.language)) + " expression: " + problem->message,
              caret_excerpt(x, problem->offset));
}

void check_expressions(const Pipeline& pipeline, const ExpressionCheckers& checkers, Diagnostics& diags) {
  for (const auto& job : pipeline.jobs) {
    for (const auto& block : job.transforms) {
      if (block.expression) check_expression(*block.expression, checkers, diags);
      for (const auto& f : block.fields) check_expression(f.expression, checkers, diags);
    }
    for (const auto& out : job.outputs) {
      if (const auto* r = out.relational(); r != nullptr && r->foreach) {
        check_expression(r->foreach->expression, checkers, diags);
      }
      if (const auto* r = out.redis(); r != nullptr && r->key) check_expression(*r->key, checkers, diags);
    }
  }
}

}  // namespace

std::string job_name_of(const std::string& path) {
  fs::path p(path);
  if (p.parent_path() != fs::path(kJobsDirName) || !is_job_extension(p.extension().string())) return "";
  return p.stem().string();
}

PipelineFiles read_pipeline_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError(dir.string() + " is not a directory");
  PipelineFiles files;
  fs::path config = dir / kConfigFileName;
  if (fs::exists(config, ec)) files[std::string(kConfigFileName)] = read_text(config);
  fs::path jobs = dir / kJobsDirName;
  if (fs::is_directory(jobs, ec)) {
    for (const auto& entry : fs::directory_iterator(jobs, ec)) {
      if (!entry.is_regular_file() || !is_job_extension(entry.path().extension().string())) continue;
      files[std::string(kJobsDirName) + "/" + entry.path().filename().string()] = read_text(entry.path());
    }
    if (ec) throw ConfigError("cannot list " + jobs.string() + ": " + ec.message());
  }
  return files;
}

LoadResult load_pipeline(const PipelineFiles& files, const LoadOptions& options) {
  LoadResult result;
  Diagnostics& diags = result.diagnostics;
  detail::ConfigFileFacts facts;

  auto config = files.find(std::string(kConfigFileName));
  if (config == files.end()) {
    diags.error(SourcePos{std::string(kConfigFileName), 0, 0}, "", "file not found, expected a config.yaml with connections");
  } else {
    detail::YamlFile file(config->first, config->second, diags);
    if (file.parse()) detail::parse_config_file(file, result.pipeline, facts);
  }

  std::map<std::string, std::string> job_files;  // job name -> first file with that name
  for (const auto& [path, content] : files) {
    if (path == kConfigFileName) continue;
    std::string name = job_name_of(path);
    if (name.empty()) {
      diags.warning(SourcePos{path, 0, 0}, "", "ignored: not config.yaml nor a job file under jobs/");
      continue;
    }
    if (auto problem = job_name_problem(name)) {
      diags.error(SourcePos{path, 1, 1}, "", "job name \"" + name + "\" (the file name) " + *problem);
      continue;
    }
    auto [prev, inserted] = job_files.emplace(name, path);
    if (!inserted) {
      diags.error(SourcePos{path, 1, 1}, "", "job \"" + name + "\" is also defined by " + prev->second);
      continue;
    }
    Job job;
    job.name = name;
    job.file = path;
    detail::YamlFile file(path, content, diags);
    if (file.parse()) detail::parse_job_file(file, job);
    result.pipeline.jobs.push_back(std::move(job));
  }
  std::sort(result.pipeline.jobs.begin(), result.pipeline.jobs.end(),
            [](const Job& a, const Job& b) { return a.name < b.name; });
  if (result.pipeline.jobs.empty() && !diags.has_errors()) {
    diags.warning(SourcePos{std::string(kJobsDirName), 0, 0}, "", "no jobs: nothing will be captured");
  }

  detail::cross_check(result.pipeline, facts, diags);
  if (options.checkers != nullptr) check_expressions(result.pipeline, *options.checkers, diags);
  diags.sort();
  return result;
}

LoadResult load_pipeline_dir(const fs::path& dir, const LoadOptions& options) {
  LoadResult result = load_pipeline(read_pipeline_dir(dir), options);
  std::error_code ec;
  fs::path absolute = fs::absolute(dir, ec);
  result.pipeline.directory = (ec ? dir : absolute.lexically_normal()).string();
  return result;
}

}  // namespace wb::config

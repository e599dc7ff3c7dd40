// exec_settings.cpp — reading and checking [workload.exec] (see exec_settings.hpp).
#include "workers/exec/exec_settings.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "workers/exec/command_template.hpp"

namespace t2 {

namespace fs = std::filesystem;

namespace {

// Checks every {placeholder} of one template string against `allowed`. `element` is its
// position in an argv list (-1 for a single string); errors name it: "workload.exec.train[2]".
void check_template(TableReader& r, const std::string& key, int element, const std::string& text,
                    const std::vector<std::string>& allowed, const char* kind) {
  auto fail = [&](const std::string& problem) {
    if (element < 0) r.fail(key, problem);
    const toml::node* list = r.raw(key);
    const toml::node* item = list->as_array()->get(static_cast<std::size_t>(element));
    throw ConfigError(r.file(), static_cast<int>(item->source().begin.line),
                      fmt::format("{}[{}]", r.path(key), element), render(*item), problem);
  };
  std::vector<std::string> names;
  try {
    names = placeholders_in(text);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  for (auto& n : names)
    if (std::find(allowed.begin(), allowed.end(), n) == allowed.end())
      fail(fmt::format("unknown placeholder {{{}}} (a {} may use: {})", n, kind, fmt::join(allowed, " ")));
}

// Element 0 of an argv template must be a program that can start. A program name with a
// placeholder is decided per job; it is checked when the job runs.
void check_program(TableReader& r, const std::string& key, const std::string& program, const std::string& path) {
  if (program.find('{') != std::string::npos) return;
  std::string problem = program_problem(program, path);
  if (problem.empty()) return;
  const toml::node* item = r.raw(key)->as_array()->get(0);
  throw ConfigError(r.file(), static_cast<int>(item->source().begin.line), r.path(key) + "[0]", render(*item), problem);
}

}  // namespace

std::string program_problem(const std::string& program, const std::string& path) {
  auto executable = [](const std::string& file) {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(program.c_str(), &st) != 0)
      return fmt::format("no such program (relative paths are relative to the working directory, {})",
                         fs::current_path().string());
    if (!S_ISREG(st.st_mode)) return "is not a regular file";
    if (::access(program.c_str(), X_OK) != 0) return "is not executable (chmod +x, or name its interpreter first)";
    return "";
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = end > start ? path.substr(start, end - start) : std::string(".");
    if (executable(dir + "/" + program)) return "";
    start = end + 1;
  }
  std::string shown = path.size() > 200 ? path.substr(0, 197) + "..." : path;
  return fmt::format("program not found in PATH ({}); check the spelling, or give its full path", shown);
}

ExecSettings read_exec_settings(TableReader& r, bool check_programs) {
  ExecSettings s;
  s.train = r.strings("train");
  s.eval = r.strings("eval");
  r.require(!s.train.empty() && !s.train[0].empty(), "train", "must name a program: [\"program\", \"arg\", ...]");
  r.require(!s.eval.empty() && !s.eval[0].empty(), "eval", "must name a program: [\"program\", \"arg\", ...]");
  for (std::size_t i = 0; i < s.train.size(); ++i)
    check_template(r, "train", static_cast<int>(i), s.train[i], train_placeholders(), "train command");
  for (std::size_t i = 0; i < s.eval.size(); ++i)
    check_template(r, "eval", static_cast<int>(i), s.eval[i], eval_placeholders(), "eval command");
  if (auto env = r.table("env")) {
    const toml::node* node = r.raw("env");
    for (auto&& [k, v] : *node->as_table()) {
      std::string key(k.str());
      auto value = env->string(key);
      env->require(!key.empty() && key.find('=') == std::string::npos, key, "is not a valid variable name");
      // A placeholder valid for only one kind would expand in one and fail in the other, so env
      // values may use only the names both kinds have.
      std::vector<std::string> common;
      for (auto& n : train_placeholders())
        if (std::find(eval_placeholders().begin(), eval_placeholders().end(), n) != eval_placeholders().end())
          common.push_back(n);
      check_template(*env, key, -1, value, common, "[env] value");
      s.env[key] = value;
    }
    env->finish();
  }
  s.timeout = r.seconds("timeout", s.timeout);  // 0 = no limit
  s.grace = r.seconds("grace", s.grace);
  s.keep_logs = r.boolean("keep_logs", s.keep_logs);
  s.scratch_dir = r.string("scratch_dir", s.scratch_dir);
  s.tokens_per_sample = r.number("tokens_per_sample", s.tokens_per_sample);
  r.require(s.tokens_per_sample > 0, "tokens_per_sample", "must be > 0");
  r.finish();
  if (!check_programs) return s;
  // Last, so that a malformed table reports its own mistake first. The PATH a job is started
  // with: [env] PATH when set (without placeholders), else t2's own.
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/local/bin:/usr/bin:/bin";
  if (auto it = s.env.find("PATH"); it != s.env.end() && it->second.find('{') == std::string::npos) path = it->second;
  check_program(r, "train", s.train[0], path);
  check_program(r, "eval", s.eval[0], path);
  return s;
}

}  // namespace t2

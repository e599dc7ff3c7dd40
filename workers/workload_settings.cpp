// workload_settings.cpp — each backend's settings reader behind one switch (see
// workload_settings.hpp). Links the backends' settings libraries only, never a backend.
#include "workers/workload_settings.hpp"

#include <fmt/format.h>

#include "workers/builtin/builtin_settings.hpp"
#include "workers/exec/command_template.hpp"
#include "workers/exec/exec_settings.hpp"
#include "workers/synthetic/synthetic_settings.hpp"

namespace t2 {

std::vector<std::string> workload_backends() { return {"synthetic", "builtin", "exec"}; }

ConfigError with_line(const WorkloadConfig& config, const ConfigError& e) {
  if (e.line > 0 || e.key.empty() || !config.document) return e;
  auto at = config.document->at_path(e.key);
  if (!at || at.node()->source().begin.line == 0) return e;
  return ConfigError(e.file, static_cast<int>(at.node()->source().begin.line), e.key, e.value, e.problem);
}

void check_workload_settings(const WorkloadConfig& config) {
  TableReader reader(config.settings, "workload." + config.backend, config.file);
  try {
    if (config.backend == "synthetic") {
      read_synthetic_truth(reader, config.seed, config.grid);
    } else if (config.backend == "builtin") {
      auto s = builtin::read_builtin_settings(reader);
      if (config.check_programs) builtin::check_data_file(reader, s);
    } else if (config.backend == "exec") {
      read_exec_settings(reader, config.check_programs);
    } else {
      throw ConfigError(config.file, 0, "workload.backend", "\"" + config.backend + "\"",
                        "unknown backend (this build has: synthetic, builtin, exec)");
    }
  } catch (const ConfigError& e) {
    throw with_line(config, e);
  }
}

std::vector<std::string> workload_warnings(const WorkloadConfig& config) {
  std::vector<std::string> out;
  if (config.backend != "exec") return out;
  TableReader reader(config.settings, "workload.exec", config.file);
  ExecSettings s = read_exec_settings(reader, false);
  for (auto [key, argv] : {std::pair{"train", &s.train}, std::pair{"eval", &s.eval}}) {
    std::string why = shell_template_problem(*argv);
    if (!why.empty()) out.push_back(fmt::format("{}: workload.exec.{}: warning: {}", config.file, key, why));
  }
  return out;
}

bool workload_quick(const WorkloadConfig& config) {
  return config.backend == "synthetic" && synthetic_truth_of(config).flops_per_second <= 0;
}

}  // namespace t2

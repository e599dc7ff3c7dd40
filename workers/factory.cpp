// factory.cpp — maps a backend name to its constructor.
#include "workers/factory.hpp"

#include <fmt/format.h>

#include "workers/builtin/builtin_workload.hpp"
#include "workers/exec/command_template.hpp"
#include "workers/exec/exec_workload.hpp"
#include "workers/synthetic/synthetic_workload.hpp"
#include "contract/toml_reader.hpp"

namespace t2 {

std::vector<std::string> workload_backends() { return {"synthetic", "builtin", "exec"}; }

std::unique_ptr<Workload> make_workload(const WorkloadConfig& config) {
  TableReader reader(config.settings, "workload." + config.backend, config.file);
  if (config.backend == "synthetic") return make_synthetic_workload(reader, config);
  if (config.backend == "builtin") return make_builtin_workload(reader);
  if (config.backend == "exec") return make_exec_workload(reader, config.seed, config.check_programs);
  throw ConfigError(config.file, 0, "workload.backend", "\"" + config.backend + "\"",
                    "unknown backend (this build has: synthetic, builtin, exec)");
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

}  // namespace t2

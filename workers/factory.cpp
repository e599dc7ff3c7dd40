// factory.cpp — maps a backend name to its constructor.
#include "workers/factory.hpp"

#include "contract/toml_reader.hpp"
#include "workers/builtin/builtin_workload.hpp"
#include "workers/exec/exec_workload.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

namespace t2 {

std::unique_ptr<Workload> make_workload(const WorkloadConfig& config) {
  TableReader reader(config.settings, "workload." + config.backend, config.file);
  try {
    if (config.backend == "synthetic") return make_synthetic_workload(reader, config);
    if (config.backend == "builtin") return make_builtin_workload(reader);
    if (config.backend == "exec") return make_exec_workload(reader, config.seed, config.check_programs);
  } catch (const ConfigError& e) {
    throw with_line(config, e);
  }
  throw ConfigError(config.file, 0, "workload.backend", "\"" + config.backend + "\"",
                    "unknown backend (this build has: synthetic, builtin, exec)");
}

}  // namespace t2

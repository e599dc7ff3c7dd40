// factory.hpp — builds the configured Workload from the [workload] section of a sweep config.
// The one place that knows every backend; each backend reads (and checks) its own table.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "contract/workload.hpp"

namespace t2 {

struct WorkloadConfig {
  std::string backend = "synthetic";  // synthetic | builtin | exec
  toml::table settings;               // the [workload.<backend>] table (may be empty)
  std::string file;                   // the config file, for error messages
  std::uint64_t seed = 1;             // [sweep] seed: the synthetic truth's problems and the exec backend's {problem_seed} derive from it
  std::vector<std::array<double, 2>> grid;  // the sweep's candidate (N, D) points, for checks that
                                            // need the region the sweep covers (may be empty)
  // Also check this machine: the exec backend's programs must resolve here. Off for a config
  // read back from a store (t2 report), which may be read on a machine that never runs it.
  bool check_programs = true;
};

// Throws ConfigError naming file, line, key and value when the backend's table is bad.
std::unique_ptr<Workload> make_workload(const WorkloadConfig& config);

// Warnings about a valid [workload] table, each one line naming file and key ("FILE:
// workload.exec.train: warning: ..."); today: an exec template that hands placeholders to a
// shell unescaped (shell_template_problem). Printed by `t2 validate` and at `t2 run` start.
std::vector<std::string> workload_warnings(const WorkloadConfig& config);

// The backends this build has, for `t2 validate` messages and --help.
std::vector<std::string> workload_backends();

}  // namespace t2

// workload_settings.hpp — the [workload] section of a sweep config as the config reads it, and
// the checks of a backend's settings that need no workload: every key, type and range, and
// (when asked) this machine. Constructing a workload (which may read its data) is factory.hpp's
// business; nothing here reads a backend's data, starts a program or knows MPI.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "contract/toml_reader.hpp"

namespace t2 {

struct WorkloadConfig {
  std::string backend = "synthetic";  // synthetic | builtin | exec
  toml::table settings;               // the [workload.<backend>] table (may be empty)
  std::string file;                   // the config file, for error messages
  std::uint64_t seed = 1;             // [sweep] seed: the synthetic truth's problems and the exec backend's {problem_seed} derive from it
  std::vector<std::array<double, 2>> grid;  // the sweep's candidate (N, D) points, for checks that
                                            // need the region the sweep covers (may be empty)
  // Also check this machine: the exec backend's programs must resolve here and the builtin
  // backend's data_file must exist here. Off for a config read back from a store (t2 report,
  // t2 plan), which may be read on a machine that never runs it.
  bool check_programs = true;
  // The parsed config file, for the line of a key in a backend's messages (`settings` is a copy,
  // and toml++ copies no source positions). May be null (a config built in code).
  std::shared_ptr<const toml::table> document;
};

// Checks the backend's table without constructing the workload (no data read): throws
// ConfigError naming file, line, key and value. `t2 validate` and every command that reads a
// config run it; a workload built from a config that passed may still fail on its data
// (factory.hpp).
void check_workload_settings(const WorkloadConfig& config);

// Warnings about a valid [workload] table, each one line naming file and key ("FILE:
// workload.exec.train: warning: ..."); today: an exec template that hands placeholders to a
// shell unescaped (shell_template_problem). Printed by `t2 validate` and at `t2 run` start.
std::vector<std::string> workload_warnings(const WorkloadConfig& config);

// True when every job of this workload finishes in microseconds and never needs cancelling
// (Workload::quick): the synthetic backend without simulated duration. Read from the settings,
// so the coordinator need not build a workload it never runs.
bool workload_quick(const WorkloadConfig& config);

// The backends this build has, for `t2 validate` messages and --help.
std::vector<std::string> workload_backends();

// `e` with the line of its key in config.document when it has none (a backend's table is a
// copy without source positions).
ConfigError with_line(const WorkloadConfig& config, const ConfigError& e);

}  // namespace t2

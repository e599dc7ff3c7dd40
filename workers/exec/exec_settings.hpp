// exec_settings.hpp — the [workload.exec] settings (schemas/job-result.md) and their reader:
// argv templates and their {placeholders}, environment, timeouts. Pure but for the optional
// check that a program resolves on this machine; starts nothing, so config validation
// (workers/workload_settings.cpp) needs no exec backend.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "contract/job.hpp"
#include "contract/toml_reader.hpp"

namespace t2 {

struct ExecSettings {
  // argv templates (never a shell string): element 0 is the program (searched in PATH).
  std::vector<std::string> train;    // required
  std::vector<std::string> eval;     // required
  // Extra environment variables, values are templates too. Applied after the inherited
  // environment and the T2_* variables, so they may override either.
  std::map<std::string, std::string> env;
  double timeout = 0;                // seconds of wall clock per job; 0 = no limit
  double grace = 10;                 // seconds between SIGTERM and SIGKILL when a job is stopped
  bool keep_logs = true;             // false: delete a successful job's log (failed ones are kept)
  // Directory for jobs whose spec has no run_dir (their logs and result files);
  // "" = $TMPDIR or /tmp. A per-job directory t2-exec-<kind>-<index>-<seed> is made there.
  std::string scratch_dir;
  // Tokens per generated sample, for an eval result's default FLOPs when it reports neither
  // "flops" nor "tokens_per_sample" (kDefaultTokensPerSample, the sweep's [eval] default too).
  double tokens_per_sample = kDefaultTokensPerSample;
};

// Reads [workload.exec]; unknown keys, unknown {placeholders} and a program (element 0 of
// train or eval) that does not resolve to an executable file are ConfigErrors, so `t2 validate`
// catches a misspelt interpreter before any job fails on it.
// check_programs = false checks the table only (a config read back from a store).
ExecSettings read_exec_settings(TableReader& settings, bool check_programs = true);
// Why `program` (element 0 of an argv) cannot be started, or "" when it can: a name without '/'
// must be an executable regular file in one of `path`'s directories (the rule execvp and
// child_process.cpp follow), a name with '/' an executable regular file itself (relative to
// the working directory, which is the job's).
std::string program_problem(const std::string& program, const std::string& path);

}  // namespace t2

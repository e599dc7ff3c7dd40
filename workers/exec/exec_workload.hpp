// exec_workload.hpp — the `exec` backend: every job is an external program (the user's own
// trainer and evaluator) started from an argv template, isolated in its own process group,
// that writes a result file following schemas/job-result.md, which also documents the settings
// ([workload.exec]). Retries are the coordinator's business: a failed job throws JobFailure
// with its class and reason.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "workers/exec/child_process.hpp"
#include "workers/exec/command_template.hpp"
#include "contract/toml_reader.hpp"
#include "contract/workload.hpp"

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
  // "flops" nor "tokens_per_sample" (the sweep's [eval] tokens_per_sample has the same default).
  double tokens_per_sample = 16;
};

// Reads [workload.exec]; unknown keys, unknown {placeholders} and a program (element 0 of
// train or eval) that does not resolve to an executable file are ConfigErrors, so `t2 validate`
// catches a misspelt interpreter before any job fails on it.
// check_programs = false checks the table only (a config read back from a store).
ExecSettings read_exec_settings(TableReader& settings, bool check_programs = true);
// sweep_seed: [sweep] seed, from which each task's {problem_seed} is derived.
std::unique_ptr<Workload> make_exec_workload(TableReader& settings, std::uint64_t sweep_seed, bool check_programs);

// Why `program` (element 0 of an argv) cannot be started, or "" when it can: a name without '/'
// must be an executable regular file in one of `path`'s directories (the rule execvp and
// child_process.cpp follow), a name with '/' an executable regular file itself (relative to
// the working directory, which is the job's).
std::string program_problem(const std::string& program, const std::string& path);

class ExecWorkload final : public Workload {
 public:
  explicit ExecWorkload(ExecSettings settings, std::uint64_t sweep_seed = 1)
      : settings_(std::move(settings)), sweep_seed_(sweep_seed) {}
  std::string name() const override { return "exec"; }
  // Runs the train command; logs to RUN_DIR/train.attempt-K.log, result at RUN_DIR/train.result.json.
  TrainResult train(const TrainSpec& spec, const CancelFlag& cancel) override;
  // Runs the eval command; logs to RUN_DIR/eval-I.attempt-K.log, result at RUN_DIR/eval-I.result.json.
  EvalResult evaluate(const EvalSpec& spec, const CancelFlag& cancel) override;
  const ExecSettings& settings() const { return settings_; }

 private:
  struct Prepared {
    std::vector<std::string> argv, env;
    std::string run_dir, log, result;
  };
  Prepared prepare(const std::vector<std::string>& argv_template, PlaceholderValues values, const std::string& run_dir,
                   const std::string& stem, const char* kind, std::uint64_t index, std::uint64_t seed) const;
  // Runs it; throws JobFailure unless the program exited 0.
  void run(const Prepared& job, const char* kind, const CancelFlag& cancel) const;
  void finish(const Prepared& job) const;

  ExecSettings settings_;
  std::uint64_t sweep_seed_;
};

}  // namespace t2

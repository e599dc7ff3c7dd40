// exec_workload.hpp — the `exec` backend: every job is an external program (the user's own
// trainer and evaluator) started from an argv template, isolated in its own process group,
// that writes a result file following schemas/job-result.md, which also documents the settings
// ([workload.exec], read by exec_settings.hpp). Retries are the coordinator's business: a
// failed job throws JobFailure with its class and reason.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "workers/exec/child_process.hpp"
#include "workers/exec/command_template.hpp"
#include "workers/exec/exec_settings.hpp"
#include "contract/toml_reader.hpp"
#include "contract/workload.hpp"

namespace t2 {

// sweep_seed: [sweep] seed, from which each task's {problem_seed} is derived.
std::unique_ptr<Workload> make_exec_workload(TableReader& settings, std::uint64_t sweep_seed, bool check_programs);

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

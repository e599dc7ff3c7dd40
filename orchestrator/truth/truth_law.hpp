// truth_law.hpp — the synthetic backend's ground truth as a Law (orchestrator/laws/law.hpp), so the
// planner that plans from fitted laws can plan from the exact truth too. v2 (irt): expected pass@k
// averaged over the task's fixed problem difficulties (workers/synthetic/truth_model.hpp); v1
// (beta): the T² Beta law itself (T2AccuracyLaw at the truth's parameters). Fits nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/law.hpp"
#include "workers/synthetic/truth_model.hpp"

namespace t2 {

// v2's exact law: theta is empty (the truth has no free parameters); maximise expected pass@k.
class IrtTruthLaw final : public Law {
 public:
  IrtTruthLaw(SyntheticTruth truth, std::vector<double> difficulties)
      : truth_(std::move(truth)), difficulties_(std::move(difficulties)) {}
  std::string name() const override { return "synthetic-truth"; }
  std::string quantity() const override { return "expected pass@k (exact ground truth)"; }
  Goal goal() const override { return Goal::maximize; }
  bool uses_k() const override { return true; }
  std::vector<ParamSpec> params() const override { return {}; }
  double predict(std::span<const double> theta, const LawInput& x) const override;
  double gradient(std::span<const double> theta, const LawInput& x, std::span<double> grad) const override {
    return predict(theta, x);  // no parameters: the gradient is empty
  }
  std::vector<std::vector<double>> starts() const override { return {}; }
  const std::vector<double>& difficulties() const { return difficulties_; }

 private:
  SyntheticTruth truth_;
  std::vector<double> difficulties_;
};

// The exact truth of task `task` with `problems` problems (v2; v1 ignores both).
FittedLaw exact_truth_law(const SyntheticTruth& truth, const std::string& task, std::uint32_t problems);

// The exact truth of a sweep config's task; nullopt unless workload.backend = "synthetic".
// `task` empty: the config's first task. Uses the config's [eval] problems.
std::optional<FittedLaw> truth_law_of(const SweepConfig& config, const std::string& task = "");

}  // namespace t2

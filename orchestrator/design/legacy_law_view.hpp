// legacy_law_view.hpp — the law interface the design exposed before it moved onto orchestrator/laws
// (LawParams, per-run observations, fit_law on them, plan_optimum, chinchilla_n), kept only because
// orchestrator/report still calls it while its owner moves the report onto orchestrator/laws
// (issue 9, item 2). No math of its own: every function maps to refit.hpp's calls into the laws.
// Delete this file when the report no longer includes it.
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/law.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// The T² accuracy law's 10 parameters by name (T2AccuracyLaw's theta order).
struct LawParams {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
  double theta0 = 0, theta1 = 0, theta2 = 0, theta3 = 0, theta4 = 0;
  std::vector<double> theta() const { return {E, A, B, alpha, beta, theta0, theta1, theta2, theta3, theta4}; }
  static LawParams from_theta(const std::vector<double>& t);
  FittedLaw fitted() const;                                   // as a laws FittedLaw (t2-accuracy)
  double loss(double n, double d) const;                      // Lhat(N, D)
  double accuracy_at_loss(double loss, double k) const;       // expected pass@k at Lhat = loss
  double accuracy(double n, double d, double k) const;        // expected pass@k at (N, D, k)
};

// One done run with a finite positive loss, and the pooled per-problem p = exp(-NLL) of its evals.
struct RunObservation {
  std::uint32_t batch = 0;
  double n = 0, d = 0, loss = 0;
  std::vector<double> p;
};
std::vector<RunObservation> observations(const StoreContents& seen);

// Only the plain fit (member 0) is supported here: bootstraps are laws' fit_with_bootstrap
// (refit.hpp's fit_ensemble). Throws std::invalid_argument for member != 0.
struct Resample {
  std::vector<double> run_weight;
};
Resample make_resample(const std::vector<RunObservation>& obs, std::uint64_t seed, std::uint32_t member);

struct FitResult {
  LawParams law;
  bool ok = false;           // false: the laws' fit threw FitError (too little data)
  double loss_log_rmse = 0;  // Lhat's rms log residual
  double mu_rmse = 0;        // rms misfit of the per-run mean accuracy
};
// design_fit_options()'s fit (laws: t2-accuracy, Lhat on training losses, moments) of the runs.
FitResult fit_law(const std::vector<RunObservation>& obs, const Resample& resample);

struct Optimum {
  double n = 0, d = 0, k = 0, accuracy = 0;
  bool ok = false;
};
// laws' plan() for the target with N in [n_lo, n_hi] and refit.hpp's other bounds.
Optimum plan_optimum(const LawParams& law, const TargetConfig& target, double n_lo, double n_hi);
// refit.hpp's design_plan_bounds' N range.
void planner_bounds(const SweepConfig& config, double& n_lo, double& n_hi);
// The Chinchilla choice for a training budget (laws' plan() of Lhat alone, k = 1).
double chinchilla_n(const LawParams& law, double c_train, double n_lo, double n_hi);

}  // namespace t2

// refit.hpp — the fast law fit the adaptive design runs after every batch (32+ bootstrap
// members per batch, so each fit must take milliseconds), the planner it plans with, and the
// per-run data both read from a StoreContents. Owns the design's view of the T² accuracy law
// (paper §3.2, §3.3, "Approach 2"); it does NOT replace the full fits of `t2 fit` (issue 3):
// it is a closed-form-heavy estimator chosen for speed and determinism. Method: schemas/design.md.
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// The law the design plans with: the Chinchilla training-loss law (Hoffmann et al. Eq. 2)
//   L(N, D) = E + A / N^alpha + B / D^beta
// and the T² accuracy law (paper §3.2): per-problem single-sample success p ~ Beta(mu nu, (1-mu) nu),
//   mu = theta2 / (1 + exp(theta1 (L - theta0))),   nu = exp(theta3 + theta4 L),
//   pass@k = 1 - B(mu nu, (1-mu) nu + k) / B(mu nu, (1-mu) nu)   (any real k >= 0).
struct LawParams {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
  double theta0 = 0, theta1 = 0, theta2 = 0, theta3 = 0, theta4 = 0;
  double loss(double n, double d) const;
  double accuracy_at_loss(double loss, double k) const;
  double accuracy(double n, double d, double k) const { return accuracy_at_loss(loss(n, d), k); }
};

// One finished run as the fit sees it: (N, D), its held-out training loss and the pooled
// per-problem single-sample success probabilities of its evals (all tasks). p comes from the
// likelihood source p = exp(-answer NLL) (paper §3.2, App. E) when the eval has NLLs, else
// from the sampled outcomes c/n of the problem.
struct RunObservation {
  std::uint32_t batch = 0;
  double n = 0, d = 0, loss = 0;
  std::vector<double> p;  // may be empty (no finished eval yet): the run then informs L(N, D) only
};

// Done runs of `seen` (failed ones carry no result), in run-index order.
std::vector<RunObservation> observations(const StoreContents& seen);

// Bootstrap multiplicities: run weights (how often each run was drawn) and, per run, the
// resampled problem indices. member = 0 is the plain fit (all weights 1, problems as observed).
struct Resample {
  std::vector<double> run_weight;
  std::vector<std::vector<std::uint32_t>> problems;
};
Resample make_resample(const std::vector<RunObservation>& obs, std::uint64_t seed, std::uint32_t member);

struct FitResult {
  LawParams law;
  bool ok = false;          // false: too little data (fewer than 5 distinct (N, D) with a loss,
                            // or fewer than 3 runs with evals)
  double loss_log_rmse = 0; // rms of log L - log L-hat over the runs (the loss channel's noise)
  double mu_rmse = 0;       // rms of mu_run - mu-hat over runs with evals
};

// Fits the law to the runs under one resample. The Chinchilla part is a variable-projection
// least squares on relative residuals: for fixed (alpha, beta) the law is linear in (E, A, B),
// solved with non-negativity by active-set enumeration; (alpha, beta) by a grid over
// [0.05, 1.2]^2 then a pattern search. The Beta part is fitted to per-run moments of p:
// mu_r = mean p, nu_r = mu_r (1 - mu_r) / var p - 1; logit(mu_r / theta2) is linear in L-hat_r for a
// fixed theta2 (grid over theta2, best SSE in mu), and log nu_r is linear in L-hat_r.
FitResult fit_law(const std::vector<RunObservation>& obs, const Resample& resample);

// The deployment optimum (N*, D*, k*) of a law for the configured target (paper Eq. 2 with
// §3.3's substitution D = C_train / 6N, k = C_inf / 2N; or the end-to-end budget
// C = 6ND + 2NTkQ with k searched too). N is searched on a log grid then refined by golden
// section. Bounds: target.n_min/n_max (0 = the grid's N range), N <= C_inf/2 in the split form
// (at least one sample per served token), k <= target.k_max when set.
struct Optimum {
  double n = 0, d = 0, k = 0, accuracy = 0;
  bool ok = false;
};
Optimum plan_optimum(const LawParams& law, const TargetConfig& target, double n_lo, double n_hi);
// The planner's N bounds for a config (target bounds, else the grid's N range).
void planner_bounds(const SweepConfig& config, double& n_lo, double& n_hi);

// The Chinchilla-only choice for a training budget: argmin_N L(N, C/6N) (no inference).
double chinchilla_n(const LawParams& law, double c_train, double n_lo, double n_hi);

}  // namespace t2

namespace t2 {

// A bootstrap ensemble of fits and the optimum each plans (what the adaptive design and the
// report use). Member 0 of the resample stream is the plain fit (`point`); `members` more are
// drawn with seeds mix(seed, m). Members whose fit or plan fails are left out.
struct EnsembleFit {
  FitResult point;
  Optimum point_optimum;
  std::vector<LawParams> members;
  std::vector<Optimum> optima;     // one per member
  double n_median = 0, n_lo = 0, n_hi = 0;  // N*: median and 2.5% / 97.5% quantiles over members
  double rel_width = 0;            // (n_hi - n_lo) / n_median; infinite with fewer than 2 members
  std::uint32_t tried = 0;         // members attempted
};
EnsembleFit fit_ensemble(const std::vector<RunObservation>& obs, std::uint64_t seed, std::uint32_t members,
                         const TargetConfig& target, double n_lo, double n_hi);

// The q-quantile (linear interpolation) of values (copied and sorted).
double quantile(std::vector<double> values, double q);

}  // namespace t2

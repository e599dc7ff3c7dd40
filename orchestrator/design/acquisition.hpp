// acquisition.hpp — which (N, D) points the adaptive design trains next, and with how many
// samples each eval runs. Owns candidate generation, the scoring rule and the greedy batch
// choice; takes the fitted ensemble as given (refit.hpp) and knows nothing of the store.
// Every prediction is the laws' (FittedLaw::score, Lhat's ChinchillaParams): no law of its own.
//
// Method (schemas/design.md, "Acquisition"):
//  * Candidates: `count` shifted-Halton points of the design space (initial_design.hpp) plus the
//    ensemble's optimum quantiles on the target's own IsoFLOP slice, keeping only points inside
//    the space whose cost (6ND + eval FLOPs with the chosen samples) fits the remaining compute.
//  * Score: the expected reduction of the ensemble's variance of log N* from observing the
//    point, divided by its cost. The reduction is the ensemble-Kalman (linear-Gaussian) value:
//    observing a quantity y with noise variance r reduces Var(t) by Cov(t, y)^2 / (Var(y) + r),
//    with Var and Cov taken across the bootstrap members' predictions. A run observes the two
//    quantities the refit reads from it: its log training loss (noise: the fit's log-loss rms)
//    and its mean single-sample accuracy mu (noise: the sampling variance of a mean of P Beta
//    draws, Var p / P = mu (1 - mu) / ((nu + 1) P), plus the square of the fit's mu residual rms;
//    mu = pass@1 and Var p = 2 pass@1 - pass@2 - pass@1^2 under the Beta law, §3.2). This is a
//    proxy: exact for a Gaussian ensemble and a locally linear law, and cheap (O(members) per
//    candidate); it ignores that the refit is not the Bayesian update it stands for. With M
//    members a sample correlation of two unrelated quantities has E[rho^2] = 1/(M - 1), and the
//    best of hundreds of candidates would be chosen for a spurious correlation; so rho^2 is
//    debiased (rho^2 - (1 - rho^2)/(M - 2), floored at 0) before it scores.
//  * Batch: greedy. After choosing a point the ensemble's anomalies are conditioned on its
//    (unknown) outcome with the serial square-root filter (Whitaker & Hamill 2002), so a second
//    point that would tell the same thing scores low: the batch spreads out rather than taking
//    the best point B times. The same candidate is never chosen twice.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design_space.hpp"
#include "orchestrator/design/refit.hpp"

namespace t2 {

struct Candidate {
  double n = 0, d = 0;
  std::uint32_t samples = 0;  // k_max of each of its evals
  double cost = 0;            // FLOPs: training + evals (times replicates)
  double reduction = 0;       // expected reduction of Var(log N*) when scored first (before the batch)
  double score = 0;           // reduction / cost
  bool chosen = false;
};

// k_max of the evals of a model of `n` parameters: the planner would use that model with
// k_target samples, and the sampled pass@k estimator needs n_samples >= k (Chen et al. 2021) and
// resolves the tail of the per-problem success distribution near p ~ 1/k only with a few times
// k samples. Rule: the next power of two >= 2 k_target, at least min(8, [eval] samples) and at
// most [eval] samples ([eval] samples is the cap the user set; it costs eval FLOPs).
std::uint32_t choose_samples(double k_target, const EvalConfig& eval);

// The k the planner would pair with a model of `n` parameters: C_inf / 2N in the split form,
// `k_star` (the ensemble's median optimum) in the end-to-end form, [eval] samples without target.
double target_k(const TargetConfig& target, double n, double k_star, const EvalConfig& eval);

// Candidates for batch `batch` (deterministic for seed and batch): see the header comment.
// `extra` are points added before the Halton ones (the target-slice quantiles). `remaining` is
// the compute still unplanned; `replicates` multiplies each point's cost.
std::vector<Candidate> make_candidates(const SweepConfig& config, const DesignSpace& space, std::uint32_t batch,
                                       std::uint32_t count, const std::vector<GridPoint>& extra, double remaining,
                                       double k_star);

struct EnsembleView {
  std::vector<FittedLaw> members;   // bootstrap fits that succeeded (t2-accuracy laws)
  std::vector<double> log_n_star;   // their planned log N*
  double loss_noise = 0.01;         // log-loss observation sd
  double problems = 128;            // problems per run over all tasks (accuracy channel noise)
  double mu_misfit = 0;             // rms of the refit's mu residuals (added to that noise)
};

// Scores every candidate (fills reduction and score) and returns the indices of up to
// `batch_size` chosen ones, in the order chosen, whose summed cost stays within `remaining`.
std::vector<std::size_t> select_batch(std::vector<Candidate>& candidates, const EnsembleView& ensemble,
                                      const TargetConfig& target, double k_star, std::uint32_t batch_size,
                                      double remaining, const EvalConfig& eval);

}  // namespace t2

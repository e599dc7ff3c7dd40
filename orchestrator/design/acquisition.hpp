// acquisition.hpp — which (N, D) points the adaptive design trains next, and with how many
// samples each eval runs. Owns the ridge rule and the sample-count rule; takes the fitted law as
// given (refit.hpp) and knows nothing of the store. Every prediction is the laws' planner
// (laws/planner.hpp plan()): no law or optimiser of its own.
//
// Method (schemas/design.md, "Acquisition"): the next batch is the current fit's compute-optimal
// ridge below the target, the paper's IsoFLOP optima (§4.1, Fig. 3) placed where the fit says they
// are: for j = 1 .. batch_size, the fit's optimum of the target deployment scaled by 2^-j (its
// training budget in the split form; its budget and query volume in the end-to-end form), each a
// run at the (N*, D*) that smaller deployment would choose. Points outside the design space are
// dropped. One batch costs about the target's own training budget (sum of 2^-j < 1) plus evals.
// Why this rule (bench/design/README.md, "The ridge rule"): on the v2 truth the fit's N* is
// biased low by 30-57% from runs far below the target, and runs placed where the fit puts the
// optimum correct it batch by batch; scoring points by the bootstrap ensemble's disagreement per
// FLOP (the rule before) chose runs ~600x below the target and never corrected that bias.
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design_space.hpp"
#include "orchestrator/laws/planner.hpp"

namespace t2 {

// k_max of the evals of a model of `n` parameters: the planner would use that model with
// k_target samples, and the sampled pass@k estimator needs n_samples >= k (Chen et al. 2021) and
// resolves the tail of the per-problem success distribution near p ~ 1/k only with a few times
// k samples. Rule: the next power of two >= 2 k_target, at least min(8, [eval] samples) and at
// most [eval] samples ([eval] samples is the cap the user set; it costs eval FLOPs).
std::uint32_t choose_samples(double k_target, const EvalConfig& eval);

// The k the planner would pair with a model of `n` parameters: C_inf / 2N in the split form,
// `k_star` (the fit's optimum) in the end-to-end form, [eval] samples without target.
double target_k(const TargetConfig& target, double n, double k_star, const EvalConfig& eval);

// The target deployment at `factor` of its scale: split, C_train * factor (C_inf per query
// unchanged); end-to-end, C * factor and Q * factor (T unchanged).
Deployment scaled_deployment(const Deployment& target, double factor);

struct RidgePoint {
  double n = 0, d = 0;  // the fit's optimum of the scaled deployment
  double k = 1;         // its k
  double factor = 1;    // 2^-j
};

// The ridge of `law` below `target`: for j = 1..count, plan(law, scaled_deployment(target, 2^-j),
// bounds).best, kept when feasible and inside `space`; in order of decreasing budget.
std::vector<RidgePoint> ridge_points(const FittedLaw& law, const Deployment& target, const PlanBounds& bounds,
                                     const DesignSpace& space, std::uint32_t count);

}  // namespace t2

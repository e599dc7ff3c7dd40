// refit.hpp — what the adaptive design fits and plans with, as calls into orchestrator/laws: the
// mapping from store contents to the laws' FitData, the fit options (the paper's fit: t2-accuracy,
// Lhat on the gold-answer NLL, theta by two_stage), the deployment and planner bounds of the
// sweep's [target], and the bootstrap ensemble's bookkeeping (members, their optima, the N*
// interval). Owns no law, estimator, bootstrap or planner of its own. Method: schemas/design.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/planner.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// The store's results as fit inputs: every done run is a checkpoint (N and D as trained, else as
// planned; its final loss, NaN unless finite and > 0; run = its index), and the done evals of
// every task are its outcomes (n samples, c correct, the gold-answer NLL). With several tasks the
// problems are pooled, task by task in name order, their ids offset so that they stay distinct
// (the design plans one N* for the sum of its tasks); with one task this is exactly what
// `t2 fit STORE` fits.
FitData design_fit_data(const StoreContents& seen);

// The fit the design refits after every batch: the paper's fit (App. F), the one `t2 plan --law
// t2-accuracy --method two_stage` makes: law t2-accuracy, Lhat = stage 1 on the mean gold-answer
// NLL, theta by the two-stage SSE on pass@k, the likelihood source p = exp(-NLL), one thread (the
// refit runs on the coordinator's thread). [design] lhat = "train_loss" fits Lhat on the training
// losses instead (Approach 3 by least squares on log residuals, `t2 plan ... --lhat train_loss
// --lhat-huber 1`): for a workload whose accuracy follows the training loss, as the v1 synthetic
// truth's does by construction. [design] method = "moments" fits theta by the method of moments
// (schemas/laws.md), exact for a Beta population of p (the v1 truth) and ~50x cheaper. Before, the design fitted theta by the method of
// moments and Lhat on the training losses (fast, but on the v2 truth its N* sat at 0.2-0.5x the
// truth's, where this fit on the same runs was within 10%: bench/design/README.md).
// With [target] fit_locality > 0 the fit is local (laws/locality.hpp), centred on the target's
// C_train: the same options analysis.cpp gives `t2 plan STORE`, so both print one N*.
FitOptions design_fit_options(const DesignConfig& design, const TargetConfig& target = {});

// The deployment of the sweep's [target] (split: C_train, C_inf; end_to_end: C, Q, T).
Deployment design_deployment(const TargetConfig& target);

// THE planner bounds of the design (one rule, used by every plan the design makes):
// N in [target.n_min, target.n_max], each 0 replaced by the [grid]'s smallest / largest N;
// k in [1, target.k_max] (k_max 0: 1e6, i.e. unbounded in practice); D in [1, 1e30] tokens (no
// bound of its own: the budget fixes D given N and k).
// Computed by the one deployment-and-bounds model (analysis/plan_target.hpp) with these overrides
// as its flags; `t2 plan --as-of-batch B` with the same flags reproduces a design document.
PlanBounds design_plan_bounds(const SweepConfig& config);

// The plain (no bootstrap) fit of `seen` and its plan: "the design's N*" of a store is
// design_point_plan(contents, config).best.n. Throws FitError when the data cannot support the fit.
struct DesignPlan {
  LawFit fit;
  Plan plan;
};
DesignPlan design_point_plan(const StoreContents& seen, const SweepConfig& config);

// The plain fit, its plan and the bootstrap interval of N* the adaptive design reports: the plain fit and its plan,
// `members` bootstrap refits (laws' fit_with_bootstrap: checkpoints and problems resampled,
// replicate b seeded mix(seed, b), refits from the full-data optimum) each planned with the same
// deployment and bounds. Members whose refit or plan fails are left out.
struct EnsembleFit {
  bool ok = false;               // false: too little data (`why`); nothing below is filled
  std::string why;
  LawFit point;                  // the plain fit (point.bootstrap holds the members' parameters)
  Plan point_plan;
  std::vector<FittedLaw> members;
  std::vector<Allocation> optima;  // one per member (its plan's best)
  double n_median = 0;           // N*: median over members (the plain fit's N* with < 2 members)
  Interval n_interval;           // 2.5% / 97.5% percentiles over members (NaN with < 2)
  double rel_width = 0;          // (hi - lo) / median; infinite with fewer than 2 members
  std::uint32_t tried = 0;       // members attempted
  double lhat_rmse_log = 0;      // the plain fit's stage 1: Lhat's rms log residual
  double pass_rmse = 0;          // the plain fit's stage 2: rms pass@k misfit over its targets
};
EnsembleFit fit_ensemble(const StoreContents& seen, const SweepConfig& config, std::uint64_t seed,
                         std::uint32_t members);

}  // namespace t2

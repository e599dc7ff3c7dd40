// refit.cpp — store contents to FitData, the design's fit options, deployment and bounds, and the
// bootstrap ensemble's bookkeeping (see refit.hpp). Every number comes from orchestrator/laws.
#include "orchestrator/design/refit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/analysis/plan_target.hpp"

namespace t2 {

FitData design_fit_data(const StoreContents& seen) {
  // The one mapping of store contents to fit inputs (analysis/law_inputs.hpp), task by task, pooled:
  // tasks in name order, each task's problem ids after the largest id of the previous one.
  std::map<std::string, std::uint32_t> size;
  for (const EvalRecord& e : seen.evals)
    if (e.state == JobState::done) size[e.plan.task] = std::max(size[e.plan.task], e.result.problems);
  FitData data = fit_data_from_store(seen, "");  // the checkpoints
  std::uint32_t offset = 0;
  for (const auto& [task, problems] : size) {
    for (ProblemOutcome o : fit_data_from_store(seen, task).outcomes) {
      o.problem += offset;
      data.outcomes.push_back(o);
    }
    data.task += (data.task.empty() ? "" : "+") + task;
    offset += problems;
  }
  // A run without a usable training loss still informs the accuracy stage, not L̂.
  for (Checkpoint& c : data.checkpoints)
    if (!(std::isfinite(c.loss) && c.loss > 0)) c.loss = kNaN;
  return data;
}

FitOptions design_fit_options(const DesignConfig& design, const TargetConfig& target) {
  FitOptions fo;
  fo.law = "t2-accuracy";
  fo.source = PassSource::likelihood;
  fo.method = design.method == "moments" ? AccuracyMethod::moments : AccuracyMethod::two_stage;
  fo.threads = 1;
  if (design.lhat == "train_loss") {
    fo.lhat = LhatSource::train_loss;
    // Least squares on log residuals (a Huber delta above any residual): with Hoffmann's delta =
    // 1e-3, at the synthetic truth's 1% loss noise Approach 3 is least absolute deviations (~64%
    // efficient for Gaussian noise), and on bench/design it left theta2 on its bound and N* ~10%
    // off (schemas/design.md).
    fo.lhat_huber_delta = 1.0;
  } else {
    fo.lhat = LhatSource::answer_nll;
  }
  if (target.fit_locality > 0) fo.locality = Locality{target.train_budget, target.fit_locality};  // split form (config)
  return fo;
}

Deployment design_deployment(const TargetConfig& t) {
  // The one deployment model (analysis/plan_target.hpp); an adaptive design always has a
  // [target] (a config error otherwise), a split one with zero budgets when none is given.
  return deployment_from_target(t).value_or(Deployment{});
}

PlanBounds design_plan_bounds(const SweepConfig& config) {
  // The one bounds model (analysis/plan_target.hpp: flags, else [target], else data), given the
  // design's own two overrides as flags: N within the [grid]'s range unless [target] bounds it
  // (the design can only run grid points, and it plans before it has data), and no D bound of
  // its own (the budget fixes D given N); k from [target] k_max, else 1e6 (unbounded in practice).
  BoundsFlags f;
  if (config.target.n_min <= 0 && !config.grid.n.empty())
    f.n_min = *std::min_element(config.grid.n.begin(), config.grid.n.end());
  if (config.target.n_max <= 0 && !config.grid.n.empty())
    f.n_max = *std::max_element(config.grid.n.begin(), config.grid.n.end());
  f.d_min = 1, f.d_max = 1e30;
  if (config.target.k_max <= 0) f.k_max = 1e6;
  return plan_target(std::nullopt, &config, FitData{}, 0, f).bounds;
}

DesignPlan design_point_plan(const StoreContents& seen, const SweepConfig& config) {
  DesignPlan out;
  out.fit = fit_law(design_fit_data(seen), design_fit_options(config.design, config.target));
  out.plan = plan(out.fit.law, design_deployment(config.target), design_plan_bounds(config),
                  out.fit.has_reference ? &out.fit.reference.params : nullptr);
  return out;
}

EnsembleFit fit_ensemble(const StoreContents& seen, const SweepConfig& config, std::uint64_t seed,
                         std::uint32_t members) {
  EnsembleFit ef;
  const FitData data = design_fit_data(seen);
  // Fewer than 5 distinct (N, D) with evals cannot identify the 5 parameters of Lhat (a bootstrap
  // draw of 5 checkpoints from 2 points would still "fit").
  std::vector<char> evaluated(data.checkpoints.size(), 0);
  for (const ProblemOutcome& o : data.outcomes) evaluated[o.checkpoint] = 1;
  std::set<std::pair<double, double>> distinct;
  for (std::size_t i = 0; i < data.checkpoints.size(); ++i)
    if (evaluated[i]) distinct.insert({data.checkpoints[i].n, data.checkpoints[i].d});
  if (distinct.size() < 5) {
    ef.why = "fewer than 5 distinct (N, D) with evals";
    return ef;
  }
  const Deployment dep = design_deployment(config.target);
  const PlanBounds bounds = design_plan_bounds(config);
  BootstrapOptions bo;
  bo.replicates = members;
  bo.seed = seed;
  bo.threads = 1;  // on the coordinator's thread; the replicates are the same for any thread count
  try {
    ef.point = fit_with_bootstrap(data, design_fit_options(config.design, config.target), bo);
    ef.point_plan = plan(ef.point.law, dep, bounds, ef.point.has_reference ? &ef.point.reference.params : nullptr);
  } catch (const std::exception& e) {  // FitError (too little data), invalid_argument (bad budget)
    ef.why = e.what();
    return ef;
  }
  ef.tried = members;
  std::vector<double> n_star;
  for (const std::vector<double>& theta : ef.point.bootstrap.replicates) {
    FittedLaw m{ef.point.law.law, theta};
    Plan p = plan(m, dep, bounds);
    if (!p.best.feasible || !std::isfinite(p.best.score)) continue;
    ef.members.push_back(std::move(m));
    ef.optima.push_back(p.best);
    n_star.push_back(p.best.n);
  }
  ef.lhat_rmse_log = ef.point.accuracy->lhat.rmse_log;
  ef.pass_rmse = ef.point.accuracy->used == AccuracyMethod::moments ? ef.point.accuracy->moments.rmse_pass
                                                                     : ef.point.accuracy->two_stage.rmse_pass;
  // The same percentile rule as laws' plan_intervals (bootstrap.hpp), over the members' optima.
  if (n_star.size() >= 2) {
    ef.n_interval = percentile_interval(n_star, 0.95);
    ef.n_median = percentile_interval(n_star, 0.0).lo;  // level 0: both ends are the median
    ef.rel_width = (ef.n_interval.hi - ef.n_interval.lo) / ef.n_median;
  } else {
    ef.n_median = ef.point_plan.best.n;
    ef.rel_width = std::numeric_limits<double>::infinity();
  }
  ef.ok = ef.point_plan.best.feasible;
  if (!ef.ok) ef.why = "the plain fit has no feasible optimum within the planner bounds";
  return ef;
}

}  // namespace t2

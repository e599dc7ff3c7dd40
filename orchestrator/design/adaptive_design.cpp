// adaptive_design.cpp — refit, stop or acquire, and record the decision (see adaptive_design.hpp).
#include "orchestrator/design/adaptive_design.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "orchestrator/design/acquisition.hpp"
#include "orchestrator/design/initial_design.hpp"
#include "orchestrator/design/refit.hpp"
#include "orchestrator/store/documents.hpp"
#include "contract/seed.hpp"

namespace t2 {

namespace {

// A law's parameters by name (the laws' parameter names: E, A, B, alpha, beta, theta0..theta4).
nlohmann::json law_json(const FittedLaw& l) {
  nlohmann::json j = nlohmann::json::object();
  std::vector<ParamSpec> names = l.law->params();
  for (std::size_t i = 0; i < names.size() && i < l.theta.size(); ++i) j[names[i].name] = l.theta[i];
  return j;
}

// The decision document's "fit": the plain fit, its stage-wise quality and the bootstrap members
// with their optima (schemas/design.md, "The decision document").
nlohmann::json fit_json(const EnsembleFit& ef) {
  nlohmann::json fit = {{"law", ef.point.law.law->name()},
                        {"method", ef.point.method},
                        {"lhat", to_string(ef.point.accuracy->lhat_source)},
                        {"source", to_string(ef.point.source)},
                        {"point", law_json(ef.point.law)},
                        {"lhat_rmse_log", ef.lhat_rmse_log},
                        {"pass_rmse", ef.pass_rmse},
                        {"members_ok", ef.members.size()},
                        {"members_tried", ef.tried}};
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t m = 0; m < ef.members.size(); ++m) {
    nlohmann::json j = law_json(ef.members[m]);
    j["n_star"] = ef.optima[m].n;
    j["d_star"] = ef.optima[m].d;
    j["k_star"] = ef.optima[m].k;
    members.push_back(j);
  }
  fit["ensemble"] = members;
  return fit;
}

// Adds `replicates` runs per point, each with one eval per task taking `samples` samples.
void add_point(const SweepConfig& config, BatchPlan& p, double n, double d, std::uint32_t samples) {
  for (std::uint32_t r = 0; r < std::max<std::uint32_t>(1, config.replicates); ++r) {
    PlannedRun run = planned_run(config.seed, n, d, r);
    std::uint32_t idx = std::uint32_t(p.runs.size());
    p.runs.push_back(run);
    for (PlannedEval e : evals_for_run(config, idx, run)) {
      e.samples = samples;
      p.evals.push_back(e);
    }
  }
}

// Adds the point (N, D) to the batch when it still fits `left` (decreased by its cost), its evals
// taking choose_samples() samples for the k the planner pairs with N; returns its record for the
// decision document, or nothing when it does not fit.
std::optional<nlohmann::json> add_if_affordable(const SweepConfig& config, BatchPlan& p, double n, double d,
                                                double k_star, double& left) {
  std::uint32_t s = choose_samples(target_k(config.target, n, k_star, config.eval), config.eval);
  double cost = std::max<std::uint32_t>(1, config.replicates) * planned_point_flops(n, d, s, config.eval);
  if (cost > left) return std::nullopt;
  left -= cost;
  add_point(config, p, n, d, s);
  return nlohmann::json{{"n", n}, {"d", d}, {"samples", s}, {"cost", cost}};
}

// The N* around which the previous batch (batch - 1) was placed on the ridge, from its decision
// document (which every later plan sees); none when that batch was blind or had no done run.
std::optional<double> ridge_n_star(const StoreContents& seen, std::uint32_t batch) {
  if (batch == 0) return std::nullopt;
  bool ran = false;
  for (const RunRecord& r : seen.runs) ran = ran || (r.batch == batch - 1 && r.state == JobState::done);
  if (!ran) return std::nullopt;
  for (const Document& d : seen.documents) {
    if (d.kind != "design" || d.batch != batch - 1) continue;
    DesignDocument doc = DesignDocument::read(d, "the store");  // the typed reader (store/documents.hpp)
    if (doc.mode == "ridge" && doc.optimum) return doc.optimum->n_star;
  }
  return std::nullopt;
}

}  // namespace

AdaptiveDesign::AdaptiveDesign(const SweepConfig& config) : config_(config), space_(config) {
  if (config.target.form == TargetConfig::Form::none)
    throw ConfigError(config.file, 0, "target", "", "the adaptive design needs a [target] (train_budget and inference_budget, or budget)");
  if (config.design.ensemble < 2)
    throw ConfigError(config.file, 0, "design.ensemble", std::to_string(config.design.ensemble),
                      "the adaptive design needs at least 2 bootstrap members");
  cap_ = config.compute_cap;
  if (!(cap_ > 0)) {
    cap_ = 0;
    for (const GridPoint& g : grid_points(config.grid))
      cap_ += std::max<std::uint32_t>(1, config.replicates) * planned_point_flops(g.n, g.d, config.eval.samples, config.eval);
    if (!(cap_ > 0)) cap_ = std::numeric_limits<double>::infinity();
  }
}

double AdaptiveDesign::batch_cost(std::uint32_t j, std::uint32_t batch, const StoreContents& seen,
                                  const std::vector<double>& seen_costs) {
  // The coordinator shows the plans of all earlier batches: their records give the cost.
  if (j < seen_costs.size()) return seen_costs[j];
  auto it = cost_.find(j);
  if (it != cost_.end()) return it->second;
  // A caller that hides plans too (none does today): re-plan batch j exactly as it was planned.
  double before = 0;
  for (std::uint32_t i = 0; i < j; ++i) before += batch_cost(i, batch, seen, seen_costs);
  StoreContents older = visible_to_plan(seen, j, lag());
  BatchPlan p = plan(j, older, before);
  std::vector<double> eval_n;
  for (const PlannedEval& e : p.evals) eval_n.push_back(p.runs[e.run].n_params);
  double c = p.stop ? 0.0 : planned_batch_flops(p.runs, p.evals, eval_n, config_.eval);
  cost_[j] = c;
  return c;
}

BatchPlan AdaptiveDesign::next_batch(std::uint32_t batch, const StoreContents& seen) {
  std::vector<double> seen_costs = planned_flops_by_batch(seen, config_.eval);
  double before = 0;
  for (std::uint32_t j = 0; j < batch; ++j) before += batch_cost(j, batch, seen, seen_costs);
  BatchPlan p = plan(batch, seen, before);
  std::vector<double> eval_n;
  for (const PlannedEval& e : p.evals) eval_n.push_back(p.runs[e.run].n_params);
  cost_[batch] = p.stop ? 0.0 : planned_batch_flops(p.runs, p.evals, eval_n, config_.eval);
  return p;
}

BatchPlan AdaptiveDesign::plan(std::uint32_t batch, const StoreContents& seen, double planned_before) const {
  BatchPlan p;
  const DesignConfig& dc = config_.design;
  const double remaining = cap_ - planned_before;
  nlohmann::json doc = {{"strategy", "adaptive"}, {"batch", batch}, {"planned_flops", planned_before},
                        {"compute_cap", cap_}, {"remaining_flops", remaining}};
  auto stop = [&](std::string reason) {
    p.stop = true;
    p.reason = std::move(reason);
    doc["stop"] = true;
    doc["reason"] = p.reason;
    p.decision_json = doc.dump();
    return p;
  };
  if (dc.batches > 0 && batch >= dc.batches) return stop(fmt::format("batch limit reached ({} batches)", dc.batches));
  if (!(remaining > 0)) return stop(fmt::format("compute cap spent ({:.3g} of {:.3g} FLOPs planned)", planned_before, cap_));

  std::size_t seen_runs = 0;
  for (const RunRecord& r : seen.runs) seen_runs += r.state == JobState::done;
  doc["seen_runs"] = seen_runs;
  const PlanBounds bounds = design_plan_bounds(config_);
  const std::uint64_t seed = mix_seed(mix_seed(config_.seed, std::uint64_t{0x61646170}), std::uint64_t{batch});
  EnsembleFit ef = fit_ensemble(seen, config_, seed, dc.ensemble);
  const std::uint32_t batch_size = batch == 0 && dc.first_batch > 0 ? dc.first_batch : dc.batch_size;

  if (!ef.ok || ef.members.size() < 2) {
    // Blind batch: nothing to fit yet (batch 0), or too little data to fit (`blind_because`).
    const double cap0 = initial_point_cap(config_.target);
    std::vector<GridPoint> pts = batch == 0 ? initial_points(config_, space_, batch_size, cap0)
                                            : space_filling_points(space_, config_.seed, batch, batch_size, cap0);
    double left = remaining;
    nlohmann::json chosen = nlohmann::json::array();
    for (const GridPoint& g : pts)
      if (auto rec = add_if_affordable(config_, p, g.n, g.d, 0, left)) chosen.push_back(*rec);
    if (p.runs.empty()) return stop("compute cap spent (no initial point fits in the remaining compute)");
    doc["mode"] = batch == 0 ? "initial" : "space_filling";
    doc["blind_because"] = ef.ok ? "fewer than 2 bootstrap members could be fitted and planned" : ef.why;
    doc["chosen"] = chosen;
    p.decision_json = doc.dump();
    return p;
  }

  // The fit and the planned optimum, with its bootstrap interval (reported, not a stop rule).
  doc["fit"] = fit_json(ef);
  const Allocation& best = ef.point_plan.best;
  doc["optimum"] = {{"n_star", best.n}, {"d_star", best.d},
                    {"k_star", best.k}, {"accuracy", best.score},
                    {"n_median", ef.n_median}, {"n_lo", ef.n_interval.lo}, {"n_hi", ef.n_interval.hi},
                    {"rel_width", ef.rel_width}, {"tolerance", dc.stop_tolerance}};
  // An optimum pinned at a bound of the planner's N range is not a converged estimate: the
  // fit agrees with itself only because the search cannot go further.
  const bool at_bound = best.n <= bounds.n_min * (1 + 1e-6) || best.n >= bounds.n_max * (1 - 1e-6);
  doc["optimum"]["at_bound"] = at_bound;

  // The stop rule (schemas/design.md, "Stop"): the previous batch was the ridge of the fit then,
  // placed around its N*; now that its runs are in, the refit's N* moved by at most the tolerance.
  // A prediction check on new data at the optimum, not a resampling interval: on the v2 truth the
  // bootstrap interval of ~20-40 runs stays 0.3-0.8 wide while the estimate is already within 10%.
  std::optional<double> placed = ridge_n_star(seen, batch);
  if (placed) {
    const double shift = best.n / *placed - 1;
    doc["optimum"]["placed_n_star"] = *placed;
    doc["optimum"]["shift"] = shift;
    if (!at_bound && std::fabs(shift) <= dc.stop_tolerance)
      // The reason says what was checked and no more: the fit agrees with new runs at its own
      // optimum. A law that does not match the workload can agree with itself and still be off
      // (bench/design/README.md: held-out seeds 111-130, 6 of 20 stopped 10-18% below the truth).
      return stop(fmt::format("N* = {:.4g} stopped moving within tolerance: the runs placed on the ridge of N* = {:.4g} "
                              "moved it by {:+.1f}% (tolerance {:.3g}%; a check of the fit at its own optimum, not an error "
                              "bound); bootstrap 95% interval [{:.4g}, {:.4g}]",
                              best.n, *placed, 100 * shift, 100 * dc.stop_tolerance, ef.n_interval.lo, ef.n_interval.hi));
  }

  // The next batch: the fit's ridge below the target (acquisition.hpp).
  const Deployment dep = design_deployment(config_.target);
  std::vector<RidgePoint> ridge = ridge_points(ef.point.law, dep, bounds, space_, batch_size);
  double left = remaining;
  nlohmann::json ch = nlohmann::json::array();
  for (const RidgePoint& r : ridge)
    if (auto rec = add_if_affordable(config_, p, r.n, r.d, best.k, left)) {
      (*rec)["k"] = r.k;
      (*rec)["budget_factor"] = r.factor;
      ch.push_back(*rec);
    }
  if (p.runs.empty()) return stop(fmt::format("compute cap spent (no ridge point fits in the remaining {:.3g} FLOPs)", remaining));
  doc["mode"] = "ridge";
  doc["chosen"] = ch;
  p.decision_json = doc.dump();
  return p;
}

}  // namespace t2

// fit.cpp — dispatch a fit by law name, and its bootstrap (see fit.hpp).
#include "orchestrator/laws/fit.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace t2 {
namespace {

std::vector<LossPoint> training_points(const FitData& data) {
  std::vector<LossPoint> pts;
  for (const Checkpoint& c : data.checkpoints)
    if (std::isfinite(c.loss) && c.loss > 0) pts.push_back({c.n, c.d, c.loss, 1});
  return pts;
}

std::vector<std::string> names_of(const Law& law) {
  std::vector<std::string> out;
  for (const ParamSpec& p : law.params()) out.push_back(p.name);
  return out;
}

// One fit; `warm` (non-empty) = start only from that parameter vector (bootstrap refits).
LawFit fit_once(const FitData& data, const FitOptions& o, const std::vector<double>& warm) {
  check_fit_data(data);
  if (o.locality.on() && o.law != "t2-accuracy")
    throw std::invalid_argument("locality: applies to t2-accuracy only, not " + o.law);
  LawFit r;
  r.law.law = law_by_name(o.law);
  r.param_names = names_of(*r.law.law);
  r.task = data.task;
  r.source = o.source;
  for (const Checkpoint& c : data.checkpoints) r.runs.push_back(c.run);

  // The training-loss Chinchilla fit: the law itself for "chinchilla", the planner's reference otherwise.
  std::vector<LossPoint> pts = training_points(data);
  auto approach3 = [&](const std::vector<double>& start) {
    ChinchillaFitOptions co;
    co.threads = o.threads;
    // Bootstrap refits: the full-data optimum plus the two best projected-grid cells (issue 9, item 7).
    if (!start.empty()) co.refine = 2, co.starts = {ChinchillaParams::from_theta(start)};
    return fit_chinchilla(pts, co);
  };
  if (o.law == "chinchilla") {
    r.reference = approach3(warm);
    r.has_reference = true;
    r.law.theta = r.reference.params.theta();
    r.objective = r.reference.objective;
    r.points = r.reference.points;
    r.rmse = r.reference.rmse_log;
    r.r2_log = r.reference.r2_log;
    r.method = "approach3: Huber(1e-3) on log residuals, L-BFGS from a projected exponent grid (64x64, E, A, B by NNLS)";
    if (!warm.empty()) r.method = "approach3: Huber(1e-3) on log residuals, L-BFGS from the full-data optimum and the 2 best grid cells";
    r.stages.push_back({"chinchilla", "Approach 3", "log loss", r.rmse, r.r2_log, r.points});
    return r;
  }
  // The reference is optional for the task laws (CSV files may have NaN training losses).
  // Lhat fitted to the training losses IS a Chinchilla law of them: one fit serves as both.
  const bool lhat_is_reference = o.law == "t2-accuracy" && o.lhat == LhatSource::train_loss;
  if (pts.size() >= 5 && warm.empty() && !lhat_is_reference) {
    r.reference = approach3({});
    r.has_reference = true;
  }
  if (o.law == "t2-loss") {
    LossFitOptions lo;
    lo.source = o.source;
    lo.k_max = o.k_max;
    lo.solver.threads = o.threads;
    if (!warm.empty()) {
      lo.projected_starts = 2;  // refit from the full-data optimum plus the two best projections
      lo.random_starts = 0;
      lo.solver.threads = 1;
    }
    LossLawFit f = fit_loss_law(data, lo);
    if (!warm.empty()) {
      // Keep the better of the projected starts and the full-data optimum.
      std::vector<PassPoint> targets = empirical_pass_at_k(data, o.source, f.k_grid);
      std::vector<Observation> obs;
      for (const PassPoint& p : targets) obs.push_back({LawInput{p.n, p.d, p.k}, p.neg_log_pass, 1});
      LeastSquaresFit w = fit_least_squares_from(T2LossLaw{}, obs, warm, lo.solver);
      if (w.sse < f.sse) f.theta = w.theta, f.sse = w.sse;
    }
    r.law.theta = f.theta;
    r.objective = f.sse;
    r.points = f.points;
    r.rmse = f.rmse;
    r.r2_log = f.r2_log;
    r.method = "approach1: SSE on mean -log pass@k, variable-projection + random starts, Levenberg-Marquardt";
    r.loss = f;
    r.stages.push_back({"t2-loss", "Approach 1", "-log pass@k (nats)", r.rmse, r.r2_log, r.points});
    return r;
  }
  if (o.law == "t2-accuracy") {
    AccuracyFitOptions ao;
    ao.lhat = o.lhat;
    ao.method = o.method;
    ao.lhat_weights = o.lhat_weights;
    ao.locality = o.locality;
    ao.source = o.source;
    ao.k_max = o.k_max;
    ao.lhat_huber_delta = o.lhat_huber_delta;
    ao.threads = o.threads;
    if (!warm.empty()) ao.start = warm, ao.fit_both = false;
    AccuracyFit f = fit_accuracy_law(data, ao);
    r.law.theta = f.theta;
    const ThetaFit& used = f.used == AccuracyMethod::two_stage ? f.two_stage
                           : f.used == AccuracyMethod::moments ? f.moments : f.beta_binomial;
    r.objective = used.objective;
    r.points = used.points;
    r.rmse = used.rmse_pass;
    // The accuracy fit has no log-space R^2 of its own; Lhat's is reported as Lhat's stage.
    r.r2_log = kNaN;
    r.method = to_string(f.used);
    if (lhat_is_reference && warm.empty()) r.reference = f.lhat, r.has_reference = true;  // the same fit
    // A local fit says so in its stage lines: its quality is over all runs, its weights are not.
    std::string local;
    if (f.locality.on()) {
      char b[160];
      std::snprintf(b, sizeof b, ", runs weighted within %g decades of 6ND = %.3g (%.1f effective of %u)",
                    f.locality.width_decades, f.locality.center_flops, f.effective_runs, f.runs);
      local = b;
    }
    r.stages.push_back({"Lhat", std::string("on ") + to_string(f.lhat_source) + local, "log Lhat", f.lhat.rmse_log,
                        f.lhat.r2_log, f.lhat.points});
    r.stages.push_back({"theta", to_string(f.used), "pass@k", used.rmse_pass, kNaN, used.points});
    r.accuracy = f;
    return r;
  }
  throw std::invalid_argument("law = '" + o.law + "': expected chinchilla, t2-loss or t2-accuracy");
}

}  // namespace

LawFit fit_law(const FitData& data, const FitOptions& o) { return fit_once(data, o, {}); }

LawFit fit_with_bootstrap(const FitData& data, const FitOptions& o, const BootstrapOptions& bo) {
  LawFit r = fit_law(data, o);
  BootstrapOptions b = bo;
  // Over problems too (issue 3, item 6; issue 9, item 7 for t2-loss, whose targets are means over problems).
  if (o.law == "t2-accuracy" || o.law == "t2-loss") b.resample_problems = true;
  FitOptions inner = o;
  inner.threads = 1;  // parallel over replicates instead
  std::vector<double> start = r.law.theta;
  r.bootstrap = bootstrap(data, [&](const FitData& d) { return fit_once(d, inner, start).law.theta; }, b);
  r.intervals = parameter_intervals(r.bootstrap, r.level);
  return r;
}

}  // namespace t2

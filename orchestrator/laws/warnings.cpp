// warnings.cpp — the checks behind every fit's and plan's warnings (see warnings.hpp).
#include "orchestrator/laws/warnings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <Eigen/Dense>

namespace t2 {

namespace {

std::string g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// Distance of v from bound b on the parameter's own scale (see kAtBoundTolerance).
bool at_bound(double v, double b, bool log_scale) {
  if (!std::isfinite(v) || !std::isfinite(b)) return false;
  if (log_scale && v > 0 && b > 0) return std::abs(std::log(v) - std::log(b)) <= kAtBoundTolerance * std::max(1.0, std::abs(std::log(b)));
  return std::abs(v - b) <= kAtBoundTolerance * std::max(1.0, std::abs(b));
}

// "lower bound 0" / "upper bound 1" when v is at one of the spec's bounds, else "".
std::string which_bound(double v, const ParamSpec& p) {
  if (at_bound(v, p.lower, p.log_scale)) return "lower bound " + g(p.lower);
  if (at_bound(v, p.upper, p.log_scale)) return "upper bound " + g(p.upper);
  return "";
}

// Rows of the Jacobian of the law's predictions at `inputs` w.r.t. the parameters in `cols`,
// each column scaled to d prediction / d log|theta_j| (so that units do not matter), then the
// ratio of the smallest to the largest singular value and the parameter dominating the
// direction of the smallest. Returns false when the data pin every direction down.
bool flat_direction(const Law& law, const std::vector<double>& theta, const std::vector<LawInput>& inputs,
                    const std::vector<std::size_t>& cols, double& ratio, std::size_t& worst) {
  if (inputs.size() < cols.size() || cols.empty()) return false;
  Eigen::MatrixXd J(inputs.size(), cols.size());
  std::vector<double> grad(theta.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::fill(grad.begin(), grad.end(), 0.0);
    law.gradient(theta, inputs[i], grad);
    for (std::size_t j = 0; j < cols.size(); ++j) {
      double scale = std::max(std::abs(theta[cols[j]]), 1e-3);
      J(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = grad[cols[j]] * scale;
    }
  }
  if (!J.allFinite()) return false;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(J, Eigen::ComputeThinV);
  const auto& s = svd.singularValues();
  if (s.size() == 0 || !(s(0) > 0)) return false;
  ratio = s(s.size() - 1) / s(0);
  Eigen::Index k = 0;
  svd.matrixV().col(s.size() - 1).cwiseAbs().maxCoeff(&k);
  worst = cols[static_cast<std::size_t>(k)];
  return ratio < kIdentifiedCondition;
}

void poor_stage(std::vector<Warning>& w, const FitStage& s) {
  std::string what = s.name + (s.detail.empty() ? "" : " (" + s.detail + ")");
  if (!std::isfinite(s.rmse)) {
    w.push_back({"poor_fit", what + ": rmse of " + s.rmse_of + " is not finite"});
    return;
  }
  if (std::isfinite(s.r2_log) && s.r2_log < kPoorR2)
    w.push_back({"poor_fit", what + ": R^2 (log) " + g(s.r2_log) + " is below " + g(kPoorR2)});
  if (s.rmse_of == "pass@k" && s.rmse > kPoorPassRmse)
    w.push_back({"poor_fit", what + ": rmse of pass@k " + g(s.rmse) + " is above " + g(kPoorPassRmse)});
}

}  // namespace

DataRange data_range(const FitData& data, const LawFit& fit) {
  DataRange r;
  bool first = true;
  for (const Checkpoint& c : data.checkpoints) {
    double t = c.d / c.n, f = 6 * c.n * c.d;
    if (first) {
      r.n_lo = r.n_hi = c.n, r.d_lo = r.d_hi = c.d, r.tpp_lo = r.tpp_hi = t, r.flops_lo = r.flops_hi = f;
      first = false;
    }
    r.n_lo = std::min(r.n_lo, c.n), r.n_hi = std::max(r.n_hi, c.n);
    r.d_lo = std::min(r.d_lo, c.d), r.d_hi = std::max(r.d_hi, c.d);
    r.tpp_lo = std::min(r.tpp_lo, t), r.tpp_hi = std::max(r.tpp_hi, t);
    r.flops_lo = std::min(r.flops_lo, f), r.flops_hi = std::max(r.flops_hi, f);
    ++r.runs;
  }
  const std::vector<double>* grid = fit.accuracy ? &fit.accuracy->k_grid : fit.loss ? &fit.loss->k_grid : nullptr;
  if (grid && !grid->empty()) r.k_hi = *std::max_element(grid->begin(), grid->end());
  return r;
}

std::vector<Warning> fit_warnings(const LawFit& fit, const FitData& data) {
  std::vector<Warning> w;
  const Law& law = *fit.law.law;
  const std::vector<ParamSpec> specs = law.params();
  const bool accuracy = law.name() == "t2-accuracy";

  // Bounds of the law's parameter box.
  for (std::size_t i = 0; i < specs.size() && i < fit.law.theta.size(); ++i) {
    std::string b = which_bound(fit.law.theta[i], specs[i]);
    if (!b.empty())
      w.push_back({"param_at_bound", (accuracy && i < 5 ? "Lhat's " : "") + specs[i].name + " = " + g(fit.law.theta[i]) +
                                         " is at its " + b});
  }
  // Lhat on answer NLL profiles E over a grid (chinchilla.hpp, App. F): an E at the grid's edge
  // is where the grid stopped, not where the data put it.
  if (fit.accuracy && fit.accuracy->lhat_source == LhatSource::answer_nll) {
    double lo = INFINITY;
    for (double v : mean_answer_nll(data))
      if (std::isfinite(v)) lo = std::min(lo, v);
    const double E = fit.law.theta[0];
    if (std::isfinite(lo) && !which_bound(E, specs[0]).size()) {
      if (std::abs(E - 0.01 * lo) <= 1e-6 * lo)
        w.push_back({"param_at_bound", "Lhat's E = " + g(E) + " is at the floor of its profiling grid (0.01 x the "
                                                               "smallest mean answer NLL, " + g(lo) + ")"});
      else if (std::abs(E - 0.95 * lo) <= 1e-6 * lo)
        w.push_back({"param_at_bound", "Lhat's E = " + g(E) + " is at the top of its profiling grid (0.95 x the "
                                                               "smallest mean answer NLL, " + g(lo) + ")"});
    }
  }
  // A local fit (locality.hpp) whose weights leave fewer effective runs than Lhat has parameters:
  // what it says near the target rests on too little to determine Lhat.
  if (fit.accuracy && fit.accuracy->locality.on() && fit.accuracy->effective_runs < kLocalMinEffectiveRuns)
    w.push_back({"few_effective_runs",
                 "the local fit's weights (within " + g(fit.accuracy->locality.width_decades) + " decades of 6ND = " +
                     g(fit.accuracy->locality.center_flops) + ") leave " + g(fit.accuracy->effective_runs) + " effective of " +
                     std::to_string(fit.accuracy->runs) + " runs, fewer than Lhat's 5 parameters: run more near that "
                     "budget, or widen the locality"});
  // Bootstrap intervals that reach a bound the estimate is not on: the data do not keep the
  // parameter off it.
  for (std::size_t i = 0; i < fit.intervals.size() && i < specs.size(); ++i) {
    if (!which_bound(fit.law.theta[i], specs[i]).empty()) continue;
    std::string lo = which_bound(fit.intervals[i].lo, specs[i]), hi = which_bound(fit.intervals[i].hi, specs[i]);
    if (!lo.empty() || !hi.empty())
      w.push_back({"param_at_bound", (accuracy && i < 5 ? "Lhat's " : "") + specs[i].name + ": its " +
                                         g(fit.level * 100) + "% bootstrap interval [" + g(fit.intervals[i].lo) + ", " +
                                         g(fit.intervals[i].hi) + "] reaches its " + (lo.empty() ? hi : lo) +
                                         " (not identified by the data)"});
  }
  // Directions of parameter space the data do not constrain.
  {
    std::vector<LawInput> in;
    std::vector<double> ks = {1.0};
    if (fit.accuracy) ks = fit.accuracy->k_grid;
    else if (fit.loss) ks = fit.loss->k_grid;
    for (const Checkpoint& c : data.checkpoints)
      for (double k : ks) in.push_back({c.n, c.d, k});
    std::vector<std::size_t> cols;
    for (std::size_t j = accuracy ? 5 : 0; j < specs.size(); ++j) cols.push_back(j);
    double ratio = 0;
    std::size_t worst = 0;
    if (flat_direction(law, fit.law.theta, in, cols, ratio, worst))
      w.push_back({"param_at_bound", specs[worst].name + " is not identified by the data: the predictions barely move "
                                     "along a direction dominated by it (singular value ratio " + g(ratio) + " < " +
                                     g(kIdentifiedCondition) + ")"});
    // The accuracy law's Lhat stage: a Chinchilla law of its own targets at the checkpoints.
    if (accuracy) {
      ChinchillaLaw lhat;
      std::vector<double> th(fit.law.theta.begin(), fit.law.theta.begin() + 5);
      std::vector<LawInput> at;
      for (const Checkpoint& c : data.checkpoints) at.push_back({c.n, c.d, 1});
      if (flat_direction(lhat, th, at, {0, 1, 2, 3, 4}, ratio, worst))
        w.push_back({"param_at_bound", "Lhat's " + specs[worst].name + " is not identified by the data: Lhat barely "
                                       "moves along a direction dominated by it (singular value ratio " + g(ratio) + " < " +
                                       g(kIdentifiedCondition) + ")"});
    }
  }
  for (const FitStage& s : fit.stages) poor_stage(w, s);
  return w;
}

namespace {

// "N = 4.7e8 is 3.2x above the largest fitted run's (1.5e8)" when v is outside [lo, hi].
void outside(std::vector<std::string>& parts, const char* what, double v, double lo, double hi) {
  if (!(v > 0) || !(lo > 0)) return;
  if (v > hi * (1 + kExtrapolationSlack)) parts.push_back(std::string(what) + " = " + g(v) + " is " + g(v / hi) + "x above the fitted runs' largest (" + g(hi) + ")");
  else if (v < lo * (1 - kExtrapolationSlack)) parts.push_back(std::string(what) + " = " + g(v) + " is " + g(lo / v) + "x below the fitted runs' smallest (" + g(lo) + ")");
}

bool near(double v, double b) { return std::abs(v - b) <= kAtBoundTolerance * std::abs(b); }

void row_warnings(std::vector<Warning>& w, const std::string& row, const Allocation& a, const Plan& p,
                  const FittedLaw& law, const PlanBounds& b, const DataRange& r) {
  if (!a.feasible) return;
  std::vector<std::string> on;
  if (near(a.n, b.n_min)) on.push_back("N = " + g(a.n) + " at n_min");
  if (near(a.n, b.n_max)) on.push_back("N = " + g(a.n) + " at n_max");
  if (near(a.d, b.d_min)) on.push_back("D = " + g(a.d) + " at d_min");
  if (near(a.d, b.d_max)) on.push_back("D = " + g(a.d) + " at d_max");
  if (!on.empty()) {
    std::string m = row + ": ";
    for (std::size_t i = 0; i < on.size(); ++i) m += (i ? ", " : "") + on[i];
    w.push_back({"optimum_at_bound", m + " (a planner bound, not the law, chose it; widen it with --n-min/--n-max/--d-min/--d-max)"});
  }
  // k at k_min with inference budgeted: the budget (not the law) stopped k there; the
  // Chinchilla row may even be unable to serve k_min (within_budget false).
  const Deployment& dep = p.deployment;
  const bool inference_budgeted = dep.form == Deployment::Form::split ? dep.inference_flops > 0 : dep.queries > 0;
  if (law.law->uses_k() && inference_budgeted && near(a.k, b.k_min))
    w.push_back({"optimum_at_bound", row + ": k = " + g(a.k) + " at k_min" +
                                         (a.within_budget ? " (the inference budget allows no more samples at this N)"
                                                          : " and the inference budget cannot serve even that at this N")});
  if (law.law->uses_k() && near(a.k, b.k_max))
    w.push_back({"k_at_cap", row + ": k = " + g(a.k) + " is at k_max (the budget allows more samples; --k-max raises the cap)"});
  std::vector<std::string> parts;
  if (r.runs > 0) {
    outside(parts, "N", a.n, r.n_lo, r.n_hi);
    outside(parts, "D", a.d, r.d_lo, r.d_hi);
    outside(parts, "D/N", a.d / a.n, r.tpp_lo, r.tpp_hi);
    outside(parts, "6ND", 6 * a.n * a.d, r.flops_lo, r.flops_hi);
    if (law.law->uses_k() && r.k_hi > 0 && a.k > r.k_hi * (1 + kExtrapolationSlack))
      parts.push_back("k = " + g(a.k) + " is " + g(a.k / r.k_hi) + "x above the largest fitted k (" + g(r.k_hi) + ")");
  }
  if (!parts.empty()) {
    std::string m = row + ": ";
    for (std::size_t i = 0; i < parts.size(); ++i) m += (i ? "; " : "") + parts[i];
    w.push_back({"extrapolation", m});
  }
}

}  // namespace

std::vector<Warning> plan_warnings(const Plan& p, const FittedLaw& law, const PlanBounds& b, const DataRange& r,
                                   const std::string& label) {
  std::vector<Warning> w;
  const std::string pre = label.empty() ? "" : label + ": ";
  if (!p.best.feasible) {
    w.push_back({"infeasible", pre + "no allocation within the bounds (N in [" + g(b.n_min) + ", " + g(b.n_max) +
                                   "], D in [" + g(b.d_min) + ", " + g(b.d_max) + "], k in [" + g(b.k_min) + ", " +
                                   g(b.k_max) + "]) meets the budget"});
    return w;
  }
  if (!p.best_integer.feasible && law.law->uses_k())
    w.push_back({"infeasible", pre + "integer k: no integer k within the bounds and budget"});
  row_warnings(w, pre + "T2 optimum", p.best, p, law, b, r);
  row_warnings(w, pre + "integer k", p.best_integer, p, law, b, r);
  row_warnings(w, pre + "Chinchilla", p.chinchilla, p, law, b, r);
  return w;
}

std::vector<Warning> advantage_warnings(const Plan& p, const FittedLaw& law, const PlanIntervals& iv) {
  std::vector<Warning> w;
  const Interval& a = iv.advantage;
  if (iv.replicates == 0 || !std::isfinite(a.lo) || !std::isfinite(a.hi)) return w;
  if (a.lo <= 0 && a.hi >= 0)
    w.push_back({"advantage_not_decided",
                 "the T2 optimum's advantage over the Chinchilla row (" + g(plan_advantage(law, p)) + " in " +
                     law.law->quantity() + " under the fit) is not decided by the data: its 95% interval over " +
                     std::to_string(iv.replicates) + " bootstrap fits, [" + g(a.lo) + ", " + g(a.hi) + "], contains 0"});
  return w;
}

std::vector<Warning> holdout_warnings(const HoldoutResult& h, const std::string& law) {
  std::vector<Warning> w;
  if (!std::isfinite(h.mean_abs_rel_error))
    w.push_back({"holdout_error_high", law + ": no held-out run could be scored under --holdout '" + h.rule + "'"});
  else if (h.mean_abs_rel_error > kHoldoutErrorHigh)
    w.push_back({"holdout_error_high", law + ": mean |relative error| " + g(100 * h.mean_abs_rel_error) + "% of " +
                                           h.metric + " on the " + std::to_string(h.held_out_runs) + " runs held out by '" +
                                           h.rule + "' is above " + g(100 * kHoldoutErrorHigh) + "%"});
  return w;
}

std::vector<Warning> point_warnings(const LawInput& x, const DataRange& r, bool uses_k) {
  std::vector<Warning> w;
  std::vector<std::string> parts;
  outside(parts, "N", x.n, r.n_lo, r.n_hi);
  outside(parts, "D", x.d, r.d_lo, r.d_hi);
  outside(parts, "D/N", x.d / x.n, r.tpp_lo, r.tpp_hi);
  outside(parts, "6ND", 6 * x.n * x.d, r.flops_lo, r.flops_hi);
  if (uses_k && r.k_hi > 0 && x.k > r.k_hi * (1 + kExtrapolationSlack))
    parts.push_back("k = " + g(x.k) + " is " + g(x.k / r.k_hi) + "x above the largest fitted k (" + g(r.k_hi) + ")");
  if (!parts.empty()) {
    std::string m = "at N = " + g(x.n) + ", D = " + g(x.d) + (uses_k ? ", k = " + g(x.k) : "") + ": ";
    for (std::size_t i = 0; i < parts.size(); ++i) m += (i ? "; " : "") + parts[i];
    w.push_back({"extrapolation", m});
  }
  return w;
}

void append_warnings(std::vector<Warning>& a, const std::vector<Warning>& b) {
  for (const Warning& x : b)
    if (std::none_of(a.begin(), a.end(), [&](const Warning& y) { return y.code == x.code && y.message == x.message; }))
      a.push_back(x);
}

}  // namespace t2

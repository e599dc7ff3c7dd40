// legacy_law_view.cpp — the report's old interface mapped onto orchestrator/laws (see legacy_law_view.hpp).
#include "orchestrator/design/legacy_law_view.hpp"

#include <cmath>
#include <map>
#include <stdexcept>

#include "orchestrator/design/refit.hpp"

namespace t2 {

LawParams LawParams::from_theta(const std::vector<double>& t) {
  return {t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9]};
}

FittedLaw LawParams::fitted() const { return {law_by_name("t2-accuracy"), theta()}; }

double LawParams::loss(double n, double d) const { return ChinchillaParams{E, A, B, alpha, beta}.loss(n, d); }

double LawParams::accuracy_at_loss(double L, double k) const {
  // Lhat = E + A/N^alpha + B/D^beta is the constant L when E = L and A = B = 0.
  std::vector<double> t = {L, 0, 0, 0, 0, theta0, theta1, theta2, theta3, theta4};
  return FittedLaw{law_by_name("t2-accuracy"), t}.score(1, 1, k);
}

double LawParams::accuracy(double n, double d, double k) const { return fitted().score(n, d, k); }

std::vector<RunObservation> observations(const StoreContents& seen) {
  const FitData data = design_fit_data(seen);
  std::map<JobIndex, std::uint32_t> batch_of;
  for (const RunRecord& r : seen.runs) batch_of[r.index] = r.batch;
  std::vector<RunObservation> out;
  std::vector<long> at(data.checkpoints.size(), -1);
  for (std::size_t i = 0; i < data.checkpoints.size(); ++i) {
    const Checkpoint& c = data.checkpoints[i];
    if (!std::isfinite(c.loss)) continue;
    at[i] = static_cast<long>(out.size());
    out.push_back({batch_of[c.run], c.n, c.d, c.loss, {}});
  }
  for (const ProblemOutcome& o : data.outcomes)
    if (at[o.checkpoint] >= 0 && std::isfinite(o.nll)) out[at[o.checkpoint]].p.push_back(std::exp(-std::max(0.0, o.nll)));
  return out;
}

Resample make_resample(const std::vector<RunObservation>& obs, std::uint64_t, std::uint32_t member) {
  if (member != 0) throw std::invalid_argument("make_resample: only member 0 (the plain fit); bootstrap with fit_ensemble");
  return {std::vector<double>(obs.size(), 1.0)};
}

FitResult fit_law(const std::vector<RunObservation>& obs, const Resample&) {
  FitData data;
  for (const RunObservation& o : obs) {
    auto c = static_cast<std::uint32_t>(data.checkpoints.size());
    data.checkpoints.push_back({o.n, o.d, o.loss, c});
    for (std::size_t q = 0; q < o.p.size(); ++q) {
      ProblemOutcome po;
      po.checkpoint = c;
      po.problem = static_cast<std::uint32_t>(q);
      po.nll = -std::log(o.p[q]);
      data.outcomes.push_back(po);
    }
  }
  FitResult fr;
  try {
    LawFit f = fit_law(data, design_fit_options());
    fr.law = LawParams::from_theta(f.law.theta);
    fr.loss_log_rmse = f.accuracy->lhat.rmse_log;
    const ThetaFit& th = f.accuracy->moments;
    fr.mu_rmse = th.points > 0 ? std::sqrt(th.objective / th.points) : 0;
    fr.ok = true;
  } catch (const FitError&) {
    fr.ok = false;
  }
  return fr;
}

void planner_bounds(const SweepConfig& config, double& n_lo, double& n_hi) {
  PlanBounds b = design_plan_bounds(config);
  n_lo = b.n_min;
  n_hi = b.n_max;
}

Optimum plan_optimum(const LawParams& law, const TargetConfig& target, double n_lo, double n_hi) {
  Optimum o;
  SweepConfig c;
  c.target = target;
  PlanBounds b = design_plan_bounds(c);
  b.n_min = n_lo, b.n_max = n_hi;
  try {
    Plan p = plan(law.fitted(), design_deployment(target), b);
    o.n = p.best.n, o.d = p.best.d, o.k = p.best.k, o.accuracy = p.best.score;
    o.ok = p.best.feasible && std::isfinite(p.best.score);
  } catch (const std::invalid_argument&) {
    o.ok = false;  // bounds or budget the planner rejects
  }
  return o;
}

double chinchilla_n(const LawParams& law, double c_train, double n_lo, double n_hi) {
  FittedLaw lhat{law_by_name("chinchilla"), {law.E, law.A, law.B, law.alpha, law.beta}};
  Deployment dep;
  dep.train_flops = c_train;
  PlanBounds b;
  b.n_min = n_lo, b.n_max = n_hi, b.d_min = 1, b.d_max = 1e30;
  return plan(lhat, dep, b).best.n;
}

}  // namespace t2

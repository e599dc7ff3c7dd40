// acquisition.cpp — sample counts and the ridge points of the next batch (see acquisition.hpp).
#include "orchestrator/design/acquisition.hpp"

#include <algorithm>
#include <cmath>

#include "orchestrator/design/initial_design.hpp"

namespace t2 {

std::uint32_t choose_samples(double k_target, const EvalConfig& eval) {
  std::uint32_t cap = std::max<std::uint32_t>(1, eval.samples);
  std::uint32_t floor = std::min<std::uint32_t>(8, cap);
  double want = 2.0 * std::max(1.0, k_target);
  std::uint32_t s = 1;
  while (s < want && s < cap) s *= 2;
  return std::clamp(s, floor, cap);
}

double target_k(const TargetConfig& t, double n, double k_star, const EvalConfig& eval) {
  if (t.form == TargetConfig::Form::split && t.inference_budget > 0) return std::max(1.0, t.inference_budget / (2 * n));
  if (t.form == TargetConfig::Form::end_to_end && k_star > 0) return k_star;
  return std::max<double>(1.0, eval.samples);
}

Deployment scaled_deployment(const Deployment& target, double factor) {
  Deployment d = target;
  if (d.form == Deployment::Form::split) {
    d.train_flops *= factor;
  } else {
    d.total_flops *= factor;
    d.queries *= factor;
  }
  return d;
}

std::vector<RidgePoint> ridge_points(const FittedLaw& law, const Deployment& target, const PlanBounds& bounds,
                                     const DesignSpace& space, std::uint32_t count) {
  std::vector<RidgePoint> out;
  double factor = 1;
  for (std::uint32_t j = 1; j <= count; ++j) {
    factor /= 2;
    Plan p = plan(law, scaled_deployment(target, factor), bounds);
    if (!p.best.feasible || !(p.best.n > 0) || !(p.best.d > 0) || !std::isfinite(p.best.k)) continue;
    if (!space.contains(p.best.n, p.best.d)) continue;
    out.push_back({p.best.n, p.best.d, p.best.k, factor});
  }
  return out;
}

}  // namespace t2

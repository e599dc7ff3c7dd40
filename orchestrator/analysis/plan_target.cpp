// plan_target.cpp — deployment and planner bounds from flags, [target] and the data (see
// plan_target.hpp).
#include "orchestrator/analysis/plan_target.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace t2 {

std::optional<Deployment> deployment_from_target(const TargetConfig& t) {
  Deployment d;
  if (t.form == TargetConfig::Form::split) {
    d.train_flops = t.train_budget;
    d.inference_flops = t.inference_budget;
    return d;
  }
  if (t.form == TargetConfig::Form::end_to_end) {
    d.form = Deployment::Form::end_to_end;
    d.total_flops = t.budget;
    d.queries = t.queries;
    d.tokens_per_sample = t.tokens_per_query;
    return d;
  }
  return std::nullopt;
}

PlanTarget plan_target(const std::optional<Deployment>& flags_deployment, const SweepConfig* config, const FitData& data,
                       double k_fit_hi, const BoundsFlags& flags) {
  PlanTarget p;
  const std::string where = config ? fmt::format("[target] of {}", config->file.empty() ? "the store's config" : config->file) : "";
  if (flags_deployment) {
    p.deployment = flags_deployment;
    p.deployment_source = "command line";
  } else if (config) {
    p.deployment = deployment_from_target(config->target);
    if (p.deployment) p.deployment_source = where;
  }
  double n_lo = 0, n_hi = 0, d_lo = 0, d_hi = 0;
  for (const Checkpoint& c : data.checkpoints) {
    if (n_lo == 0) n_lo = n_hi = c.n, d_lo = d_hi = c.d;
    n_lo = std::min(n_lo, c.n), n_hi = std::max(n_hi, c.n), d_lo = std::min(d_lo, c.d), d_hi = std::max(d_hi, c.d);
  }
  const TargetConfig* t = config ? &config->target : nullptr;
  PlanBounds& b = p.bounds;
  std::string widened = fmt::format("the fitted runs' range widened {:g}x", kBoundsWidening);
  // One bound: the flag, else [target]'s value when > 0, else the data's, else PlanBounds' default.
  auto pick = [&](const std::optional<double>& flag, const char* flag_name, double target_value, const char* target_key,
                  double data_value, double fallback, std::string& source) {
    if (flag) {
      source = flag_name;
      return *flag;
    }
    if (target_value > 0) {
      source = fmt::format("[target] {}", target_key);
      return target_value;
    }
    if (data_value > 0) {
      source = widened;
      return data_value;
    }
    source = "built-in default";
    return fallback;
  };
  std::string s1, s2;
  b.n_min = pick(flags.n_min, "--n-min", t ? t->n_min : 0, "n_min", n_lo / kBoundsWidening, 1e6, s1);
  b.n_max = pick(flags.n_max, "--n-max", t ? t->n_max : 0, "n_max", n_hi * kBoundsWidening, 1e13, s2);
  p.n_source = s1 == s2 ? s1 : s1 + " / " + s2;
  b.d_min = pick(flags.d_min, "--d-min", 0, "", d_lo / kBoundsWidening, 1e6, s1);
  b.d_max = pick(flags.d_max, "--d-max", 0, "", d_hi * kBoundsWidening, 1e16, s2);
  p.d_source = s1 == s2 ? s1 : s1 + " / " + s2;
  if (flags.k_max) b.k_max = *flags.k_max, p.k_source = "--k-max";
  else if (t && t->k_max > 0) b.k_max = t->k_max, p.k_source = "[target] k_max";
  else if (k_fit_hi > 0) b.k_max = std::max(k_fit_hi, b.k_min), p.k_source = "the largest k the law was fitted at";
  else p.k_source = "built-in default";
  return p;
}

double deployment_k(const Deployment& dep, const PlanBounds& b, double n, double d) {
  double k = 1;
  if (dep.form == Deployment::Form::split) {
    if (dep.inference_flops > 0) k = dep.inference_flops / (2 * n);
  } else {
    double per_k = 2 * n * dep.tokens_per_sample * dep.queries;
    if (per_k > 0) k = (dep.total_flops - 6 * n * d) / per_k;
  }
  return std::clamp(k, b.k_min, std::max(b.k_min, b.k_max));
}

}  // namespace t2

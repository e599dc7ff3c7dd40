// plan_target.hpp — the one deployment-and-bounds model (issue 9, item 3): what a plan is for
// and where the planner may search, from the command line, else the sweep config's [target],
// else the data. Used by `t2 plan`, `t2 fit --holdout` (the deployment's k) and `t2 run`.
// Pure apart from reading SweepConfig values; no store I/O.
#pragma once

#include <optional>
#include <string>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/planner.hpp"

namespace t2 {

// Default bounds from the data: the fitted runs' range of N and of D widened by this factor
// each way (the laws extrapolate, but not without limit: beyond 10x the fit is a guess).
inline constexpr double kBoundsWidening = 10;

// Values given on the command line (unset: not given).
struct BoundsFlags {
  std::optional<double> n_min, n_max, d_min, d_max, k_max;
};

// Where each bound came from, for the output: "--n-min", "[target] n_min", "data / 10", ...
struct PlanTarget {
  std::optional<Deployment> deployment;
  std::string deployment_source;  // "command line", "[target] of FILE"; "" when none
  PlanBounds bounds;
  std::string n_source, d_source, k_source;
};

// The deployment [target] describes, or nullopt when the config has none.
std::optional<Deployment> deployment_from_target(const TargetConfig&);

// flags_deployment: from the command line (wins over [target]); config: the store's sweep config
// (nullptr for a CSV or an imported store); k_fit_hi: the largest k the law was fitted at (0 when
// the law ignores k). Bounds: flags, else [target] n_min/n_max/k_max (> 0), else the data's N and
// D range widened kBoundsWidening each way and k up to k_fit_hi (PlanBounds' 1e4 when 0).
PlanTarget plan_target(const std::optional<Deployment>& flags_deployment, const SweepConfig* config, const FitData& data,
                       double k_fit_hi, const BoundsFlags& flags);

// The k a deployment gives a model of n parameters trained on d tokens: split, C_inf / 2N
// (Eq. 1-2); end to end, what C leaves after 6ND over 2N T Q; clamped to [k_min, k_max], 1 when
// inference is not budgeted.
double deployment_k(const Deployment&, const PlanBounds&, double n, double d);

}  // namespace t2

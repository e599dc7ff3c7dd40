// synthetic_sweep.hpp — the shared scenario of tests/design and bench/design: a sweep config
// over a synthetic ground truth (workers/synthetic) with the paper's deployment target, and the
// truth's own optimum N* (the laws' planner with the design's bounds applied to the ground-truth law).
#pragma once

#include <cstdint>
#include <string>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/refit.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

namespace t2::testing {

// The sweep config text: [grid] N 1e7..1e9 and D 1e8..1e11 (8 x 8 log-spaced), target
// C_train = 1e19, C_inf = 2e8, Hoffmann et al.'s law as truth.
inline std::string synthetic_config_text(const std::string& strategy, std::uint64_t seed,
                                         const std::string& extra_design = "") {
  return "[sweep]\nname = \"design-test\"\nseed = " + std::to_string(seed) +
         "\n"
         "[grid]\nn = {from = 1e7, to = 1e9, steps = 8}\nd = {from = 1e8, to = 1e11, steps = 8}\n"
         "[design]\nstrategy = \"" + strategy + "\"\nbatch_size = 8\nfirst_batch = 12\nensemble = 8\n"
         "lhat = \"train_loss\"\nstop_tolerance = 0.05\n" + extra_design +
         "[eval]\nproblems = 128\nsamples = 64\n"
         "[target]\ntrain_budget = 1e19\ninference_budget = 2e8\n"
         "[workload]\nbackend = \"synthetic\"\n"
         "[workload.synthetic]\nloss_noise = 0.01\ntheta0 = 3.0\ntheta1 = 3.0\ntheta2 = 0.9\ntheta3 = 1.0\n";
}

inline SweepConfig synthetic_config(const std::string& strategy, std::uint64_t seed, const std::string& extra = "") {
  return parse_sweep_config(synthetic_config_text(strategy, seed, extra), "design-test.toml");
}

// The ground truth as a laws t2-accuracy law (its Lhat is the noise-free loss law).
inline FittedLaw law_of(const SyntheticTruth& t) {
  return {law_by_name("t2-accuracy"), {t.E, t.A, t.B, t.alpha, t.beta, t.theta0, t.theta1, t.theta2, t.theta3, t.theta4}};
}

inline SyntheticTruth truth_of(const SweepConfig& c) {
  toml::table settings = c.workload.settings;
  TableReader r(settings, "workload.synthetic", c.file);
  return read_synthetic_truth(r);
}

// The ground truth's optimum for the config's target, planned as the design plans (refit.hpp).
inline Allocation true_optimum(const SweepConfig& c) {
  return plan(law_of(truth_of(c)), design_deployment(c.target), design_plan_bounds(c)).best;
}
inline double true_n_star(const SweepConfig& c) { return true_optimum(c).n; }

// N* of the plain fit (no bootstrap) to everything in `contents`; 0 when it cannot be fitted.
inline double estimated_n_star(const SweepConfig& c, const StoreContents& contents) {
  try {
    Allocation a = design_point_plan(contents, c).plan.best;
    return a.feasible ? a.n : 0;
  } catch (const FitError&) {
    return 0;
  }
}

}  // namespace t2::testing

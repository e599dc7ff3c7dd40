// bootstrap.hpp — uncertainty by the nonparametric bootstrap (as Epoch did for Chinchilla, paper
// notes §10.2): resample checkpoints with replacement (and, for the accuracy law, problems too),
// refit, collect parameter vectors; percentile intervals of parameters, predictions and planned
// optima. Deterministic for a seed whatever the number of threads (replicate b uses seed
// mix(seed, b)); parallel over std::threads. Knows FitData and a refit function, not which law.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/law.hpp"

namespace t2 {

struct BootstrapOptions {
  std::uint32_t replicates = 200;   // B
  std::uint64_t seed = 1;
  bool resample_checkpoints = true;
  bool resample_problems = false;   // resample problem ids (the same draw for every checkpoint)
  int threads = 0;                  // 0 = hardware_concurrency
};

// Resampled data of replicate b (duplicated checkpoints are duplicated, with their outcomes).
FitData resample(const FitData&, const BootstrapOptions&, std::uint32_t b);

struct BootstrapResult {
  std::vector<std::vector<double>> replicates;  // successful refits' parameter vectors
  std::uint32_t failed = 0;                     // refits that threw (too few distinct points, ...)
};

// refit: data -> parameter vector. Called concurrently from several threads: must be thread-safe.
BootstrapResult bootstrap(const FitData&, const std::function<std::vector<double>(const FitData&)>& refit,
                          const BootstrapOptions& = {});

// Percentile interval [lo, hi] at `level` (e.g. 0.95) of values (NaNs ignored); {NaN, NaN} if empty.
struct Interval {
  double lo = kNaN, hi = kNaN;
  bool contains(double v) const { return v >= lo && v <= hi; }
};
Interval percentile_interval(std::vector<double> values, double level = 0.95);

// Per-parameter percentile intervals over the replicates.
std::vector<Interval> parameter_intervals(const BootstrapResult&, double level = 0.95);

// Prediction interval of `law` at x: percentile interval of the law's prediction under each
// replicate parameter vector (the uncertainty of the fitted curve, not of a new observation).
Interval prediction_interval(const FittedLaw& law, const std::vector<std::vector<double>>& replicates, const LawInput& x,
                             double level = 0.95);

}  // namespace t2

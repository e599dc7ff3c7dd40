// isoflop_weights.hpp — the T² paper's inverse-variance weighting across isoFLOP groups for Lhat
// (App. F, stage 1), which the paper names but does not define. Defined here (schemas/laws.md):
// runs are grouped by training compute C = 6ND (sorted by C, a new group starts where C grows by
// more than `rel_tol`, 10%: one group per isoFLOP level of a sweep); each group's variance is the
// mean squared residual of its points under an equal-weight fit; every point gets weight
// 1 / variance of its group, normalised to mean 1. Owns the grouping and the weights, not the fit.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/laws/chinchilla.hpp"

namespace t2 {

// How Lhat's points are weighted: equal (default) or inverse_variance (above).
enum class LhatWeights { equal, inverse_variance };
const char* to_string(LhatWeights);
LhatWeights lhat_weights_from_string(const std::string&);  // throws std::invalid_argument

// Group index of every point (0, 1, ... in increasing C).
std::vector<int> isoflop_groups(const std::vector<LossPoint>& points, double rel_tol = 0.1);

// Weights (mean 1) from the residuals of `fitted` at the points: r = Lhat - L (log_residuals
// false: the profiled SSE fit) or log Lhat - log L (true: the Huber-on-log fit). A group of one
// point, which has no variance of its own, gets the pooled variance; group variances are floored
// at 1% of the pooled one, so no group weighs more than 100x the average (a group fitted exactly
// would otherwise get infinite weight).
std::vector<double> isoflop_inverse_variance_weights(const std::vector<LossPoint>& points, const ChinchillaParams& fitted,
                                                     bool log_residuals, double rel_tol = 0.1);

}  // namespace t2

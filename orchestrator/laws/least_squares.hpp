// least_squares.hpp — multi-start weighted least squares for any Law: minimise
// sum_i w_i (predict(theta, x_i) - y_i)^2 from each start with Ceres (Levenberg-Marquardt,
// analytic Jacobian from Law::gradient, log_scale parameters fitted as logs, bounds enforced),
// keep the best. This is how a new law family gets fitted without new fitting code.
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/laws/law.hpp"

namespace t2 {

struct Observation {
  LawInput x;
  double y = 0;
  double weight = 1;
};

struct LeastSquaresOptions {
  int max_iterations = 200;          // per start
  double function_tolerance = 1e-14; // relative cost change that stops a start
  int threads = 0;                   // worker threads over starts; 0 = hardware_concurrency
};

struct LeastSquaresFit {
  std::vector<double> theta;   // natural units
  double sse = 0;              // weighted sum of squared residuals at theta
  std::uint32_t starts_tried = 0;
  std::uint32_t starts_at_best = 0;  // starts within 1e-9 (relative) of the best SSE
};

// `fixed`: indices of parameters held at their start value (e.g. Lhat's inside the accuracy law).
// Throws FitError when no start produces a finite SSE.
LeastSquaresFit fit_least_squares(const Law& law, const std::vector<Observation>& data,
                                  const std::vector<std::vector<double>>& starts,
                                  const LeastSquaresOptions& options = {}, const std::vector<int>& fixed = {});

// One start only (no threads): the building block, exposed for tests of the multi-start logic.
LeastSquaresFit fit_least_squares_from(const Law& law, const std::vector<Observation>& data,
                                       const std::vector<double>& start, const LeastSquaresOptions& options = {},
                                       const std::vector<int>& fixed = {});

}  // namespace t2

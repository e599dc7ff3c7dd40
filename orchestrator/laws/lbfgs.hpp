// lbfgs.hpp — a small dense L-BFGS minimiser (Nocedal & Wright Alg. 7.4/7.5, strong-Wolfe line search)
// for the many-start fits, where Ceres's per-solve setup would cost more than the objective itself.
// The objective returns false where it is undefined; the line search then backs off.
#pragma once

#include <functional>
#include <vector>

namespace t2 {

struct LbfgsOptions {
  int max_iterations = 500;
  int memory = 6;                     // correction pairs kept
  double function_tolerance = 1e-10;  // stop when |f_prev - f| <= tol * max(|f|, tiny)
  double gradient_tolerance = 1e-12;  // stop when max |g_i| <= tol
};

struct LbfgsResult {
  double f = 0;
  int iterations = 0, evaluations = 0;
  bool ok = false;  // f is finite
};

// f(x, grad) -> value; x updated in place to the best point found.
using LbfgsObjective = std::function<bool(const double* x, double* f, double* grad)>;
LbfgsResult lbfgs_minimize(const LbfgsObjective& objective, std::vector<double>& x, const LbfgsOptions& = {});

}  // namespace t2

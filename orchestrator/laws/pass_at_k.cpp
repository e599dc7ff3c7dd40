// pass_at_k.cpp — see pass_at_k.hpp.
#include "orchestrator/laws/pass_at_k.hpp"

#include "orchestrator/laws/log_beta.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace t2 {

// c > n or k > n has no estimator (Chen et al. need k <= n); fit inputs are checked before this.
static void check_counts(std::uint32_t n, std::uint32_t c, std::uint32_t k) {
  if (c > n || k > n)
    throw std::invalid_argument("pass@k needs c <= n and k <= n (n = " + std::to_string(n) + ", c = " + std::to_string(c) +
                                ", k = " + std::to_string(k) + ")");
}

double log_pass_at_k_unbiased(std::uint32_t n, std::uint32_t c, std::uint32_t k) {
  check_counts(n, c, k);
  if (k == 0 || c == 0) return -std::numeric_limits<double>::infinity();
  if (n - c < k) return 0.0;
  // log(1 - pass) = sum_{i=n-c+1}^{n} log1p(-k/i)  (Chen et al.'s product form, in logs)
  double log_fail = 0;
  for (std::uint32_t i = n - c + 1; i <= n; ++i) log_fail += std::log1p(-static_cast<double>(k) / i);
  // log(1 - exp(log_fail)) without cancellation
  return log_fail > -0.693147 ? std::log(-std::expm1(log_fail)) : std::log1p(-std::exp(log_fail));
}

double pass_at_k_unbiased(std::uint32_t n, std::uint32_t c, std::uint32_t k) {
  check_counts(n, c, k);
  if (k == 0 || c == 0) return 0.0;
  if (n - c < k) return 1.0;
  double log_fail = 0;
  for (std::uint32_t i = n - c + 1; i <= n; ++i) log_fail += std::log1p(-static_cast<double>(k) / i);
  return -std::expm1(log_fail);
}

double pass_at_k_from_p(double p, double k) {
  if (p >= 1) return 1.0;
  if (p <= 0) return 0.0;
  return -std::expm1(k * std::log1p(-p));
}

double neg_log_pass_at_k_from_nll(double nll, double k) {
  if (nll <= 0) return 0.0;
  // -log(1 - (1-p)^k), p = exp(-nll). log(1-p) = log1mexp(-nll) is exact for every nll > 0 (for
  // small nll via -expm1, where 1 - exp(-nll) would cancel; for large via log1p(-p), ~ -p), then
  // -log pass@k = -log1mexp(k log(1-p)).
  double x = k * log1mexp(-nll);
  if (x < 0) return -log1mexp(x);
  // k p underflowed (nll > ~745 + log k): pass@k = k p to double precision
  return nll - std::log(k);
}

}  // namespace t2

// pass_at_k.hpp — the two sources of pass@k (T² paper §2, §3.1; Chen et al. 2021).
// Pure functions of counts and probabilities; stable for n = 10,000 and for tiny p.
#pragma once

#include <cstdint>

namespace t2 {

// Unbiased estimator of Chen et al. 2021 (arXiv 2107.03374): 1 - C(n-c, k) / C(n, k) for
// c correct of n samples, k <= n. Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i) in log space,
// so it neither overflows nor loses precision for n in the tens of thousands.
// Throws std::invalid_argument if c > n or k > n.
double pass_at_k_unbiased(std::uint32_t n, std::uint32_t c, std::uint32_t k);

// log of the same (for -log pass@k without cancellation when pass@k is tiny). -inf when c = 0.
double log_pass_at_k_unbiased(std::uint32_t n, std::uint32_t c, std::uint32_t k);

// From a single-sample success probability p (the paper's likelihood source, p = exp(-NLL)):
// pass@k = 1 - (1 - p)^k, as -expm1(k * log1p(-p)); k may be any real >= 0.
double pass_at_k_from_p(double p, double k);

// -log pass@k from the gold-answer NLL directly (p = exp(-nll)), exact and finite even when
// p underflows: for tiny p it tends to nll - log k.
double neg_log_pass_at_k_from_nll(double nll, double k);

}  // namespace t2

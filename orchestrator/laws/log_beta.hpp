// log_beta.hpp — log-Beta ratios and digamma differences without cancellation, for the Beta model
// of per-problem accuracy (T² paper §3.2): expected pass@k = 1 - B(a, b+k)/B(a, b), its gradient,
// and the beta-binomial log-pmf. A difference of four lgamma values loses every digit when b >> a, k
// (issue 9: at a = 49.8, b = 4.98e13, k = 2.11 it gave pass@k 0.393; exact 2.1e-12). Here each
// quantity is a sum of terms of one sign (derivation in log_beta.cpp); measured against mpmath
// (tests/laws/data/beta_reference.csv) for a in [1e-3, 1e6], b in [1e-3, 1e15], real k in [1, 1e4]:
// relative error <= 1e-10. Pure functions of doubles; owns no law.
#pragma once

#include <cstdint>

namespace t2 {

// L(a, b, k) = log B(a, b+k) - log B(a, b) = lgamma(b+k) - lgamma(b) - lgamma(a+b+k) + lgamma(a+b),
// for a, b > 0 and real k >= 0. Always <= 0; exact to relative accuracy also when tiny (~ -ak/b).
double log_beta_ratio(double a, double b, double k);

// psi(x+k) - psi(x) for x > 0, real k >= 0 (>= 0; ~ k/x for large x, no cancellation).
double digamma_delta(double x, double k);

// Partial derivatives of L: dL/da = psi(a+b) - psi(a+b+k) = -digamma_delta(a+b, k) (<= 0) and
// dL/db = psi(b+k) - psi(b) - psi(a+b+k) + psi(a+b) (>= 0; ~ ak/b^2 for large b).
inline double log_beta_ratio_da(double a, double b, double k) { return -digamma_delta(a + b, k); }
double log_beta_ratio_db(double a, double b, double k);

// log(1 - exp(x)) for x <= 0 (Mächler 2012's switch at -log 2); -inf at x = 0.
double log1mexp(double x);

// Expected pass@k under p ~ Beta(a, b): 1 - B(a, b+k)/B(a, b) = -expm1(L) (T² paper §3.2), any
// real k >= 0; 0 for k <= 0.
double beta_pass_at_k(double a, double b, double k);
// log of the same, log1mexp(L): finite while L does not underflow to 0 (i.e. for a k / b > 1e-308).
double beta_log_pass_at_k(double a, double b, double k);

// Beta-binomial log-probability of c successes in n trials, p ~ Beta(a, b), including log C(n, c):
// log C(n, c) + L(b + n - c, a, c) + L(a, b, n - c)  (B(a+c, b+n-c)/B(a, b) split at B(a, b+n-c);
// each ratio is a sum of one-sign terms). <= 0.
double beta_binomial_log_pmf(std::uint32_t n, std::uint32_t c, double a, double b);
// Its gradient in (a, b): d/da = digamma_delta(a, c) - digamma_delta(a+b, n);
// d/db = log_beta_ratio_db(a, b, n-c) - digamma_delta(a+b+n-c, c).
void beta_binomial_log_pmf_grad(std::uint32_t n, std::uint32_t c, double a, double b, double* da, double* db);

}  // namespace t2

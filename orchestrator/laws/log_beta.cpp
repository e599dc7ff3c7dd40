// log_beta.cpp — see log_beta.hpp. How cancellation is avoided:
//
// Write D(f) = f(b+a+k) - f(b+a) - f(b+k) + f(b) (a mixed second difference), so that
// L(a, b, k) = -D(lgamma), dL/db = -D(psi). Every function below is a sum of terms of one sign.
//
// 1. Small b (b < 16): the recurrence lgamma(x) = lgamma(x+1) - log x gives
//      L(a, b, k) = L(a, b+1, k) + log[b (a+b+k) / ((a+b)(b+k))] = L(a, b+1, k) + log1p(-ak/((a+b)(b+k)))
//    (since (a+b)(b+k) - b(a+b+k) = ak): a non-positive term, exact by log1p; likewise
//    psi(x) = psi(x+1) - 1/x gives dL/db = dL/db(b+1) + [k/(b(b+k)) - k/((a+b)(a+b+k))] with the
//    bracket = ak(2b+a+k)/(b(b+k)(a+b)(a+b+k)) >= 0, and digamma_delta(x,k) = ...(x+1) + k/(x(x+k)).
// 2. b >= 16: Stirling, lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum_n c_n x^-n (odd n,
//    DLMF 5.11.1), and psi(x) = log x - 1/(2x) - sum_m e_m x^-m (even m, DLMF 5.11.2). D kills
//    linear terms, so
//      L = -b M(a/b, k/b) + (1/2) log1p(-ak/((a+b)(b+k))) - sum_n c_n D(x^-n),
//    with D(x log x) = b M(u, v), M(u, v) = int_0^u int_0^v dt ds / (1+s+t) = int_0^u log1p(v/(1+s)) ds
//    > 0 (Gauss-Legendre on segments where 1+s at most doubles: the integrand's singularity at
//    s = -1 is then at least 1.5 half-lengths outside, so 15 points give ~1e-23), and
//    D(x^-n) = p1^n - p2^n - p3^n + p4^n (p1 = 1/b, p2 = 1/(b+k), p3 = 1/(b+a), p4 = 1/(b+a+k))
//    expanded by x^n - y^n = (x - y) sum x^i y^j into products of exact positive differences.
//    (Stirling's own terms alternate in sign, but each is below the previous by ~1/b^2 <= 1/256.)
// 3. Integer k <= 24 (the beta-binomial's c and n - c, small k of the grid): the finite sums
//    L = sum_{j<k} log((b+j)/(a+b+j)), psi(x+k) - psi(x) = sum 1/(x+j), dL/db = sum a/((b+j)(a+b+j)).
// Sums of logs of factors in (0, 1] (1 and 3) take one log for all terms (Log1mSum).
#include "orchestrator/laws/log_beta.hpp"

#include <boost/math/quadrature/gauss.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace t2 {
namespace {

constexpr double kShift = 16;  // Stirling's series from here: its 7th term is ~1e-20 at x = 16

// Stirling coefficients: lgamma's c_n for n = 1, 3, .., 13 (B_{n+1} / (n (n+1))) and psi's e_m
// for m = 2, 4, .., 14 (B_m / m), Bernoulli numbers B_2..B_14.
constexpr double kLgammaC[7] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156};
constexpr double kPsiE[7] = {1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12};

// log[b (b+a+k) / ((b+a)(b+k))] = log1p(-t), t = ak/((b+a)(b+k)) in [0, 1): <= 0, exact either way.
double log_mix(double b, double a, double k) {
  double t = (a / (b + a)) * (k / (b + k));
  if (t < 0.5) return std::log1p(-t);
  return std::log((b / (b + a)) * ((b + a + k) / (b + k)));
}

// sum_{j<m} x^(m-1-j) y^j, so that x^m - y^m = (x - y) * sum_pow(x, y, m).
double sum_pow(double x, double y, int m) {
  double s = 0, yp = 1;
  for (int j = 0; j < m; ++j) s = x * s + yp, yp *= y;  // S(m+1) = x S(m) + y^m
  return s;
}

// The four points of D and their exact differences.
struct Quad {
  double p1, p2, p3, p4;  // 1/b, 1/(b+k), 1/(b+a), 1/(b+a+k)
  double d13, d24, d34;   // p1 - p3, p2 - p4, p3 - p4
  double delta;           // D(1/x) = p1 - p2 - p3 + p4 = ak(2b+a+k) p1 p2 p3 p4 >= 0
};
Quad quad(double b, double a, double k) {
  Quad q;
  q.p1 = 1 / b, q.p2 = 1 / (b + k), q.p3 = 1 / (b + a), q.p4 = 1 / (b + a + k);
  q.d13 = a * q.p1 * q.p3, q.d24 = a * q.p2 * q.p4, q.d34 = k * q.p3 * q.p4;
  q.delta = (a * q.p1 * q.p3) * (k * q.p2 * q.p4) * (2 * b + a + k);
  return q;
}

// D(x^-n) = p1^n - p2^n - p3^n + p4^n >= 0 for n = 1..14, as (p1^n - p2^n) - (p3^n - p4^n)
//   = delta S12(n) + d34 sum_{j<n} [d13 S13(n-1-j) p2^j + p3^(n-1-j) d24 S24(j)],
// S_xy(m) = sum_{i<m} x^(m-1-i) y^i (so x^m - y^m = (x - y) S_xy(m)), from S(m+1) = x S(m) + y^m.
struct MixedPowers {
  double t[15];  // t[n] = D(x^-n)
  MixedPowers(const Quad& q, int n_max) {
    double s12[15], s13[15], s24[15], p2[15], p3[15], y12 = 1, y13 = 1, y24 = 1;
    s12[0] = s13[0] = s24[0] = 0, p2[0] = p3[0] = 1;
    for (int m = 0; m < n_max; ++m) {
      s12[m + 1] = q.p1 * s12[m] + y12, y12 *= q.p2;
      s13[m + 1] = q.p1 * s13[m] + y13, y13 *= q.p3;
      s24[m + 1] = q.p2 * s24[m] + y24, y24 *= q.p4;
      p2[m + 1] = p2[m] * q.p2, p3[m + 1] = p3[m] * q.p3;
    }
    for (int n = 1; n <= n_max; ++n) {
      double s = 0;
      for (int j = 0; j < n; ++j) s += q.d13 * s13[n - 1 - j] * p2[j] + p3[n - 1 - j] * q.d24 * s24[j];
      t[n] = q.delta * s12[n] + q.d34 * s;
    }
  }
};

// How many Stirling terms matter at x >= kShift: term n contributes ~ |c_n| n^2 x^-(n+1) relative
// to the leading one; terms below 1e-19 are dropped (thresholds computed once).
int stirling_terms(double x) {
  static const auto limits = [] {
    std::array<double, 7> l{};
    for (int i = 0; i < 7; ++i) {
      int n = 2 * i + 1;
      l[i] = std::pow(std::abs(kLgammaC[i]) * n * (n + 1) / 1e-19, 1.0 / (n + 1));  // needed while x < l[i]
    }
    return l;
  }();
  int t = 1;
  while (t < 7 && x < limits[t]) ++t;
  return t;
}

// Integer k up to this many terms: L, psi differences and dL/db as finite sums of one sign
// (cheaper than the general path; the beta-binomial's c and n - c are such k).
constexpr double kFiniteSum = 24;
bool small_integer(double k) { return k <= kFiniteSum && k == std::floor(k); }

// sum_j log(1 - t_j), t_j in [0, 1), with one log at the end instead of one per term: while
// T = 1 - prod(1 - t_j) < 1/2 it is accumulated as T' = T + t (1 - T) (positive terms, no
// cancellation) and the result is log1p(-T); beyond, the product P = prod(1 - t_j) itself, each
// factor given as `one_minus_t` computed without cancellation by the caller.
struct Log1mSum {
  double T = 0, P = 1, s = 0;
  bool product = false;
  void add(double t, double one_minus_t) {
    if (!product) {
      double Tn = T + t * (1 - T);
      if (Tn < 0.5) {
        T = Tn;
        return;
      }
      product = true;
      P = (1 - T) * one_minus_t;
    } else {
      P *= one_minus_t;
    }
    if (P < 1e-200) s += std::log(P), P = 1;  // keep P from underflowing
  }
  double value() const { return product ? s + std::log(P) : std::log1p(-T); }
};

// Adds log((b+j)/(a+b+j)) = log(1 - a/(a+b+j)).
void add_step(Log1mSum& acc, double a, double bj) {
  double den = a + bj;
  acc.add(a / den, bj / den);
}

// Adds log[b (b+a+k) / ((b+a)(b+k))] = log(1 - t), t = ak/((b+a)(b+k)) (see log_mix).
void add_mix(Log1mSum& acc, double b, double a, double k) {
  double t = (a / (b + a)) * (k / (b + k));
  acc.add(t, t < 0.5 ? 1 - t : (b / (b + a)) * ((b + a + k) / (b + k)));
}

// M(u, v) = int_0^s log1p(t/(1+x)) dx, s = min(u, v), t = max(u, v) (M is symmetric).
double mixed_xlogx(double u, double v) {
  double s = std::min(u, v), t = std::max(u, v);
  auto f = [t](double x) { return std::log1p(t / (1 + x)); };
  double total = 0;
  for (double lo = 0; lo < s;) {
    double hi = std::min(s, 2 * lo + 1);
    double r = (hi - lo) / (1 + lo);
    if (r <= 0.01) total += boost::math::quadrature::gauss<double, 7>::integrate(f, lo, hi);
    else if (r <= 0.25) total += boost::math::quadrature::gauss<double, 10>::integrate(f, lo, hi);
    else total += boost::math::quadrature::gauss<double, 15>::integrate(f, lo, hi);
    lo = hi;
  }
  return total;
}

}  // namespace

double log_beta_ratio(double a, double b, double k) {
  if (!(k > 0) || !(a > 0)) return 0.0;
  if (!(b > 0) || !std::isfinite(a) || !std::isfinite(b) || !std::isfinite(k)) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  Log1mSum acc;
  if (small_integer(k)) {  // L = sum_{j<k} log((b+j)/(a+b+j))
    for (int j = 0; j < k; ++j) add_step(acc, a, b + j);
    return acc.value();
  }
  const double b0 = b;
  for (int j = 1; b < kShift; ++j) {  // step 1 (recurrence)
    add_mix(acc, b, a, k);
    b = b0 + j;
  }
  s = acc.value();
  // step 2 (Stirling at b >= 16)
  double u = a / b, v = k / b;
  s += -b * mixed_xlogx(u, v) + 0.5 * log_mix(b, a, k);
  int terms = stirling_terms(b);
  MixedPowers mp(quad(b, a, k), 2 * terms - 1);
  for (int i = 0; i < terms; ++i) s -= kLgammaC[i] * mp.t[2 * i + 1];
  return s;
}

double digamma_delta(double x, double k) {
  if (!(k > 0)) return 0.0;
  double s = 0;
  if (small_integer(k)) {  // sum_{j<k} 1/(x+j)
    for (int j = 0; j < k; ++j) s += 1 / (x + j);
    return s;
  }
  const double x0 = x;
  for (int j = 1; x < kShift; ++j) {
    s += k / (x * (x + k));
    x = x0 + j;
  }
  // psi(x+k) - psi(x) = log1p(k/x) + k/(2x(x+k)) + sum_m e_m (x^-m - (x+k)^-m)
  double p1 = 1 / x, p2 = 1 / (x + k), d12 = k * p1 * p2;
  s += std::log1p(k / x) + 0.5 * d12;
  int terms = stirling_terms(x);
  for (int i = 0; i < terms; ++i) s += kPsiE[i] * d12 * sum_pow(p1, p2, 2 * i + 2);
  return s;
}

double log_beta_ratio_db(double a, double b, double k) {
  if (!(k > 0) || !(a > 0)) return 0.0;
  double s = 0;
  if (small_integer(k)) {  // sum_{j<k} [1/(b+j) - 1/(a+b+j)] = sum a/((b+j)(a+b+j))
    for (int j = 0; j < k; ++j) s += a / ((b + j) * (a + b + j));
    return s;
  }
  const double b0 = b;
  for (int j = 1; b < kShift; ++j) {
    s += quad(b, a, k).delta;  // k/(b(b+k)) - k/((a+b)(a+b+k))
    b = b0 + j;
  }
  // -D(psi) = -log1p(-ak/((a+b)(b+k))) + D(1/x)/2 + sum_m e_m D(x^-m)
  Quad q = quad(b, a, k);
  s += -log_mix(b, a, k) + 0.5 * q.delta;
  int terms = stirling_terms(b);
  MixedPowers mp(q, 2 * terms);
  for (int i = 0; i < terms; ++i) s += kPsiE[i] * mp.t[2 * i + 2];
  return s;
}

double log1mexp(double x) {
  if (x > -0.6931471805599453) return std::log(-std::expm1(x));
  return std::log1p(-std::exp(x));
}

double beta_pass_at_k(double a, double b, double k) {
  if (!(k > 0)) return 0.0;
  return -std::expm1(log_beta_ratio(a, b, k));
}

double beta_log_pass_at_k(double a, double b, double k) {
  if (!(k > 0)) return -std::numeric_limits<double>::infinity();
  return log1mexp(log_beta_ratio(a, b, k));
}

double beta_binomial_log_pmf(std::uint32_t n, std::uint32_t c, double a, double b) {
  double lchoose = 0;
  if (c != 0 && c != n) {
    int sg;
    lchoose = ::lgamma_r(n + 1.0, &sg) - ::lgamma_r(c + 1.0, &sg) - ::lgamma_r(n - c + 1.0, &sg);
  }
  return lchoose + log_beta_ratio(b + (n - c), a, c) + log_beta_ratio(a, b, n - c);
}

void beta_binomial_log_pmf_grad(std::uint32_t n, std::uint32_t c, double a, double b, double* da, double* db) {
  *da = digamma_delta(a, c) - digamma_delta(a + b, n);
  *db = log_beta_ratio_db(a, b, n - c) - digamma_delta(a + b + (n - c), c);
}

}  // namespace t2

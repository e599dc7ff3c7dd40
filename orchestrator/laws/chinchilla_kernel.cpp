// chinchilla_kernel.cpp — see chinchilla_kernel.hpp (compiled with -ffast-math -fopenmp-simd).
#include "orchestrator/laws/chinchilla_kernel.hpp"

#include <cmath>

namespace t2::detail {

__attribute__((target_clones("avx2", "default")))
double huber_lse(const double* x, const double* y, const double* ll, const double* w, std::size_t n,
                 const double* p, double delta, double* grad) {
  const double a = p[0], b = p[1], ee = std::exp(p[2]), al = p[3], be = p[4], d = delta;
  double f = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
  // LSE(u, v, e) = log S, S = e^u + e^v + e^e; dLSE/du = e^u/S etc. (softmax weights).
  // Huber: 0.5 r^2 for |r| <= delta, else delta (|r| - delta/2); derivative clamp(r, -delta, delta).
#pragma omp simd reduction(+ : f, g0, g1, g2, g3, g4)
  for (std::size_t i = 0; i < n; ++i) {
    double eu = std::exp(a - al * x[i]), ev = std::exp(b - be * y[i]);
    double S = eu + ev + ee;
    double r = std::log(S) - ll[i];
    double ar = std::fabs(r);
    f += w[i] * (ar <= d ? 0.5 * r * r : d * (ar - 0.5 * d));
    double dh = w[i] * std::fmin(std::fmax(r, -d), d) / S;
    double gu = dh * eu, gv = dh * ev;
    g0 += gu;
    g1 += gv;
    g2 += dh * ee;
    g3 -= gu * x[i];
    g4 -= gv * y[i];
  }
  if (grad) grad[0] = g0, grad[1] = g1, grad[2] = g2, grad[3] = g3, grad[4] = g4;
  return f;
}

}  // namespace t2::detail

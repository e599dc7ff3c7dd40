// lbfgs.cpp — see lbfgs.hpp.
#include "orchestrator/laws/lbfgs.hpp"

#include <algorithm>
#include <cmath>

namespace t2 {

LbfgsResult lbfgs_minimize(const LbfgsObjective& fn, std::vector<double>& x, const LbfgsOptions& o) {
  const std::size_t n = x.size();
  const int m = std::max(1, o.memory);
  std::vector<std::vector<double>> S(m, std::vector<double>(n)), Y(m, std::vector<double>(n));
  std::vector<double> rho(m), alpha(m), g(n), d(n), xn(n), gn(n);
  LbfgsResult r;
  double f;
  ++r.evaluations;
  if (!fn(x.data(), &f, g.data()) || !std::isfinite(f)) return r;
  int stored = 0, head = 0;  // ring buffer of correction pairs
  auto dot = [n](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  };
  for (r.iterations = 0; r.iterations < o.max_iterations; ++r.iterations) {
    double gmax = 0;
    for (double v : g) gmax = std::max(gmax, std::abs(v));
    if (gmax <= o.gradient_tolerance) break;
    // Two-loop recursion: d = -H g.
    for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
    for (int k = 0; k < stored; ++k) {
      int j = (head - 1 - k + m) % m;
      alpha[j] = rho[j] * dot(S[j], d);
      for (std::size_t i = 0; i < n; ++i) d[i] -= alpha[j] * Y[j][i];
    }
    if (stored > 0) {
      int j = (head - 1 + m) % m;
      double gamma = dot(S[j], Y[j]) / dot(Y[j], Y[j]);
      for (double& v : d) v *= gamma;
    }
    for (int k = stored - 1; k >= 0; --k) {
      int j = (head - 1 - k + m) % m;
      double beta = rho[j] * dot(Y[j], d);
      for (std::size_t i = 0; i < n; ++i) d[i] += S[j][i] * (alpha[j] - beta);
    }
    double slope = dot(g, d);
    if (!(slope < 0)) {  // not a descent direction: restart from steepest descent
      for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
      slope = -dot(g, g);
      stored = 0;
    }
    // First iteration without curvature information: a step of unit length in parameter space.
    double step = stored == 0 ? std::min(1.0, 1.0 / std::sqrt(-slope)) : 1.0;
    // Strong-Wolfe line search (Nocedal & Wright Alg. 3.5 with the zoom of Alg. 3.6, cubic
    // interpolation): steps satisfying the curvature condition keep the L-BFGS pairs informative.
    const double c1 = 1e-4, c2 = 0.9;
    double fn_new = 0;
    bool accepted = false;
    auto eval_at = [&](double t, double* ft, double* dt) {
      for (std::size_t i = 0; i < n; ++i) xn[i] = x[i] + t * d[i];
      ++r.evaluations;
      if (!fn(xn.data(), ft, gn.data()) || !std::isfinite(*ft)) return false;
      *dt = dot(gn, d);
      return true;
    };
    // Cubic minimiser of the interpolant through (a, fa, da), (b, fb, db), safeguarded to the interval.
    auto cubic = [](double a, double fa, double da, double b, double fb, double db) {
      double d1 = da + db - 3 * (fa - fb) / (a - b);
      double disc = d1 * d1 - da * db;
      double lo = std::min(a, b), hi = std::max(a, b);
      if (disc < 0) return 0.5 * (a + b);
      double d2 = std::copysign(std::sqrt(disc), b - a);
      double t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
      if (!std::isfinite(t) || t <= lo + 0.1 * (hi - lo) || t >= hi - 0.1 * (hi - lo)) return 0.5 * (a + b);
      return t;
    };
    // Zoom (Alg. 3.6) on a bracket whose end `lo` satisfies sufficient decrease. True when a
    // strong-Wolfe point was found (fn_new, xn and gn hold it); else *lo_out, *flo_out give the
    // bracket's final sufficient-decrease end for the caller's fallback.
    auto zoom = [&](double lo, double flo, double dlo, double hi, double fhi, double dhi, double* lo_out,
                    double* flo_out) {
      for (int z = 0; z < 30; ++z) {
        double tz = cubic(lo, flo, dlo, hi, fhi, dhi);
        double fz, dz;
        if (!eval_at(tz, &fz, &dz)) {
          hi = tz, fhi = INFINITY, dhi = 0;
          continue;
        }
        if (fz > f + c1 * tz * slope || fz >= flo) {
          hi = tz, fhi = fz, dhi = dz;
        } else {
          if (std::abs(dz) <= -c2 * slope) {
            fn_new = fz;
            return true;
          }
          if (dz * (hi - lo) >= 0) hi = lo, fhi = flo, dhi = dlo;
          lo = tz, flo = fz, dlo = dz;
        }
        if (std::abs(hi - lo) < 1e-16 * std::max(1.0, std::abs(lo))) break;
      }
      *lo_out = lo, *flo_out = flo;
      return false;
    };
    double t_prev = 0, f_prev = f, d_prev = slope;
    double t = step;
    for (int ls = 0; ls < 40 && !accepted; ++ls) {
      double ft, dt;
      if (!eval_at(t, &ft, &dt)) {  // undefined there: shrink towards the last good step
        t = t_prev + 0.5 * (t - t_prev);
        continue;
      }
      if (ft > f + c1 * t * slope || (ls > 0 && ft >= f_prev)) {
        // zoom in [t_prev, t]
        double lo = 0, flo = 0;
        accepted = zoom(t_prev, f_prev, d_prev, t, ft, dt, &lo, &flo);
        if (!accepted && lo > 0 && flo < f) {  // settle for the best sufficient-decrease point
          double fz, dz;
          if (eval_at(lo, &fz, &dz)) fn_new = fz, accepted = true;
        }
        break;
      }
      if (std::abs(dt) <= -c2 * slope) {
        fn_new = ft, accepted = true;
        break;
      }
      if (dt >= 0) {  // zoom in [t, t_prev] (reversed)
        double lo = 0, flo = 0;
        accepted = zoom(t, ft, dt, t_prev, f_prev, d_prev, &lo, &flo);
        if (!accepted) {
          double fz, dz;
          if (eval_at(lo, &fz, &dz) && fz < f) fn_new = fz, accepted = true;
        }
        break;
      }
      t_prev = t, f_prev = ft, d_prev = dt;
      t *= 2;
    }
    if (!accepted) break;  // no decrease possible along d: converged to machine precision
    double fprev = f;
    std::vector<double>& s = S[head];
    std::vector<double>& y = Y[head];
    for (std::size_t i = 0; i < n; ++i) s[i] = xn[i] - x[i], y[i] = gn[i] - g[i];
    double sy = dot(s, y);
    if (sy > 1e-300) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      stored = std::min(stored + 1, m);
    }
    x.swap(xn);
    g.swap(gn);
    f = fn_new;
    if (std::abs(fprev - f) <= o.function_tolerance * std::max(std::abs(f), 1e-300)) {
      ++r.iterations;
      break;
    }
  }
  r.f = f;
  r.ok = std::isfinite(f);
  return r;
}

}  // namespace t2

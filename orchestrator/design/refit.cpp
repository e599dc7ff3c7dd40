// refit.cpp — the design's fast fit and planner (see refit.hpp; method in schemas/design.md).
#include "orchestrator/design/refit.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "workers/seed.hpp"

namespace t2 {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Golden-section maximisation of f on [a, b] (f unimodal there; used after a grid bracket).
template <class F>
double golden_max(F f, double a, double b, int iterations = 40) {
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = f(c), fd = f(d);
  for (int i = 0; i < iterations; ++i) {
    if (fc >= fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); }
    else          { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
  }
  return fc >= fd ? c : d;
}

// Maximise f over [lo, hi]: a grid of `steps` points, then golden section between the
// neighbours of the best grid point. Deterministic; returns the argmax.
template <class F>
double grid_then_golden(F f, double lo, double hi, int steps) {
  if (!(hi > lo)) return lo;
  int best = 0;
  double best_v = -kInf;
  for (int i = 0; i < steps; ++i) {
    double x = lo + (hi - lo) * i / (steps - 1);
    double v = f(x);
    if (v > best_v) { best_v = v; best = i; }
  }
  double a = lo + (hi - lo) * std::max(0, best - 1) / (steps - 1);
  double b = lo + (hi - lo) * std::min(steps - 1, best + 1) / (steps - 1);
  double x = golden_max(f, a, b);
  double xb = lo + (hi - lo) * best / (steps - 1);
  return f(x) >= best_v ? x : xb;
}

// Weighted least squares for (E, A', B') >= 0 on normalised features, given the normal
// equations G x = h and c = sum w y^2. Enumerates the 7 non-empty active sets: the best feasible
// one is the global non-negative optimum because the problem is convex.
struct Nnls3 { std::array<double, 3> x{}; double sse = kInf; };

Nnls3 nnls3(const double G[3][3], const double h[3], double c) {
  Nnls3 best;
  for (int mask = 1; mask < 8; ++mask) {
    int idx[3], m = 0;
    for (int j = 0; j < 3; ++j) if (mask & (1 << j)) idx[m++] = j;
    double M[3][4];
    for (int r = 0; r < m; ++r) {
      for (int s = 0; s < m; ++s) M[r][s] = G[idx[r]][idx[s]];
      M[r][m] = h[idx[r]];
    }
    // Gaussian elimination with partial pivoting; a (near-)singular subset is skipped.
    bool singular = false;
    for (int col = 0; col < m && !singular; ++col) {
      int piv = col;
      for (int r = col + 1; r < m; ++r) if (std::fabs(M[r][col]) > std::fabs(M[piv][col])) piv = r;
      if (std::fabs(M[piv][col]) < 1e-14 * (std::fabs(G[0][0]) + 1e-300)) { singular = true; break; }
      for (int s = 0; s <= m; ++s) std::swap(M[col][s], M[piv][s]);
      for (int r = 0; r < m; ++r) {
        if (r == col) continue;
        double f = M[r][col] / M[col][col];
        for (int s = col; s <= m; ++s) M[r][s] -= f * M[col][s];
      }
    }
    if (singular) continue;
    std::array<double, 3> x{};
    bool feasible = true;
    for (int r = 0; r < m; ++r) {
      x[idx[r]] = M[r][m] / M[r][r];
      if (!(x[idx[r]] >= 0)) feasible = false;
    }
    if (!feasible) continue;
    double sse = c;
    for (int a = 0; a < 3; ++a) {
      sse -= 2 * x[a] * h[a];
      for (int b = 0; b < 3; ++b) sse += x[a] * G[a][b] * x[b];
    }
    if (sse < best.sse) { best.sse = sse; best.x = x; }
  }
  return best;
}

struct ChinchillaData {
  std::vector<double> ln_n, ln_d, y, w;  // y = loss; w = bootstrap weight / y^2 (relative residuals)
  double ln_n_ref = 0, ln_d_ref = 0;
};

// The best (E, A, B) and its SSE for fixed exponents (variable projection).
Nnls3 project(const ChinchillaData& cd, double alpha, double beta) {
  double G[3][3] = {}, h[3] = {}, c = 0;
  for (std::size_t i = 0; i < cd.y.size(); ++i) {
    if (cd.w[i] <= 0) continue;
    double f[3] = {1.0, std::exp(-alpha * (cd.ln_n[i] - cd.ln_n_ref)), std::exp(-beta * (cd.ln_d[i] - cd.ln_d_ref))};
    for (int a = 0; a < 3; ++a) {
      h[a] += cd.w[i] * f[a] * cd.y[i];
      for (int b = 0; b < 3; ++b) G[a][b] += cd.w[i] * f[a] * f[b];
    }
    c += cd.w[i] * cd.y[i] * cd.y[i];
  }
  return nnls3(G, h, c);
}

// Weighted simple linear regression y = s x + c; returns false when x has no spread.
bool linear_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w,
                double& slope, double& intercept) {
  double sw = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) { sw += w[i]; sx += w[i] * x[i]; sy += w[i] * y[i]; }
  if (sw <= 0) return false;
  double mx = sx / sw, my = sy / sw, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += w[i] * (x[i] - mx) * (x[i] - mx);
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  if (sxx <= 1e-300) { slope = 0; intercept = my; return false; }
  slope = sxy / sxx;
  intercept = my - slope * mx;
  return true;
}

}  // namespace

double LawParams::loss(double n, double d) const { return E + A / std::pow(n, alpha) + B / std::pow(d, beta); }

double LawParams::accuracy_at_loss(double L, double k) const {
  double mu = theta2 / (1.0 + std::exp(theta1 * (L - theta0)));
  mu = std::clamp(mu, 1e-12, 1.0 - 1e-12);
  double nu = std::clamp(std::exp(theta3 + theta4 * L), 1e-6, 1e8);
  double a = mu * nu, b = (1.0 - mu) * nu;
  // B(a, b + k) / B(a, b) in log-gamma form (paper §3.2, footnote 2): exact for real k >= 0.
  double log_ratio = std::lgamma(b + k) - std::lgamma(a + b + k) - std::lgamma(b) + std::lgamma(a + b);
  return -std::expm1(log_ratio);
}

std::vector<RunObservation> observations(const StoreContents& seen) {
  std::vector<RunObservation> out;
  std::map<JobIndex, std::size_t> at;  // run index -> position in out
  for (const RunRecord& r : seen.runs) {
    if (r.state != JobState::done) continue;
    if (!(r.result.final_loss > 0) || !std::isfinite(r.result.final_loss)) continue;
    RunObservation o;
    o.batch = r.batch;
    o.n = r.result.params > 0 ? r.result.params : r.plan.n_params;
    o.d = r.result.tokens_seen > 0 ? r.result.tokens_seen : r.plan.n_tokens;
    o.loss = r.result.final_loss;
    at[r.index] = out.size();
    out.push_back(std::move(o));
  }
  for (const EvalRecord& e : seen.evals) {
    if (e.state != JobState::done) continue;
    auto it = at.find(e.plan.run);
    if (it == at.end()) continue;
    RunObservation& o = out[it->second];
    const EvalResult& res = e.result;
    if (res.answer_nll.size() == res.problems && res.problems > 0) {
      for (double nll : res.answer_nll) o.p.push_back(std::clamp(std::exp(-nll), 1e-12, 1.0 - 1e-12));
    } else if (res.samples > 0 && res.correct.size() == std::size_t(res.problems) * res.samples) {
      for (std::uint32_t i = 0; i < res.problems; ++i) {
        std::uint32_t c = 0;
        for (std::uint32_t s = 0; s < res.samples; ++s) c += res.correct[std::size_t(i) * res.samples + s];
        o.p.push_back(std::clamp(double(c) / res.samples, 1e-12, 1.0 - 1e-12));
      }
    }
  }
  return out;
}

Resample make_resample(const std::vector<RunObservation>& obs, std::uint64_t seed, std::uint32_t member) {
  Resample rs;
  rs.run_weight.assign(obs.size(), member == 0 ? 1.0 : 0.0);
  rs.problems.resize(obs.size());
  std::mt19937_64 rng(mix_seed(seed, std::uint64_t{member}));
  if (member != 0 && !obs.empty()) {
    std::uniform_int_distribution<std::size_t> pick(0, obs.size() - 1);
    for (std::size_t i = 0; i < obs.size(); ++i) rs.run_weight[pick(rng)] += 1.0;
  }
  for (std::size_t r = 0; r < obs.size(); ++r) {
    std::size_t m = obs[r].p.size();
    auto& idx = rs.problems[r];
    idx.resize(m);
    if (member == 0 || m == 0) {
      for (std::size_t i = 0; i < m; ++i) idx[i] = std::uint32_t(i);
    } else {
      std::uniform_int_distribution<std::uint32_t> pick(0, std::uint32_t(m - 1));
      for (std::size_t i = 0; i < m; ++i) idx[i] = pick(rng);
    }
  }
  return rs;
}

FitResult fit_law(const std::vector<RunObservation>& obs, const Resample& rs) {
  FitResult fr;
  // --- Chinchilla part: variable projection over (alpha, beta) ---
  ChinchillaData cd;
  std::map<std::pair<double, double>, int> distinct;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (rs.run_weight[i] <= 0) continue;
    cd.ln_n.push_back(std::log(obs[i].n));
    cd.ln_d.push_back(std::log(obs[i].d));
    cd.y.push_back(obs[i].loss);
    cd.w.push_back(rs.run_weight[i] / (obs[i].loss * obs[i].loss));
    distinct[{obs[i].n, obs[i].d}] = 1;
  }
  if (distinct.size() < 5) return fr;
  for (std::size_t i = 0; i < cd.y.size(); ++i) { cd.ln_n_ref += cd.ln_n[i]; cd.ln_d_ref += cd.ln_d[i]; }
  cd.ln_n_ref /= cd.y.size();
  cd.ln_d_ref /= cd.y.size();

  double best_a = 0.3, best_b = 0.3, best_sse = kInf;
  for (double a = 0.05; a <= 1.2001; a += 0.05)
    for (double b = 0.05; b <= 1.2001; b += 0.05) {
      double sse = project(cd, a, b).sse;
      if (sse < best_sse) { best_sse = sse; best_a = a; best_b = b; }
    }
  // Pattern search from the best grid point (exponents stay in [0.01, 2]).
  for (double step = 0.025; step > 1e-4; step *= 0.5) {
    bool moved = true;
    while (moved) {
      moved = false;
      const double cand[4][2] = {{step, 0}, {-step, 0}, {0, step}, {0, -step}};
      for (const auto& c : cand) {
        double a = best_a + c[0], b = best_b + c[1];
        if (a < 0.01 || b < 0.01 || a > 2 || b > 2) continue;
        double sse = project(cd, a, b).sse;
        if (sse < best_sse - 1e-15 * best_sse) { best_sse = sse; best_a = a; best_b = b; moved = true; }
      }
    }
  }
  Nnls3 lin = project(cd, best_a, best_b);
  LawParams& law = fr.law;
  law.alpha = best_a;
  law.beta = best_b;
  law.E = lin.x[0];
  law.A = lin.x[1] * std::exp(best_a * cd.ln_n_ref);
  law.B = lin.x[2] * std::exp(best_b * cd.ln_d_ref);
  {
    double s = 0, sw = 0;
    for (std::size_t i = 0; i < obs.size(); ++i) {
      double r = std::log(obs[i].loss) - std::log(std::max(law.loss(obs[i].n, obs[i].d), 1e-300));
      s += r * r;
      sw += 1;
    }
    fr.loss_log_rmse = std::sqrt(s / sw);
  }

  // --- Beta part: per-run moments of p under the problem resample ---
  std::vector<double> Lhat, mu, lnnu, w, nu_w;
  for (std::size_t r = 0; r < obs.size(); ++r) {
    if (rs.run_weight[r] <= 0 || rs.problems[r].size() < 2) continue;
    double m = 0;
    for (auto i : rs.problems[r]) m += obs[r].p[i];
    m /= rs.problems[r].size();
    double v = 0;
    for (auto i : rs.problems[r]) v += (obs[r].p[i] - m) * (obs[r].p[i] - m);
    v /= (rs.problems[r].size() - 1);
    double mm = std::clamp(m, 1e-6, 1.0 - 1e-6);
    double nu = v > 0 ? mm * (1 - mm) / v - 1.0 : 1e4;
    Lhat.push_back(law.loss(obs[r].n, obs[r].d));
    mu.push_back(mm);
    lnnu.push_back(std::log(std::clamp(nu, 1e-2, 1e4)));
    w.push_back(rs.run_weight[r]);
    // A run whose problems are nearly all failed (or all solved) says little about the spread
    // nu: its moment estimate is dominated by a few problems. Weight log nu by mu (1 - mu).
    nu_w.push_back(rs.run_weight[r] * mm * (1 - mm));
  }
  if (mu.size() < 3) return fr;
  double mu_max = *std::max_element(mu.begin(), mu.end());
  double best_mu_sse = kInf;
  std::vector<double> z(mu.size()), zw(mu.size());
  for (int g = 0; g < 40; ++g) {
    // theta2 from just above the largest observed mean accuracy up to 1 (it is the ceiling of mu).
    double lo = std::min(mu_max * 1.02, 0.999);
    double t2 = lo + (1.0 - lo) * g / 39.0;
    for (std::size_t r = 0; r < mu.size(); ++r) {
      double q = std::min(mu[r], t2 * (1 - 1e-9));
      z[r] = std::log(t2 / q - 1.0);
      // Delta method: d mu / d z = -mu (1 - mu/theta2), so this weight makes the z-space
      // regression approximate least squares in mu.
      double dz = q * (1.0 - q / t2);
      zw[r] = w[r] * dz * dz;
    }
    double s, c;
    linear_fit(Lhat, z, zw, s, c);
    if (std::fabs(s) < 1e-9) s = 1e-9;
    LawParams trial = law;
    trial.theta1 = s;
    trial.theta0 = -c / s;
    trial.theta2 = t2;
    double sse = 0;
    for (std::size_t r = 0; r < mu.size(); ++r) {
      double e = t2 / (1.0 + std::exp(s * (Lhat[r] - trial.theta0))) - mu[r];
      sse += w[r] * e * e;
    }
    if (sse < best_mu_sse) { best_mu_sse = sse; law.theta0 = trial.theta0; law.theta1 = s; law.theta2 = t2; }
  }
  double s4, c3;
  linear_fit(Lhat, lnnu, nu_w, s4, c3);
  law.theta3 = c3;
  law.theta4 = s4;
  double sw = 0;
  for (double x : w) sw += x;
  fr.mu_rmse = std::sqrt(best_mu_sse / sw);
  fr.ok = std::isfinite(law.E) && std::isfinite(law.theta0) && std::isfinite(law.theta3);
  return fr;
}

void planner_bounds(const SweepConfig& config, double& n_lo, double& n_hi) {
  n_lo = config.target.n_min;
  n_hi = config.target.n_max;
  if (n_lo <= 0 && !config.grid.n.empty()) n_lo = *std::min_element(config.grid.n.begin(), config.grid.n.end());
  if (n_hi <= 0 && !config.grid.n.empty()) n_hi = *std::max_element(config.grid.n.begin(), config.grid.n.end());
}

Optimum plan_optimum(const LawParams& law, const TargetConfig& t, double n_lo, double n_hi) {
  Optimum o;
  if (!(n_lo > 0) || !(n_hi >= n_lo)) return o;
  const double k_cap = t.k_max > 0 ? t.k_max : 1e6;
  if (t.form == TargetConfig::Form::split) {
    // Paper §3.3: D = C_train / 6N, k = C_inf / 2N; k >= 1 needs N <= C_inf / 2.
    double hi = std::min(n_hi, t.inference_budget / 2.0);
    double lo = std::max(n_lo, t.inference_budget / (2.0 * k_cap));
    if (!(hi >= lo)) return o;
    auto f = [&](double ln_n) {
      double n = std::exp(ln_n);
      return law.accuracy(n, t.train_budget / (6 * n), t.inference_budget / (2 * n));
    };
    double ln_n = grid_then_golden(f, std::log(lo), std::log(hi), 121);
    o.n = std::exp(ln_n);
    o.d = t.train_budget / (6 * o.n);
    o.k = t.inference_budget / (2 * o.n);
    o.accuracy = f(ln_n);
    o.ok = std::isfinite(o.accuracy);
    return o;
  }
  if (t.form == TargetConfig::Form::end_to_end) {
    // One budget C = 6ND + 2N T k Q: for each N the best k in [1, k_cap] with D > 0.
    const double serve = 2.0 * t.tokens_per_query * t.queries;  // FLOPs per (N * k)
    auto best_k = [&](double n, double& acc) {
      double kmax = k_cap;
      if (serve > 0) kmax = std::min(kmax, 0.999 * t.budget / (serve * n));
      if (kmax < 1) { acc = -kInf; return 1.0; }
      auto g = [&](double ln_k) {
        double k = std::exp(ln_k);
        return law.accuracy(n, (t.budget - serve * n * k) / (6 * n), k);
      };
      double ln_k = grid_then_golden(g, 0.0, std::log(kmax), 33);
      acc = g(ln_k);
      return std::exp(ln_k);
    };
    auto f = [&](double ln_n) { double acc; best_k(std::exp(ln_n), acc); return acc; };
    double ln_n = grid_then_golden(f, std::log(n_lo), std::log(n_hi), 81);
    o.n = std::exp(ln_n);
    o.k = best_k(o.n, o.accuracy);
    o.d = (t.budget - serve * o.n * o.k) / (6 * o.n);
    o.ok = std::isfinite(o.accuracy) && o.d > 0;
    return o;
  }
  return o;
}

double chinchilla_n(const LawParams& law, double c_train, double n_lo, double n_hi) {
  auto f = [&](double ln_n) { double n = std::exp(ln_n); return -law.loss(n, c_train / (6 * n)); };
  return std::exp(grid_then_golden(f, std::log(n_lo), std::log(n_hi), 121));
}

}  // namespace t2

namespace t2 {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  double pos = q * (v.size() - 1);
  std::size_t i = std::size_t(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

EnsembleFit fit_ensemble(const std::vector<RunObservation>& obs, std::uint64_t seed, std::uint32_t members,
                         const TargetConfig& target, double n_lo, double n_hi) {
  EnsembleFit ef;
  ef.point = fit_law(obs, make_resample(obs, seed, 0));
  if (!ef.point.ok) return ef;
  ef.point_optimum = plan_optimum(ef.point.law, target, n_lo, n_hi);
  ef.tried = members;
  std::vector<double> ln_n;
  for (std::uint32_t m = 1; m <= members; ++m) {
    FitResult f = fit_law(obs, make_resample(obs, seed, m));
    if (!f.ok) continue;
    Optimum o = plan_optimum(f.law, target, n_lo, n_hi);
    if (!o.ok) continue;
    ef.members.push_back(f.law);
    ef.optima.push_back(o);
    ln_n.push_back(std::log(o.n));
  }
  if (ln_n.size() >= 2) {
    ef.n_median = std::exp(quantile(ln_n, 0.5));
    ef.n_lo = std::exp(quantile(ln_n, 0.025));
    ef.n_hi = std::exp(quantile(ln_n, 0.975));
    ef.rel_width = (ef.n_hi - ef.n_lo) / ef.n_median;
  } else {
    ef.n_median = ef.point_optimum.n;
    ef.rel_width = std::numeric_limits<double>::infinity();
  }
  return ef;
}

}  // namespace t2

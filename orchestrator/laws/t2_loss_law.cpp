// t2_loss_law.cpp — Approach 1 (T² paper §3.1, App. F): law, gradient and fit (see t2_loss_law.hpp).
// The paper fits 7 parameters by SSE with L-BFGS-B from 500 random restarts. We fit the same
// objective, but most starts come from variable projection: for fixed exponents (alpha, beta,
// gamma) the law is linear in (E, A, B, G), so an exhaustive exponent grid with non-negative
// least squares for the linear part finds the basin of the global optimum directly; the best
// grid points and a few random restarts are then refined jointly (Levenberg-Marquardt, Ceres).
#include "orchestrator/laws/t2_loss_law.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <random>

namespace t2 {

std::vector<ParamSpec> T2LossLaw::params() const {
  return {{"E", 1e-12, 1e6, true},  {"A", 1e-12, 1e30, true}, {"B", 1e-12, 1e30, true}, {"alpha", 0, 5, false},
          {"beta", 0, 5, false},    {"G", 1e-12, 1e6, true},  {"gamma", 0, 5, false}};
}

double T2LossLaw::predict(std::span<const double> t, const LawInput& x) const {
  // §3.1: Lhat(N, D, k) = E + A/N^alpha + B/D^beta + G/k^gamma.
  return t[0] + t[1] * std::pow(x.n, -t[3]) + t[2] * std::pow(x.d, -t[4]) + t[5] * std::pow(x.k, -t[6]);
}

double T2LossLaw::gradient(std::span<const double> t, const LawInput& x, std::span<double> g) const {
  double u = std::pow(x.n, -t[3]), v = std::pow(x.d, -t[4]), w = std::pow(x.k, -t[6]);
  g[0] = 1;
  g[1] = u;
  g[2] = v;
  g[3] = -t[1] * u * std::log(x.n);
  g[4] = -t[2] * v * std::log(x.d);
  g[5] = w;
  g[6] = -t[5] * w * std::log(x.k);
  return t[0] + t[1] * u + t[2] * v + t[5] * w;
}

std::vector<std::vector<double>> T2LossLaw::starts() const {
  std::vector<std::vector<double>> out;
  const double E[] = {0.1, 1, 5}, AB[] = {1e2, 1e4, 1e6}, ex[] = {0.2, 0.5, 1.0}, G[] = {0.1, 1, 10};
  for (double e : E)
    for (double a : AB)
      for (double b : AB)
        for (double al : ex)
          for (double be : ex)
            for (double g : G)
              for (double ga : ex) out.push_back({e, a, b, al, be, g, ga});
  return out;
}

namespace {

// Weighted NNLS for 4 unknowns by enumerating active sets (16 subsets): exact and cheap.
struct Nnls4 {
  Eigen::Vector4d x = Eigen::Vector4d::Zero();
  double sse = INFINITY;
};

Nnls4 nnls4(const Eigen::Matrix4d& G, const Eigen::Vector4d& r, double yy) {
  Nnls4 best;
  for (int mask = 1; mask < 16; ++mask) {
    int idx[4], m = 0;
    for (int j = 0; j < 4; ++j)
      if (mask & (1 << j)) idx[m++] = j;
    Eigen::MatrixXd Gs(m, m);
    Eigen::VectorXd rs(m);
    for (int a = 0; a < m; ++a) {
      rs[a] = r[idx[a]];
      for (int b = 0; b < m; ++b) Gs(a, b) = G(idx[a], idx[b]);
    }
    Eigen::LDLT<Eigen::MatrixXd> ldlt(Gs);
    if (ldlt.info() != Eigen::Success) continue;
    Eigen::VectorXd xs = ldlt.solve(rs);
    if (!xs.allFinite() || (xs.array() < 0).any()) continue;
    Eigen::Vector4d x = Eigen::Vector4d::Zero();
    for (int a = 0; a < m; ++a) x[idx[a]] = xs[a];
    double sse = yy - 2 * r.dot(x) + x.dot(G * x);
    if (sse < best.sse) best.x = x, best.sse = sse;
  }
  return best;
}

}  // namespace

LossLawFit fit_loss_law(const std::vector<PassPoint>& targets, const LossFitOptions& o) {
  if (targets.size() < 8)
    throw FitError("t2-loss fit needs at least 8 (checkpoint, k) targets, got " + std::to_string(targets.size()));
  std::vector<Observation> obs;
  obs.reserve(targets.size());
  for (const PassPoint& p : targets) obs.push_back({LawInput{p.n, p.d, p.k}, p.neg_log_pass, 1.0});
  const std::size_t M = obs.size();

  // Exhaustive exponent grid with the linear part by NNLS (variable projection).
  const int G = 20;
  auto expo = [](int i) { return 0.02 + 1.98 * i / (G - 1); };
  std::vector<Eigen::VectorXd> U(G), V(G), W(G);
  for (int i = 0; i < G; ++i) {
    U[i].resize(M), V[i].resize(M), W[i].resize(M);
    for (std::size_t m = 0; m < M; ++m) {
      U[i][m] = std::pow(obs[m].x.n, -expo(i));
      V[i][m] = std::pow(obs[m].x.d, -expo(i));
      W[i][m] = std::pow(obs[m].x.k, -expo(i));
    }
  }
  Eigen::VectorXd y(M), one = Eigen::VectorXd::Ones(M);
  for (std::size_t m = 0; m < M; ++m) y[m] = obs[m].y;
  const double yy = y.squaredNorm();
  struct Cand {
    double sse;
    std::vector<double> theta;
  };
  std::vector<Cand> cands;
  for (int ia = 0; ia < G; ++ia)
    for (int ib = 0; ib < G; ++ib)
      for (int ig = 0; ig < G; ++ig) {
        const Eigen::VectorXd* f[4] = {&one, &U[ia], &V[ib], &W[ig]};
        Eigen::Matrix4d Gm;
        Eigen::Vector4d r;
        for (int a = 0; a < 4; ++a) {
          r[a] = f[a]->dot(y);
          for (int b = a; b < 4; ++b) Gm(a, b) = Gm(b, a) = f[a]->dot(*f[b]);
        }
        Nnls4 s = nnls4(Gm, r, yy);
        if (!std::isfinite(s.sse)) continue;
        auto pos = [](double v) { return std::max(v, 1e-8); };
        cands.push_back({s.sse, {pos(s.x[0]), pos(s.x[1]), pos(s.x[2]), expo(ia), expo(ib), pos(s.x[3]), expo(ig)}});
      }
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.sse < b.sse; });
  std::vector<std::vector<double>> starts;
  for (int i = 0; i < o.projected_starts && i < static_cast<int>(cands.size()); ++i) starts.push_back(cands[i].theta);
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> U01(0, 1);
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * U01(rng); };
  for (int i = 0; i < o.random_starts; ++i)
    starts.push_back({std::exp(uni(-3, 2)), std::exp(uni(0, 15)), std::exp(uni(0, 15)), uni(0.05, 1.5), uni(0.05, 1.5),
                      std::exp(uni(-3, 3)), uni(0.05, 1.5)});

  T2LossLaw law;
  LeastSquaresFit f = fit_least_squares(law, obs, starts, o.solver);
  LossLawFit out;
  out.theta = f.theta;
  out.sse = f.sse;
  out.points = static_cast<std::uint32_t>(M);
  out.starts_tried = f.starts_tried;
  out.starts_at_best = f.starts_at_best;
  out.rmse = std::sqrt(f.sse / M);
  double mean = 0, tot = 0, res = 0;
  int used = 0;
  for (const Observation& ob : obs)
    if (ob.y > 0) mean += std::log(ob.y), ++used;
  mean /= std::max(used, 1);
  for (const Observation& ob : obs) {
    if (!(ob.y > 0)) continue;
    double pr = std::max(law.predict(f.theta, ob.x), 1e-300);
    res += (std::log(pr) - std::log(ob.y)) * (std::log(pr) - std::log(ob.y));
    tot += (std::log(ob.y) - mean) * (std::log(ob.y) - mean);
  }
  out.r2_log = tot > 0 ? 1 - res / tot : 1.0;
  out.source = o.source;
  out.k_grid = o.k_grid;
  return out;
}

LossLawFit fit_loss_law(const FitData& data, const LossFitOptions& o) {
  if (data.outcomes.empty()) throw FitError("t2-loss fit needs per-problem outcomes (task results); none given");
  std::vector<double> ks = o.k_grid;
  if (ks.empty()) {
    double kmax = o.k_max;
    if (o.source == PassSource::sampled) {
      std::uint32_t mn = UINT32_MAX;
      for (const ProblemOutcome& p : data.outcomes) mn = std::min(mn, p.n);
      kmax = mn;
    }
    ks = default_k_grid(std::max(1.0, kmax));
  }
  LossFitOptions o2 = o;
  o2.k_grid = ks;
  return fit_loss_law(empirical_pass_at_k(data, o.source, ks), o2);
}

}  // namespace t2

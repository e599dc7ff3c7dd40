// chinchilla.cpp — Approach 3 of Hoffmann et al. 2022 (see chinchilla.hpp).
// The objective works in the log-sum-exp parameterisation p = (a, b, e, alpha, beta) of
// App. D.2: log Lhat_i = LSE(a - alpha x_i, b - beta y_i, e), x = log N, y = log D, with the
// analytic gradient (softmax weights of the three terms), evaluated over Eigen arrays so that
// exp and log are vectorised. Starts run independently on a few threads; the best objective wins
// (ties: lowest start index, so the answer does not depend on the number of threads).
#include "orchestrator/laws/chinchilla.hpp"

#include <Eigen/Dense>
#include <ceres/first_order_function.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <thread>

#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/lbfgs.hpp"
#include "orchestrator/laws/ceres_logging.hpp"
#include "orchestrator/laws/chinchilla_kernel.hpp"
#include "orchestrator/laws/least_squares.hpp"

namespace t2 {

double ChinchillaParams::loss(double n, double d) const { return E + A / std::pow(n, alpha) + B / std::pow(d, beta); }

ChinchillaParams hoffmann_2022() { return {1.69, 406.4, 410.7, 0.34, 0.28}; }

ChinchillaOptimum chinchilla_optimum(const ChinchillaParams& p, double c) {
  // Hoffmann et al. Eq. 4 (paper notes §10.1).
  double s = p.alpha + p.beta;
  double G = std::pow(p.alpha * p.A / (p.beta * p.B), 1.0 / s);
  ChinchillaOptimum o;
  o.n = G * std::pow(c / 6.0, p.beta / s);
  o.d = std::pow(c / 6.0, p.alpha / s) / G;
  return o;
}

// ---- ChinchillaLaw ----

std::vector<ParamSpec> ChinchillaLaw::params() const {
  return {{"E", 0, 1e3, false}, {"A", 1e-12, 1e30, true}, {"B", 1e-12, 1e30, true}, {"alpha", 0, 5, false},
          {"beta", 0, 5, false}};
}

double ChinchillaLaw::predict(std::span<const double> t, const LawInput& x) const {
  return t[0] + t[1] * std::pow(x.n, -t[3]) + t[2] * std::pow(x.d, -t[4]);
}

double ChinchillaLaw::gradient(std::span<const double> t, const LawInput& x, std::span<double> g) const {
  double na = std::pow(x.n, -t[3]), db = std::pow(x.d, -t[4]);
  g[0] = 1;
  g[1] = na;
  g[2] = db;
  g[3] = -t[1] * na * std::log(x.n);
  g[4] = -t[2] * db * std::log(x.d);
  return t[0] + t[1] * na + t[2] * db;
}

// Hoffmann's initialisation grid (Epoch's "Replicate exactly" cell, paper notes §10.1), in LSE units.
static std::vector<std::array<double, 5>> hoffmann_grid_lse() {
  std::vector<std::array<double, 5>> g;
  g.reserve(4500);
  for (int ia = 0; ia <= 5; ++ia)
    for (int ib = 0; ib <= 5; ++ib)
      for (int ie = 0; ie <= 4; ++ie)
        for (int ial = 0; ial <= 4; ++ial)
          for (int ibe = 0; ibe <= 4; ++ibe) g.push_back({5.0 * ia, 5.0 * ib, -1 + 0.5 * ie, 0.5 * ial, 0.5 * ibe});
  return g;
}

std::vector<std::vector<double>> ChinchillaLaw::starts() const {
  std::vector<std::vector<double>> out;
  for (const auto& s : hoffmann_grid_lse()) out.push_back({std::exp(s[2]), std::exp(s[0]), std::exp(s[1]), s[3], s[4]});
  return out;
}

// ---- the Approach-3 objective ----

namespace {

struct Columns {
  Eigen::ArrayXd x, y, logl, w;  // log N, log D, log L, weight
};

Columns columns(const std::vector<LossPoint>& pts) {
  Columns c;
  auto n = static_cast<Eigen::Index>(pts.size());
  c.x.resize(n), c.y.resize(n), c.logl.resize(n), c.w.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    c.x[i] = std::log(pts[i].n);
    c.y[i] = std::log(pts[i].d);
    c.logl[i] = std::log(pts[i].loss);
    c.w[i] = pts[i].weight;
  }
  return c;
}

// sum_i w_i Huber(LSE(...) - log L_i) and its gradient in (a, b, e, alpha, beta); the loop is
// chinchilla_kernel.cpp. Parameters that would put an exponent outside [-700, 700] for some point
// are rejected as infeasible (the line search backs off), so the kernel never sees inf.
class HuberLse final : public ceres::FirstOrderFunction {
 public:
  HuberLse(const Columns& c, double delta) : c_(c), delta_(delta) {
    xmin_ = c.x.minCoeff(), xmax_ = c.x.maxCoeff(), ymin_ = c.y.minCoeff(), ymax_ = c.y.maxCoeff();
  }
  int NumParameters() const override { return 5; }
  bool Evaluate(const double* p, double* cost, double* grad) const override {
    for (int j = 0; j < 5; ++j)
      if (!std::isfinite(p[j])) return false;
    auto within = [](double v) { return std::abs(v) < 700; };
    if (!within(p[0] - p[3] * xmin_) || !within(p[0] - p[3] * xmax_) || !within(p[1] - p[4] * ymin_) ||
        !within(p[1] - p[4] * ymax_) || !within(p[2]))
      return false;
    double f = detail::huber_lse(c_.x.data(), c_.y.data(), c_.logl.data(), c_.w.data(),
                                 static_cast<std::size_t>(c_.x.size()), p, delta_, grad);
    if (!std::isfinite(f)) return false;
    *cost = f;
    return true;
  }

 private:
  const Columns& c_;
  double delta_;
  double xmin_, xmax_, ymin_, ymax_;
};

struct StartResult {
  std::array<double, 5> p;
  double cost = INFINITY;
};

StartResult run_start(const HuberLse& f, const std::array<double, 5>& start, const ChinchillaFitOptions& o) {
  StartResult r;
  std::vector<double> x(start.begin(), start.end());
  LbfgsOptions lo;
  lo.max_iterations = o.max_iterations;
  lo.function_tolerance = o.function_tolerance;
  LbfgsResult res = lbfgs_minimize([&](const double* p, double* c, double* g) { return f.Evaluate(p, c, g); }, x, lo);
  std::copy(x.begin(), x.end(), r.p.begin());
  r.cost = res.ok ? res.f : INFINITY;
  return r;
}

}  // namespace

double chinchilla_objective(const std::vector<LossPoint>& points, const double p[5], double delta) {
  Columns c = columns(points);
  HuberLse f(c, delta);
  double cost = 0;
  if (!f.Evaluate(p, &cost, nullptr)) return INFINITY;
  return cost;
}

static void check_points(const std::vector<LossPoint>& points) {
  if (points.size() < 5)
    throw FitError("Chinchilla fit needs at least 5 (N, D, loss) points, got " + std::to_string(points.size()));
  for (const LossPoint& p : points)
    if (!(p.n > 0) || !(p.d > 0) || !(p.loss > 0) || !std::isfinite(p.loss) || !(p.weight >= 0))
      throw FitError("Chinchilla fit: every point needs N > 0, D > 0 and a finite loss > 0");
}

static void fill_quality(ChinchillaFit& fit, const std::vector<LossPoint>& points) {
  double ss = 0, mean = 0;
  for (const LossPoint& p : points) mean += std::log(p.loss);
  mean /= points.size();
  double tot = 0;
  for (const LossPoint& p : points) {
    double r = std::log(fit.params.loss(p.n, p.d)) - std::log(p.loss);
    ss += r * r;
    tot += (std::log(p.loss) - mean) * (std::log(p.loss) - mean);
  }
  fit.points = static_cast<std::uint32_t>(points.size());
  fit.rmse_log = std::sqrt(ss / points.size());
  fit.r2_log = tot > 0 ? 1 - ss / tot : 1.0;
}

static int thread_count(int requested, std::size_t work) {
  int t = requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<int>(std::min<std::size_t>(t, std::max<std::size_t>(1, work)));
}

// The projected search's starts (see ChinchillaSearch::projected): per exponent cell, E, A, B >= 0
// minimising sum w ((E + A u + B v - L) / L)^2 (relative residuals approximate log residuals),
// scored by the Huber objective; the best `keep` cells, in LSE units.
static std::vector<std::array<double, 5>> projected_starts(const Columns& c, double delta, int keep, std::uint32_t& cells) {
  const int G = 64;
  auto expo = [](int i) { return 0.02 + (2.5 - 0.02) * i / (G - 1); };
  const Eigen::Index n = c.x.size();
  Eigen::ArrayXd invL = (-c.logl).exp();
  Eigen::ArrayXd w = c.w * invL.square();  // weights of (E + A u + B v - L)^2
  std::vector<Eigen::ArrayXd> U(G), V(G);
  for (int i = 0; i < G; ++i) U[i] = (-expo(i) * c.x).exp(), V[i] = (-expo(i) * c.y).exp();
  Eigen::ArrayXd L = c.logl.exp();
  const double s11 = w.sum(), s1L = (w * L).sum();
  std::vector<double> su(G), suu(G), suL(G), sv(G), svv(G), svL(G);
  for (int i = 0; i < G; ++i) {
    su[i] = (w * U[i]).sum(), suu[i] = (w * U[i].square()).sum(), suL[i] = (w * U[i] * L).sum();
    sv[i] = (w * V[i]).sum(), svv[i] = (w * V[i].square()).sum(), svL[i] = (w * V[i] * L).sum();
  }
  struct Cell {
    double f;
    std::array<double, 5> p;
  };
  std::vector<Cell> scored;
  scored.reserve(G * G);
  for (int ia = 0; ia < G; ++ia)
    for (int ib = 0; ib < G; ++ib) {
      double suv = (w * U[ia] * V[ib]).sum();
      Eigen::Matrix3d M;
      M << s11, su[ia], sv[ib], su[ia], suu[ia], suv, sv[ib], suv, svv[ib];
      Eigen::Vector3d r(s1L, suL[ia], svL[ib]);
      // Non-negative least squares by enumerating the 7 active sets (exact for 3 unknowns).
      Eigen::Vector3d best = Eigen::Vector3d::Zero();
      double best_q = INFINITY;
      for (int mask = 1; mask < 8; ++mask) {
        int idx[3], m = 0;
        for (int j = 0; j < 3; ++j)
          if (mask & (1 << j)) idx[m++] = j;
        Eigen::MatrixXd Ms(m, m);
        Eigen::VectorXd rs(m);
        for (int a = 0; a < m; ++a) {
          rs[a] = r[idx[a]];
          for (int b = 0; b < m; ++b) Ms(a, b) = M(idx[a], idx[b]);
        }
        Eigen::LDLT<Eigen::MatrixXd> ldlt(Ms);
        if (ldlt.info() != Eigen::Success) continue;
        Eigen::VectorXd xs = ldlt.solve(rs);
        if (!xs.allFinite() || (xs.array() < 0).any()) continue;
        Eigen::Vector3d x = Eigen::Vector3d::Zero();
        for (int a = 0; a < m; ++a) x[idx[a]] = xs[a];
        double q = x.dot(M * x) - 2 * r.dot(x);  // SSE up to a constant
        if (q < best_q) best_q = q, best = x;
      }
      if (!std::isfinite(best_q)) continue;
      std::array<double, 5> p = {std::log(std::max(best[1], 1e-200)), std::log(std::max(best[2], 1e-200)),
                                 std::log(std::max(best[0], 1e-12)), expo(ia), expo(ib)};
      double f = detail::huber_lse(c.x.data(), c.y.data(), c.logl.data(), c.w.data(), static_cast<std::size_t>(n), p.data(),
                                   delta, nullptr);
      if (std::isfinite(f)) scored.push_back({f, p});
    }
  cells = static_cast<std::uint32_t>(G * G);
  std::size_t k = std::min<std::size_t>(std::max(keep, 1), scored.size());
  std::partial_sort(scored.begin(), scored.begin() + k, scored.end(), [](const Cell& a, const Cell& b) {
    return a.f < b.f || (a.f == b.f && a.p < b.p);
  });
  std::vector<std::array<double, 5>> out;
  for (std::size_t i = 0; i < k; ++i) out.push_back(scored[i].p);
  return out;
}

ChinchillaFit fit_chinchilla(const std::vector<LossPoint>& points, const ChinchillaFitOptions& o) {
  detail::quiet_ceres_logging();
  check_points(points);
  Columns cols = columns(points);
  std::vector<std::array<double, 5>> starts;
  for (const ChinchillaParams& s : o.starts)
    starts.push_back({std::log(std::max(s.A, 1e-300)), std::log(std::max(s.B, 1e-300)), std::log(std::max(s.E, 1e-300)),
                      s.alpha, s.beta});
  std::uint32_t cells = 0;
  if (o.full_grid && o.search == ChinchillaSearch::hoffmann_grid) {
    auto g = hoffmann_grid_lse();
    starts.insert(starts.end(), g.begin(), g.end());
  } else if (o.full_grid) {
    auto g = projected_starts(cols, o.huber_delta, o.refine, cells);
    starts.insert(starts.end(), g.begin(), g.end());
  }
  if (starts.empty()) throw FitError("Chinchilla fit: no starting points (full_grid off and no starts given)");

  std::vector<StartResult> results(starts.size());
  int nt = thread_count(o.threads, starts.size());
  auto work = [&](int t) {
    HuberLse f(cols, o.huber_delta);
    for (std::size_t i = t; i < starts.size(); i += nt) results[i] = run_start(f, starts[i], o);
  };
  if (nt == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < nt; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < results.size(); ++i)
    if (results[i].cost < results[best].cost) best = i;
  if (!std::isfinite(results[best].cost)) throw FitError("Chinchilla fit: no start reached a finite objective");

  ChinchillaFit fit;
  const auto& p = results[best].p;
  fit.params = {std::exp(p[2]), std::exp(p[0]), std::exp(p[1]), p[3], p[4]};
  fit.objective = results[best].cost;
  fit.starts_tried = static_cast<std::uint32_t>(starts.size());
  fit.cells = cells;
  for (const auto& r : results)
    if (r.cost <= fit.objective * (1 + 1e-9) + 1e-300) ++fit.starts_at_best;
  fill_quality(fit, points);
  return fit;
}

// ---- E profiled over a grid, the rest by variable projection (App. F stage 1) ----

namespace {

// Weighted NNLS for y = A u + B v with A, B >= 0 given the Gram sums; returns SSE - sum w y^2 offset-free.
struct Nnls2 {
  double A = 0, B = 0, sse = INFINITY;
};

Nnls2 nnls2(double uu, double uv, double vv, double uy, double vy, double yy) {
  Nnls2 best;
  auto consider = [&](double A, double B) {
    if (A < 0 || B < 0) return;
    double sse = yy - 2 * (A * uy + B * vy) + A * A * uu + 2 * A * B * uv + B * B * vv;
    if (sse < best.sse) best = {A, B, sse};
  };
  double det = uu * vv - uv * uv;
  if (det > 1e-300 * std::max(1.0, uu * vv)) consider((uy * vv - vy * uv) / det, (vy * uu - uy * uv) / det);
  if (uu > 0) consider(std::max(0.0, uy / uu), 0);
  if (vv > 0) consider(0, std::max(0.0, vy / vv));
  consider(0, 0);
  return best;
}

}  // namespace

ChinchillaFit fit_chinchilla_profiled(const std::vector<LossPoint>& points, int e_grid_size) {
  check_points(points);
  if (e_grid_size < 1) throw std::invalid_argument("e_grid_size must be >= 1");
  double min_loss = INFINITY;
  for (const LossPoint& p : points) min_loss = std::min(min_loss, p.loss);

  // Exhaustive exponent grid: the Gram sums per (alpha, beta) do not depend on E.
  const int G = 60;
  auto expo = [](int i) { return 0.05 + 1.95 * i / (G - 1); };
  std::vector<double> un(points.size()), vd(points.size());
  struct Sums {
    double uu, uv, vv, uL, vL, u1, v1;
  };
  std::vector<Sums> sums(G * G);
  for (int ia = 0; ia < G; ++ia)
    for (int ib = 0; ib < G; ++ib) {
      Sums s{};
      for (std::size_t i = 0; i < points.size(); ++i) {
        const LossPoint& p = points[i];
        double u = std::pow(p.n, -expo(ia)), v = std::pow(p.d, -expo(ib)), w = p.weight;
        s.uu += w * u * u, s.uv += w * u * v, s.vv += w * v * v;
        s.uL += w * u * p.loss, s.vL += w * v * p.loss, s.u1 += w * u, s.v1 += w * v;
      }
      sums[ia * G + ib] = s;
    }
  double w1 = 0, wL = 0, wLL = 0;
  for (const LossPoint& p : points) w1 += p.weight, wL += p.weight * p.loss, wLL += p.weight * p.loss * p.loss;

  ChinchillaFit best;
  best.objective = INFINITY;
  ChinchillaLaw law;
  std::uint32_t tried = 0;
  for (int ie = 0; ie < e_grid_size; ++ie) {
    double E = min_loss * (e_grid_size == 1 ? 0.5 : 0.01 + (0.95 - 0.01) * ie / (e_grid_size - 1));
    // y = L - E: sum w y^2, sum w u y, sum w v y from the precomputed sums.
    double yy = wLL - 2 * E * wL + E * E * w1;
    Nnls2 bestg;
    int bi = 0;
    for (int k = 0; k < G * G; ++k) {
      const Sums& s = sums[k];
      Nnls2 r = nnls2(s.uu, s.uv, s.vv, s.uL - E * s.u1, s.vL - E * s.v1, yy);
      if (r.sse < bestg.sse) bestg = r, bi = k;
    }
    // Refine (A, B, alpha, beta) with E held fixed.
    std::vector<double> start = {E, std::max(bestg.A, 1e-12), std::max(bestg.B, 1e-12), expo(bi / G), expo(bi % G)};
    std::vector<Observation> obs;
    obs.reserve(points.size());
    for (const LossPoint& p : points) obs.push_back({LawInput{p.n, p.d, 1}, p.loss, p.weight});
    LeastSquaresOptions lo;
    LeastSquaresFit f = fit_least_squares_from(law, obs, start, lo, {0});
    ++tried;
    if (f.sse < best.objective) {
      best.objective = f.sse;
      best.params = ChinchillaParams::from_theta(f.theta);
    }
  }
  best.starts_tried = tried;
  best.starts_at_best = 1;
  fill_quality(best, points);
  return best;
}

}  // namespace t2

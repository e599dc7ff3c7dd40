// chinchilla.hpp — the Chinchilla loss law L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al.
// 2022, Eq. 2) and its Approach-3 fit: log-sum-exp form, Huber (delta = 1e-3) on log residuals,
// L-BFGS from a grid of starts, best objective kept (paper notes §10.1, §10.2): Hoffmann's 4,500
// starts, or (default) an exhaustive exponent grid with the linear part projected out.
// Also the closed-form compute-optimal frontier (Hoffmann Eq. 4). No data source, no CLI.
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/laws/law.hpp"

namespace t2 {

struct ChinchillaParams {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
  double loss(double n, double d) const;  // E + A/N^alpha + B/D^beta
  std::vector<double> theta() const { return {E, A, B, alpha, beta}; }
  static ChinchillaParams from_theta(std::span<const double> t) { return {t[0], t[1], t[2], t[3], t[4]}; }
};

// Hoffmann et al. 2022's published Approach-3 values (E = 1.69, A = 406.4, B = 410.7,
// alpha = 0.34, beta = 0.28).
ChinchillaParams hoffmann_2022();

// Closed-form compute-optimal allocation for C = 6ND (Hoffmann Eq. 4):
// N_opt = G (C/6)^(beta/(alpha+beta)), D_opt = G^-1 (C/6)^(alpha/(alpha+beta)),
// G = (alpha A / (beta B))^(1/(alpha+beta)).
struct ChinchillaOptimum {
  double n = 0, d = 0;
};
ChinchillaOptimum chinchilla_optimum(const ChinchillaParams&, double train_flops);

// The law as a Law (k ignored): params E, A, B, alpha, beta; goal minimise.
class ChinchillaLaw final : public Law {
 public:
  std::string name() const override { return "chinchilla"; }
  std::string quantity() const override { return "loss (nats/token)"; }
  Goal goal() const override { return Goal::minimize; }
  bool uses_k() const override { return false; }
  std::vector<ParamSpec> params() const override;
  double predict(std::span<const double> theta, const LawInput& x) const override;
  double gradient(std::span<const double> theta, const LawInput& x, std::span<double> grad) const override;
  // Hoffmann's grid mapped to natural units: alpha, beta in {0, .5, .., 2}, E = e^{-1..1 step .5},
  // A, B = e^{0, 5, .., 25}: 5*5*5*6*6 = 4,500 starts.
  std::vector<std::vector<double>> starts() const override;
};

// One observation for the fit: (N, D) and the observed loss (> 0).
struct LossPoint {
  double n = 0, d = 0, loss = 0;
  double weight = 1;  // multiplies the point's term in the objective
};

// How the global optimum is searched for.
//  projected (default): variable projection. For fixed exponents the law is linear in E, A, B,
//    so every (alpha, beta) of an exhaustive 64 x 64 grid over [0.02, 2.5]^2 (spanning the 25
//    exponent pairs of Hoffmann's grid, 0 to 2) gets its E, A, B from non-negative least squares on
//    relative residuals (~ log residuals), is scored by the Huber objective, and the best
//    `refine` cells are refined jointly by L-BFGS. Replaces the 180 (e, a, b) starts per
//    exponent pair of the grid by the linear part's optimum: ~100x less work.
//  hoffmann_grid: L-BFGS from each of the 4,500 starts (the literal procedure; Epoch's
//    "Replicate exactly"), kept for comparison and for users who want exactly that.
enum class ChinchillaSearch { projected, hoffmann_grid };

struct ChinchillaFitOptions {
  double huber_delta = 1e-3;      // on log residuals (Hoffmann App. D.2)
  bool full_grid = true;          // true: search (below) plus `starts`; false: only `starts`
  ChinchillaSearch search = ChinchillaSearch::projected;
  int refine = 16;                // projected: grid cells refined by L-BFGS
  std::vector<ChinchillaParams> starts;  // extra starts tried first (e.g. the full-data optimum in a bootstrap)
  int max_iterations = 500;       // per start (L-BFGS)
  double function_tolerance = 1e-12;  // relative change of the objective that stops a start
  int threads = 0;                // worker threads over starts; 0 = hardware_concurrency
};

struct ChinchillaFit {
  ChinchillaParams params;
  double objective = 0;           // sum of Huber terms at the optimum
  std::uint32_t starts_tried = 0;    // L-BFGS runs
  std::uint32_t cells = 0;           // projected search: exponent cells scored
  std::uint32_t starts_at_best = 0;  // starts that ended within 1e-9 (relative) of the best objective
  std::uint32_t points = 0;
  double rmse_log = 0;            // sqrt(mean (log Lhat - log L)^2)
  double r2_log = 0;              // 1 - SS_res/SS_tot in log space
};

// Fits Approach 3 to the points; throws FitError for fewer than 5 points or non-positive values.
ChinchillaFit fit_chinchilla(const std::vector<LossPoint>& points, const ChinchillaFitOptions& options = {});

// The objective being minimised, for one parameter vector in LSE form (a, b, e, alpha, beta):
// sum_i w_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i). For benchmarks
// and tests.
double chinchilla_objective(const std::vector<LossPoint>& points, const double lse_params[5], double huber_delta = 1e-3);

// Chinchilla with E profiled over a grid (the paper's stage 1 of Approach 2, App. F): for each of
// `e_grid_size` values of E linearly spaced in [0.01, 0.95] * min(loss), the remaining
// (A, B, alpha, beta) are fitted by SSE on the loss (variable projection: A, B by non-negative
// least squares for fixed exponents, exponents by an exhaustive 60 x 60 grid over [0.05, 2],
// then Levenberg-Marquardt).
// LossPoint::weight multiplies each squared residual.
ChinchillaFit fit_chinchilla_profiled(const std::vector<LossPoint>& points, int e_grid_size = 40);

}  // namespace t2

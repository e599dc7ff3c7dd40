// chinchilla_test.cpp — Approach 3: recovery of known parameters, the multi-start grid, the
// E-profiled fit, and the closed-form optimum.
#include <catch2/catch.hpp>

#include <cmath>

#include "orchestrator/laws/chinchilla.hpp"
#include "tests/laws/synth.hpp"

using namespace t2;

TEST_CASE("Approach 3 recovers Hoffmann's parameters from noisy losses") {
  // 72 points, 0.5% log-normal noise. Tolerances: exponents +-0.03, E +-0.05, A and B within 40%
  // (A, B are strongly correlated with the exponents; Epoch's SE on A is ~25% with 240 points).
  auto pts = test::chinchilla_points(hoffmann_2022(), 0.005, 7);
  ChinchillaFitOptions o;
  SECTION("projected search") { CHECK(fit_chinchilla(pts, o).cells == 64 * 64); }
  SECTION("Hoffmann's 4,500-start grid") {
    o.search = ChinchillaSearch::hoffmann_grid;
    CHECK(fit_chinchilla(pts, o).starts_tried == 4500);
  }
  ChinchillaFit f = fit_chinchilla(pts, o);
  INFO("E=" << f.params.E << " A=" << f.params.A << " B=" << f.params.B << " alpha=" << f.params.alpha
            << " beta=" << f.params.beta);
  CHECK(f.params.alpha == Approx(0.34).margin(0.03));
  CHECK(f.params.beta == Approx(0.28).margin(0.03));
  CHECK(f.params.E == Approx(1.69).margin(0.05));
  CHECK(std::abs(std::log(f.params.A / 406.4)) < std::log(1.4));
  CHECK(std::abs(std::log(f.params.B / 410.7)) < std::log(1.4));
  CHECK(f.r2_log > 0.99);
  CHECK(f.rmse_log < 0.01);
}

TEST_CASE("the grid fit finds the global optimum where a single start does not") {
  // Noise-free data: the global optimum has objective ~0. Start in a far corner of the grid
  // (A = e^25 with alpha = 0 makes A/N^alpha a huge constant, B-term flat): L-BFGS stalls in the
  // alpha = 0 plateau / another basin, while the 4,500-start grid reaches the truth.
  auto pts = test::chinchilla_points(hoffmann_2022(), 0.0, 1);
  ChinchillaFitOptions one;
  one.full_grid = false;
  one.starts = {ChinchillaParams{std::exp(1.0), std::exp(0.0), std::exp(25.0), 2.0, 0.0}};
  ChinchillaFit single = fit_chinchilla(pts, one);
  ChinchillaFitOptions hg;
  hg.search = ChinchillaSearch::hoffmann_grid;
  ChinchillaFit grid = fit_chinchilla(pts, hg);
  ChinchillaFit projected = fit_chinchilla(pts);
  INFO("single: objective " << single.objective << " alpha " << single.params.alpha << "; grid: " << grid.objective
                            << "; projected: " << projected.objective);
  CHECK(single.objective > 1e3 * grid.objective + 1e-6);
  CHECK(projected.objective <= grid.objective * (1 + 1e-6) + 1e-12);
  CHECK(projected.params.alpha == Approx(0.34).margin(1e-3));
  CHECK(grid.params.alpha == Approx(0.34).margin(1e-3));
  CHECK(grid.params.beta == Approx(0.28).margin(1e-3));
  CHECK(grid.starts_at_best >= 1);
}

TEST_CASE("the projected search and the 4,500-start grid reach the same optimum") {
  for (std::uint64_t seed : {21, 22, 23}) {
    auto pts = test::chinchilla_points(ChinchillaParams{2.0, 900, 3000, 0.4, 0.38}, 0.015, seed, 6, 8);
    ChinchillaFitOptions hg;
    hg.search = ChinchillaSearch::hoffmann_grid;
    double g = fit_chinchilla(pts, hg).objective, p = fit_chinchilla(pts).objective;
    CHECK(p <= g * (1 + 1e-6));
  }
}

TEST_CASE("the fit is the same whatever the number of threads") {
  auto pts = test::chinchilla_points(hoffmann_2022(), 0.01, 3, 5, 7);
  ChinchillaFitOptions a, b;
  a.search = b.search = ChinchillaSearch::hoffmann_grid;
  a.threads = 1;
  b.threads = 2;
  ChinchillaFit fa = fit_chinchilla(pts, a), fb = fit_chinchilla(pts, b);
  CHECK(fa.objective == fb.objective);
  CHECK(fa.params.alpha == fb.params.alpha);
}

TEST_CASE("the E-profiled least-squares fit (paper App. F stage 1) recovers a law") {
  ChinchillaParams truth{3.0, 800.0, 2000.0, 0.4, 0.35};
  auto pts = test::chinchilla_points(truth, 0.002, 11);
  ChinchillaFit f = fit_chinchilla_profiled(pts, 40);
  INFO("E=" << f.params.E << " alpha=" << f.params.alpha << " beta=" << f.params.beta);
  // E lies on a 40-point grid in [0.01, 0.95] * min(loss): within one grid step of the truth.
  double step = (0.95 - 0.01) * 3.3 / 39;
  CHECK(std::abs(f.params.E - truth.E) < 1.5 * step);
  CHECK(f.params.alpha == Approx(0.4).margin(0.05));
  CHECK(f.params.beta == Approx(0.35).margin(0.05));
  CHECK(f.r2_log > 0.99);
}

TEST_CASE("closed-form Chinchilla optimum satisfies C = 6ND and minimises the law") {
  ChinchillaParams h = hoffmann_2022();
  double c = 5.76e23;
  ChinchillaOptimum o = chinchilla_optimum(h, c);
  CHECK(6 * o.n * o.d == Approx(c).epsilon(1e-9));
  // Paper notes §10.1 [D]: with the rounded values N ~ 32B, D/N ~ 93 at 5.76e23.
  CHECK(o.n / 1e9 == Approx(32).margin(3));
  CHECK(o.d / o.n == Approx(93).margin(8));
  for (double f : {0.9, 1.1}) CHECK(h.loss(o.n * f, c / (6 * o.n * f)) > h.loss(o.n, o.d));
}

TEST_CASE("too few or bad points are refused with a readable error") {
  std::vector<LossPoint> few = {{1e8, 1e9, 3, 1}, {2e8, 1e9, 2.9, 1}};
  CHECK_THROWS_WITH(fit_chinchilla(few), Catch::Contains("at least 5"));
  auto pts = test::chinchilla_points(hoffmann_2022(), 0.0, 1, 2, 3);
  pts[0].loss = -1;
  CHECK_THROWS_AS(fit_chinchilla(pts), FitError);
}

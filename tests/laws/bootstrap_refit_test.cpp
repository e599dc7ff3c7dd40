// bootstrap_refit_test.cpp — what fit_with_bootstrap resamples for each law (issue 9, item 7):
// t2-loss resamples problems too, as t2-accuracy does, since both laws' targets are means over
// problems.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "orchestrator/laws/fit.hpp"
#include "tests/laws/synth.hpp"

using namespace t2;

TEST_CASE("t2-loss bootstrap replicates vary with the problems even when checkpoints are not resampled") {
  // Per-problem NLLs that differ by problem: only a problem resample changes the targets.
  FitData data;
  data.task = "t";
  std::mt19937_64 rng(4);
  std::normal_distribution<double> z(0, 0.5);
  std::vector<double> hard(40);
  for (double& h : hard) h = z(rng);
  ChinchillaParams h = hoffmann_2022();
  std::uint32_t i = 0;
  for (auto [n, d] : test::sweep_grid(4, 6)) {
    double L = h.loss(n, d);
    data.checkpoints.push_back({n, d, L, i});
    for (std::uint32_t q = 0; q < hard.size(); ++q) data.outcomes.push_back({i, q, 0, 0, (L - 1.5) * std::exp(hard[q])});
    ++i;
  }
  FitOptions fo;
  fo.law = "t2-loss";
  fo.k_max = 16;
  BootstrapOptions bo;
  bo.replicates = 3, bo.seed = 5, bo.resample_checkpoints = false, bo.threads = 1;
  LawFit r = fit_with_bootstrap(data, fo, bo);
  REQUIRE(r.bootstrap.replicates.size() == 3);
  // E + G (the k-independent level at k = 1) moves with the resampled problems' mean NLL.
  auto level = [](const std::vector<double>& t) { return t[0] + t[5]; };
  CHECK(level(r.bootstrap.replicates[0]) != Approx(level(r.bootstrap.replicates[1])).epsilon(1e-6));
  CHECK(level(r.bootstrap.replicates[1]) != Approx(level(r.bootstrap.replicates[2])).epsilon(1e-6));
}

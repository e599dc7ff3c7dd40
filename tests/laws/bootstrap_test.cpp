// bootstrap_test.cpp — resampling is deterministic, intervals cover the truth at about their
// nominal rate, and fit_with_bootstrap wires it together.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "orchestrator/laws/bootstrap.hpp"
#include "orchestrator/laws/fit.hpp"
#include "tests/laws/synth.hpp"

using namespace t2;

static FitData chinchilla_data(double noise, std::uint64_t seed, int levels, int sizes) {
  FitData d;
  std::uint32_t i = 0;
  for (const LossPoint& p : test::chinchilla_points(hoffmann_2022(), noise, seed, levels, sizes))
    d.checkpoints.push_back({p.n, p.d, p.loss, i++});
  return d;
}

TEST_CASE("bootstrap replicates are identical for a seed whatever the number of threads") {
  FitData d = chinchilla_data(0.01, 1, 4, 6);
  FitOptions fo;
  fo.law = "chinchilla";
  BootstrapOptions b;
  b.replicates = 16;
  b.seed = 9;
  b.threads = 1;
  LawFit one = fit_with_bootstrap(d, fo, b);
  b.threads = 2;
  LawFit two = fit_with_bootstrap(d, fo, b);
  REQUIRE(one.bootstrap.replicates.size() == two.bootstrap.replicates.size());
  CHECK(one.bootstrap.replicates == two.bootstrap.replicates);
  b.seed = 10;
  LawFit other = fit_with_bootstrap(d, fo, b);
  CHECK(other.bootstrap.replicates != one.bootstrap.replicates);
  CHECK(one.intervals.size() == 5);
  // The fitted curve's interval brackets the fit and narrows inside the data.
  Interval inside = prediction_interval(one.law, one.bootstrap.replicates, {3e8, 6e9, 1}, 0.9);
  Interval outside = prediction_interval(one.law, one.bootstrap.replicates, {1e12, 2e13, 1}, 0.9);
  CHECK(inside.contains(one.law.score(3e8, 6e9)));
  CHECK(inside.hi - inside.lo < outside.hi - outside.lo);
}

TEST_CASE("resampling problems draws the same problem ids for every checkpoint") {
  FitData d;
  d.checkpoints = {{1e8, 1e9, 3, 0}, {2e8, 1e9, 2.9, 1}};
  for (std::uint32_t c = 0; c < 2; ++c)
    for (std::uint32_t q = 0; q < 50; ++q) d.outcomes.push_back({c, q, 4, q % 5, 1.0});
  BootstrapOptions o;
  o.resample_checkpoints = false;
  o.resample_problems = true;
  FitData r = resample(d, o, 3);
  CHECK(r.outcomes.size() == 100);
  std::vector<std::uint32_t> a, b;
  for (const auto& p : r.outcomes) (p.checkpoint == 0 ? a : b).push_back(p.problem);
  CHECK(a == b);
  CHECK(std::set<std::uint32_t>(a.begin(), a.end()).size() < 50);  // some drawn twice, some not
}

TEST_CASE("bootstrap 90% intervals of the Chinchilla exponents cover the truth at about 90%") {
  // 60 independent data sets (45 points, 2% noise), 100 replicates each: coverage of alpha and
  // beta pooled (120 intervals). Binomial sd at 0.9 is 0.027; accepted range [0.78, 0.99].
  // What is under test is the bootstrap, so the full-data fit starts at the truth (low noise:
  // the same optimum the 4,500-start grid finds, see chinchilla_test) to keep the test fast.
  int covered = 0, total = 0;
  for (std::uint64_t s = 0; s < 60; ++s) {
    FitData d = chinchilla_data(0.02, 100 + s, 5, 9);
    std::vector<LossPoint> pts;
    for (const Checkpoint& c : d.checkpoints) pts.push_back({c.n, c.d, c.loss, 1});
    ChinchillaFitOptions co;
    co.full_grid = false;
    co.threads = 1;
    co.starts = {hoffmann_2022()};
    ChinchillaParams full = fit_chinchilla(pts, co).params;
    BootstrapOptions b;
    b.replicates = 100;
    b.seed = s;
    BootstrapResult r = bootstrap(d, [&](const FitData& x) {
      std::vector<LossPoint> p;
      for (const Checkpoint& c : x.checkpoints) p.push_back({c.n, c.d, c.loss, 1});
      ChinchillaFitOptions w = co;
      w.starts = {full};
      return fit_chinchilla(p, w).params.theta();
    }, b);
    std::vector<Interval> iv = parameter_intervals(r, 0.90);
    covered += iv[3].contains(0.34) + iv[4].contains(0.28);
    total += 2;
  }
  double rate = double(covered) / total;
  INFO("coverage " << rate);
  CHECK(rate >= 0.78);
  CHECK(rate <= 0.99);
}

TEST_CASE("percentile intervals") {
  std::vector<double> v;
  for (int i = 0; i <= 100; ++i) v.push_back(i);
  Interval iv = percentile_interval(v, 0.9);
  CHECK(iv.lo == Approx(5));
  CHECK(iv.hi == Approx(95));
  CHECK(std::isnan(percentile_interval({}, 0.9).lo));
}

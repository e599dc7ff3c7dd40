// isoflop_weights_test.cpp — the inverse-variance weighting of Lhat across isoFLOP groups (paper
// App. F stage 1, as isoflop_weights.hpp defines it): grouping, weights, and that it moves Lhat
// towards the truth when one isoFLOP group is much noisier than the rest.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "orchestrator/laws/isoflop_weights.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "tests/laws/synth.hpp"

using namespace t2;

namespace {

// Hoffmann's law on 8 isoFLOP levels x 9 sizes; log-normal noise 0.2%, except level `noisy` at 8%.
std::vector<LossPoint> one_noisy_group(std::uint64_t seed, int noisy = 3) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  ChinchillaParams t = hoffmann_2022();
  std::vector<LossPoint> pts;
  auto grid = test::sweep_grid(8, 9);
  for (std::size_t i = 0; i < grid.size(); ++i) {
    auto [n, d] = grid[i];
    double sd = static_cast<int>(i / 9) == noisy ? 0.08 : 0.002;
    pts.push_back({n, d, t.loss(n, d) * std::exp(sd * z(rng)), 1});
  }
  return pts;
}

// RMS log error of a fitted law against the truth over the clean points.
double clean_error(const ChinchillaParams& p, const std::vector<LossPoint>& pts, int noisy = 3) {
  ChinchillaParams t = hoffmann_2022();
  double s = 0;
  int m = 0;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (static_cast<int>(i / 9) == noisy) continue;
    double r = std::log(p.loss(pts[i].n, pts[i].d) / t.loss(pts[i].n, pts[i].d));
    s += r * r, ++m;
  }
  return std::sqrt(s / m);
}

}  // namespace

TEST_CASE("isoFLOP groups are the sweep's compute levels") {
  std::vector<LossPoint> pts = one_noisy_group(1);
  std::vector<int> g = isoflop_groups(pts);
  for (std::size_t i = 0; i < pts.size(); ++i) CHECK(g[i] == static_cast<int>(i / 9));
  CHECK(lhat_weights_from_string("inverse_variance") == LhatWeights::inverse_variance);
  CHECK_THROWS_AS(lhat_weights_from_string("inverse"), std::invalid_argument);
}

TEST_CASE("inverse-variance weights down-weight the noisy isoFLOP group and move Lhat towards the truth") {
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    std::vector<LossPoint> pts = one_noisy_group(seed);
    // The profiled SSE fit (Lhat on answer NLL, App. F stage 1), which a noisy group pulls hardest
    // (the training-loss fit's Huber loss is already robust to it).
    ChinchillaFit equal = fit_chinchilla_profiled(pts, 40);
    std::vector<double> w = isoflop_inverse_variance_weights(pts, equal.params, false);
    double mean = 0;
    for (double x : w) mean += x / w.size();
    CHECK(mean == Approx(1).epsilon(1e-12));
    for (std::size_t i = 0; i < pts.size(); ++i)
      if (i / 9 == 3) CHECK(w[i] < 0.2);  // variance (8%)^2 vs (0.2%)^2 + misfit: far below average
    std::vector<LossPoint> wp = pts;
    for (std::size_t i = 0; i < wp.size(); ++i) wp[i].weight = w[i];
    ChinchillaFit weighted = fit_chinchilla_profiled(wp, 40);
    INFO("seed " << seed << ": clean-point error equal " << clean_error(equal.params, pts) << ", weighted "
                 << clean_error(weighted.params, pts));
    CHECK(clean_error(weighted.params, pts) < 0.8 * clean_error(equal.params, pts));
  }
}

TEST_CASE("the accuracy fit's lhat_weights option reweights Lhat (answer NLL source) towards the truth") {
  std::vector<LossPoint> pts = one_noisy_group(7);
  FitData data;
  data.task = "t";
  std::mt19937_64 rng(9);
  for (std::uint32_t i = 0; i < pts.size(); ++i) {
    data.checkpoints.push_back({pts[i].n, pts[i].d, pts[i].loss, i});
    double p = 1 / (1 + std::exp(4 * (pts[i].loss - 3.0)));
    std::binomial_distribution<std::uint32_t> bin(8, p);
    // Every problem's gold-answer NLL is the point's loss, so Lhat's targets are exactly `pts`.
    for (std::uint32_t q = 0; q < 20; ++q) data.outcomes.push_back({i, q, 8, bin(rng), pts[i].loss});
  }
  AccuracyFitOptions o;
  o.lhat = LhatSource::answer_nll;
  o.method = AccuracyMethod::beta_binomial;
  o.fit_both = false;
  o.threads = 1;
  AccuracyFit equal = fit_accuracy_law(data, o);
  o.lhat_weights = LhatWeights::inverse_variance;
  AccuracyFit weighted = fit_accuracy_law(data, o);
  INFO("clean-point error equal " << clean_error(equal.lhat.params, pts) << ", weighted "
                                  << clean_error(weighted.lhat.params, pts));
  CHECK(clean_error(weighted.lhat.params, pts) < 0.8 * clean_error(equal.lhat.params, pts));
}

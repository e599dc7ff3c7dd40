// locality_test.cpp — the local fit (laws/locality.hpp): the weight and its effective sample size,
// that the fit is unchanged when it is off, and that a fit centred on a budget answers for the runs
// near it when the runs far from it follow another law (a truth no single fitted law matches).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/locality.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "orchestrator/laws/warnings.hpp"
#include "tests/laws/synth.hpp"

using namespace t2;

TEST_CASE("the locality weight is a Gaussian in decades of 6ND around its centre") {
  Locality l{1e19, 0.5};
  const double n = 1e8, d = 1e19 / 6 / n;  // 6ND = the centre
  CHECK(l.weight(n, d) == Approx(1));
  CHECK(l.weight(n, 10 * d) == Approx(std::exp(-0.5 * 4)));   // one decade above: z = 2
  CHECK(l.weight(n, d / 10) == Approx(std::exp(-0.5 * 4)));   // and below
  CHECK(l.weight(10 * n, d / 10) == Approx(1));                // the same compute, another (N, D)
  CHECK(Locality{}.weight(n, 1e3 * d) == 1);                   // off: every weight 1
  CHECK_FALSE(Locality{}.on());
  std::vector<double> w = {1, 1, 1, 1};
  CHECK(effective_runs(w) == Approx(4));
  w = {1, 0, 0, 0};
  CHECK(effective_runs(w) == Approx(1));
  CHECK_THROWS_AS(check_locality(Locality{0, 0.5}), std::invalid_argument);
  CHECK_THROWS_AS(check_locality(Locality{1e19, -1}), std::invalid_argument);
  CHECK_THROWS_AS(check_locality(Locality{1e19, NAN}), std::invalid_argument);
}

namespace {

// A sweep whose gold-answer NLL follows Hoffmann's law at and above 6ND = 1e20 FLOPs and a law with
// other exponents and scales below (a regime change no one Chinchilla law fits); success of 16
// samples from a logistic in the NLL. 8 isoFLOP levels 1e18 .. 1.28e20 x 9 sizes.
struct TwoRegimes {
  FitData data;
  ChinchillaParams near = hoffmann_2022();
  ChinchillaParams far{1.69, 406.4, 410.7, 0.32, 0.26};
  static constexpr double kSwitch = 5e19;
};

// top_sizes: how many of the top level's 9 sizes are run.
TwoRegimes two_regimes(std::uint64_t seed, std::uint32_t top_sizes = 9) {
  TwoRegimes t;
  t.data.task = "t";
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 0.003);
  auto grid = test::sweep_grid(8, 9);
  for (std::uint32_t g = 0; g < grid.size(); ++g) {
    if (g >= 7 * 9 + top_sizes) break;
    const auto i = static_cast<std::uint32_t>(t.data.checkpoints.size());
    auto [n, d] = grid[g];
    const ChinchillaParams& law = 6 * n * d >= TwoRegimes::kSwitch ? t.near : t.far;
    double nll = law.loss(n, d) * std::exp(z(rng));
    t.data.checkpoints.push_back({n, d, nll, i});
    double p = 1 / (1 + std::exp(6 * (nll - 2.4)));
    std::binomial_distribution<std::uint32_t> bin(16, p);
    for (std::uint32_t q = 0; q < 24; ++q) t.data.outcomes.push_back({i, q, 16, bin(rng), nll});
  }
  return t;
}

// RMS log error of Lhat against the near law over the runs at and above the switch.
double near_error(const ChinchillaParams& fitted, const TwoRegimes& t) {
  double s = 0;
  int m = 0;
  for (const Checkpoint& c : t.data.checkpoints) {
    if (6 * c.n * c.d < TwoRegimes::kSwitch) continue;
    double r = std::log(fitted.loss(c.n, c.d) / t.near.loss(c.n, c.d));
    s += r * r, ++m;
  }
  return std::sqrt(s / m);
}

}  // namespace

TEST_CASE("a local fit answers for the runs near its centre when the far runs follow another law") {
  for (std::uint64_t seed : {1, 2, 3}) {
    TwoRegimes t = two_regimes(seed);
    FitOptions o;
    o.law = "t2-accuracy";
    o.method = AccuracyMethod::beta_binomial;
    o.threads = 1;
    LawFit global = fit_law(t.data, o);
    o.locality = Locality{1.28e20, 0.3};
    LawFit local = fit_law(t.data, o);
    REQUIRE(local.accuracy);
    const double eg = near_error(global.accuracy->lhat.params, t), el = near_error(local.accuracy->lhat.params, t);
    INFO("seed " << seed << ": Lhat's error on the near runs, global " << eg << ", local " << el << " ("
                 << local.accuracy->effective_runs << " effective of " << local.accuracy->runs << " runs)");
    CHECK(el < 0.5 * eg);
    // The weights leave the runs of the top levels, not the sweep: fewer effective runs, all counted.
    CHECK(local.accuracy->runs == 72);
    CHECK(local.accuracy->effective_runs < 30);
    CHECK(local.accuracy->effective_runs > 9);
    CHECK(global.accuracy->effective_runs == Approx(72));
    CHECK_THAT(local.stages.front().detail, Catch::Contains("effective of 72"));
  }
}

TEST_CASE("locality off is the paper's fit, and it is refused where it has no meaning") {
  TwoRegimes t = two_regimes(4);
  FitOptions o;
  o.law = "t2-accuracy";
  o.method = AccuracyMethod::two_stage;
  o.threads = 1;
  LawFit plain = fit_law(t.data, o);
  o.locality = Locality{1e19, 0};  // width 0: off, whatever the centre
  LawFit off = fit_law(t.data, o);
  CHECK(off.law.theta == plain.law.theta);
  o.locality = Locality{1e19, 0.5};
  o.law = "chinchilla";
  CHECK_THROWS_AS(fit_law(t.data, o), std::invalid_argument);
  o.law = "t2-accuracy";
  o.method = AccuracyMethod::moments;
  CHECK_THROWS_AS(fit_law(t.data, o), std::invalid_argument);
}

TEST_CASE("a local fit resting on fewer effective runs than Lhat's parameters says so") {
  TwoRegimes t = two_regimes(5);
  FitOptions o;
  o.law = "t2-accuracy";
  o.method = AccuracyMethod::beta_binomial;
  o.threads = 1;
  auto has = [](const std::vector<Warning>& ws) {
    for (const Warning& w : ws)
      if (w.code == "few_effective_runs") return true;
    return false;
  };
  o.locality = Locality{1.28e20, 0.3};  // the top two levels: ~19 effective runs
  CHECK_FALSE(has(fit_warnings(fit_law(t.data, o), t.data)));
  // The top level alone (weights of the next level ~1e-8), with 3 of its sizes run: 3 effective.
  TwoRegimes few = two_regimes(5, 3);
  o.locality = Locality{1.28e20, 0.05};
  LawFit thin = fit_law(few.data, o);
  INFO(thin.accuracy->effective_runs << " effective runs");
  CHECK(thin.accuracy->effective_runs < kLocalMinEffectiveRuns);
  CHECK(has(fit_warnings(thin, few.data)));
}

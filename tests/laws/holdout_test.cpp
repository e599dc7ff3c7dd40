// holdout_test.cpp — hold-out rules (grammar and bad input), the split, hold-out numbers against a
// direct computation on the same split, and `--law auto`'s selection (paper RQ2, §4.2).
#include <catch2/catch.hpp>

#include <cmath>

#include "orchestrator/laws/holdout.hpp"
#include "orchestrator/laws/selection.hpp"
#include "tests/laws/synthetic_sweep.hpp"

using namespace t2;

static SyntheticTruth truth() {
  SyntheticTruth t;  // Hoffmann's L(N, D), 1% loss noise; accuracy tied to the training loss
  t.theta0 = 3.5, t.theta1 = 4.0, t.theta2 = 0.85, t.theta3 = 0.5, t.theta4 = 0.3;
  return t;
}

TEST_CASE("hold-out rules: comparisons joined by && over tokens_per_param, flops, n, d") {
  HoldoutRule r = parse_holdout_rule("tokens_per_param > 100 && flops<=1e19");
  REQUIRE(r.conditions.size() == 2);
  CHECK(r.holds_out(1e7, 2e9));    // D/N 200, 6ND 1.2e17
  CHECK(!r.holds_out(1e7, 5e8));   // D/N 50
  CHECK(!r.holds_out(1e9, 2e11));  // 6ND 1.2e21
  CHECK(parse_holdout_rule("n>=1e8").holds_out(1e8, 1));
  CHECK(parse_holdout_rule("d!=5").holds_out(1, 6));
  CHECK(parse_holdout_rule("d==5").holds_out(1, 5));
  CHECK(parse_holdout_rule("n<3").holds_out(2, 1));
  SECTION("bad rules name the rule and the problem") {
    CHECK_THROWS_WITH(parse_holdout_rule("params>1"), Catch::Contains("--holdout 'params>1': unknown field 'params'"));
    CHECK_THROWS_WITH(parse_holdout_rule("n>abc"), Catch::Contains("'abc' is not a number"));
    CHECK_THROWS_WITH(parse_holdout_rule("n 5"), Catch::Contains("has no comparison"));
    CHECK_THROWS_WITH(parse_holdout_rule("n>1 &&"), Catch::Contains("empty condition"));
    CHECK_THROWS_AS(parse_holdout_rule(""), HoldoutRuleError);
    CHECK_THROWS_AS(parse_holdout_rule("n=>5"), HoldoutRuleError);
  }
}

TEST_CASE("the split keeps each run's outcomes with it") {
  FitData d = synthetic_sweep(truth(), 20, 4, 3, 3, 4);
  HoldoutSplit s = split_fit_data(d, parse_holdout_rule("tokens_per_param>100"));
  std::size_t held = 0;
  for (const Checkpoint& c : d.checkpoints) held += c.d / c.n > 100;
  REQUIRE(held > 0);
  CHECK(s.held_out.checkpoints.size() == held);
  CHECK(s.fitted.checkpoints.size() + held == d.checkpoints.size());
  CHECK(s.held_out.outcomes.size() == held * 20);
  for (const ProblemOutcome& o : s.held_out.outcomes) CHECK(s.held_out.checkpoints[o.checkpoint].d / s.held_out.checkpoints[o.checkpoint].n > 100);
}

TEST_CASE("hold-out numbers equal a direct computation on the same split") {
  FitData d = synthetic_sweep(truth(), 60, 8, 7);
  HoldoutRule rule = parse_holdout_rule("tokens_per_param>=200");
  FitOptions o;
  o.law = "t2-accuracy";
  o.lhat = LhatSource::train_loss;
  o.method = AccuracyMethod::two_stage;
  o.threads = 1;
  auto k_at = [](double n, double) { return std::min(64.0, 1e9 / (2 * n)); };
  HoldoutFit h = fit_holdout(d, rule, o, k_at);

  // Directly: fit on the runs with D/N < 200, predict each other run's mean pass@k at its k.
  FitData fitted, held;
  for (const Checkpoint& c : d.checkpoints) (c.d / c.n >= 200 ? held : fitted).checkpoints.push_back(c);
  std::vector<int> where(d.checkpoints.size());
  int fi = 0, hi = 0;
  for (std::size_t i = 0; i < d.checkpoints.size(); ++i) where[i] = d.checkpoints[i].d / d.checkpoints[i].n >= 200 ? hi++ : fi++;
  for (ProblemOutcome p : d.outcomes) {
    bool out = d.checkpoints[p.checkpoint].d / d.checkpoints[p.checkpoint].n >= 200;
    p.checkpoint = where[p.checkpoint];
    (out ? held : fitted).outcomes.push_back(p);
  }
  LawFit f = fit_law(fitted, o);
  REQUIRE(h.result.fitted_runs == fitted.checkpoints.size());
  REQUIRE(h.result.held_out_runs == held.checkpoints.size());
  REQUIRE(h.result.runs.size() == held.checkpoints.size());
  double sum = 0;
  for (std::size_t i = 0; i < held.checkpoints.size(); ++i) {
    const Checkpoint& c = held.checkpoints[i];
    double k = k_at(c.n, c.d), obs = 0;
    int m = 0;
    for (const ProblemOutcome& p : held.outcomes)
      if (p.checkpoint == i) obs += 1 - std::pow(1 - std::exp(-std::max(0.0, p.nll)), k), ++m;  // likelihood source: 1-(1-p)^k
    obs /= m;
    double pred = f.law.score(c.n, c.d, k);
    const HoldoutRun& r = h.result.runs[i];
    CHECK(r.k == Approx(k));
    CHECK(r.observed == Approx(obs).epsilon(1e-9));
    CHECK(r.predicted == Approx(pred).epsilon(1e-9));
    CHECK(r.rel_error == Approx((pred - obs) / std::max(obs, kHoldoutFloorPass)).epsilon(1e-9));
    sum += std::abs(r.rel_error);
  }
  CHECK(h.result.mean_abs_rel_error == Approx(sum / held.checkpoints.size()));
  CHECK(h.result.metric == "pass@k at the deployment's k");
}

TEST_CASE("a hold-out that leaves too few runs, or holds out none, is an error naming the rule") {
  FitData d = synthetic_sweep(truth(), 10, 4, 3, 3, 4);  // 12 runs
  FitOptions o;
  o.law = "t2-accuracy";
  o.threads = 1;
  CHECK_THROWS_WITH(fit_holdout(d, parse_holdout_rule("n>0"), o, nullptr),
                    Catch::Contains("--holdout 'n>0': leaves 0 runs to fit, fewer than the 10 parameters"));
  CHECK_THROWS_WITH(fit_holdout(d, parse_holdout_rule("n<0"), o, nullptr), Catch::Contains("holds out none of the 12 runs"));
}

TEST_CASE("--law auto picks the candidate with the lowest hold-out error and refits it on all runs") {
  FitData d = synthetic_sweep(truth(), 60, 8, 21);  // 48 runs: 12 held out by default
  FitOptions base;
  base.threads = 1;
  Selection s = select_law(d, base, nullptr, nullptr);
  REQUIRE(!s.too_few);
  CHECK(s.default_rule);
  REQUIRE(s.candidates.size() == 4);
  REQUIRE(s.chosen >= 0);
  for (const Candidate& c : s.candidates)
    if (c.scored) CHECK(s.candidates[s.chosen].holdout.mean_abs_rel_error <= c.holdout.mean_abs_rel_error);
  CHECK(s.candidates[0].holdout.held_out_runs == 12);
  // The synthetic backend ties accuracy to the training loss: Lhat on it predicts best.
  CHECK(s.candidates[s.chosen].lhat == LhatSource::train_loss);
  CHECK(s.fit.runs.size() == d.checkpoints.size());  // refitted on all runs
  CHECK(s.fit.accuracy->lhat_source == LhatSource::train_loss);
  CHECK(s.loss.name == "t2-loss");
  SECTION("too few runs to select: said, and the fallback fitted") {
    FitData small = synthetic_sweep(truth(), 20, 4, 3, 2, 5);  // 10 runs < 13
    Selection t = select_law(small, base, nullptr, nullptr);
    CHECK(t.too_few);
    CHECK(t.reason.find("too few runs to select") != std::string::npos);
    CHECK(t.fit.runs.size() == 10);
  }
}

TEST_CASE("with sampled pass@k, a held-out run is scored at an integer k no larger than its samples") {
  FitData d = synthetic_sweep(truth(), 30, 8, 5);
  FitOptions o;
  o.law = "t2-accuracy";
  o.lhat = LhatSource::train_loss;
  o.source = PassSource::sampled;
  o.threads = 1;
  HoldoutFit h = fit_holdout(d, parse_holdout_rule("tokens_per_param>=200"), o, [](double, double) { return 100.5; });
  REQUIRE(!h.result.runs.empty());
  for (const HoldoutRun& r : h.result.runs) {
    CHECK(r.k == 8);  // 100.5 -> at most the 8 samples drawn
    CHECK(r.predicted == Approx(h.fit.law.score(r.n, r.d, 8)));
  }
  CHECK(std::isfinite(h.result.mean_abs_rel_error_k_grid));
}

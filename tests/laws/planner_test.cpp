// planner_test.cpp — the planner against brute force, Hoffmann's closed form, and the paper's
// over-training direction (§3.3, §4.1).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "orchestrator/laws/planner.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "orchestrator/laws/t2_loss_law.hpp"

using namespace t2;

static FittedLaw hoffmann_law() { return {std::make_shared<ChinchillaLaw>(), hoffmann_2022().theta()}; }
// A task-loss law in the paper's form with Hoffmann's N, D part and a k term.
static FittedLaw loss_law() {
  return {std::make_shared<T2LossLaw>(), {1.69, 406.4, 410.7, 0.34, 0.28, 2.0, 0.4}};
}
static FittedLaw accuracy_law() {
  return {std::make_shared<T2AccuracyLaw>(), {1.69, 406.4, 410.7, 0.34, 0.28, 2.6, 4.0, 0.9, 0.5, 0.2}};
}

TEST_CASE("with no inference, Hoffmann's law gives the closed-form Chinchilla optimum") {
  ChinchillaParams h = hoffmann_2022();
  for (double c : {1e19, 1e21, 5.76e23}) {
    ChinchillaOptimum o = chinchilla_optimum(h, c);  // N_opt = G (C/6)^(beta/(alpha+beta))
    SECTION("split, C_inf = 0") {
      Deployment dep;
      dep.train_flops = c;
      Plan p = plan(hoffmann_law(), dep);
      CHECK(p.best.n == Approx(o.n).epsilon(1e-4));
      CHECK(p.best.d == Approx(o.d).epsilon(1e-4));
      CHECK(p.best.k == 1);
    }
    SECTION("end to end, Q = 0") {
      Deployment dep;
      dep.form = Deployment::Form::end_to_end;
      dep.total_flops = c;
      dep.tokens_per_sample = 100;
      Plan p = plan(hoffmann_law(), dep);
      CHECK(p.best.n == Approx(o.n).epsilon(1e-4));
    }
  }
}

TEST_CASE("the split-form optimum matches a brute-force search over N") {
  for (const FittedLaw& law : {loss_law(), accuracy_law()}) {
    Deployment dep;
    dep.train_flops = 1e20;
    dep.inference_flops = 2e10;  // k = C_inf / 2N: 100 samples at N = 1e8
    PlanBounds b;
    b.k_max = 1e6;
    Plan p = plan(law, dep, b);
    double sign = law.law->goal() == Goal::minimize ? 1 : -1;
    double best = INFINITY, best_n = 0;
    for (int i = 0; i <= 200000; ++i) {
      double n = std::exp(std::log(b.n_min) + (std::log(b.n_max) - std::log(b.n_min)) * i / 200000);
      double k = std::min(dep.inference_flops / (2 * n), b.k_max);
      if (k < 1) continue;
      double v = sign * law.score(n, dep.train_flops / (6 * n), k);
      if (v < best) best = v, best_n = n;
    }
    INFO(law.law->name() << ": planner N " << p.best.n << " brute " << best_n);
    CHECK(sign * p.best.score <= best + 1e-12);
    CHECK(p.best.n == Approx(best_n).epsilon(2e-3));
    CHECK(p.best.k == Approx(dep.inference_flops / (2 * p.best.n)));
    CHECK(p.best.d * p.best.n * 6 == Approx(dep.train_flops));
  }
}

TEST_CASE("the end-to-end optimum matches a brute-force search over N and k") {
  for (const FittedLaw& law : {loss_law(), accuracy_law()}) {
    Deployment dep;
    dep.form = Deployment::Form::end_to_end;
    dep.total_flops = 1e21;
    dep.queries = 1e6;
    dep.tokens_per_sample = 500;
    PlanBounds b;
    b.k_max = 1000;
    Plan p = plan(law, dep, b);
    double sign = law.law->goal() == Goal::minimize ? 1 : -1;
    double best = INFINITY;
    const int G = 1500;
    for (int i = 0; i <= G; ++i) {
      double n = std::exp(std::log(1e6) + (std::log(1e13) - std::log(1e6)) * i / G);
      for (int j = 0; j <= G; ++j) {
        double k = std::exp(std::log(1.0) + std::log(b.k_max) * j / G);
        double d = (dep.total_flops - 2 * n * dep.tokens_per_sample * k * dep.queries) / (6 * n);
        if (d < b.d_min) continue;
        best = std::min(best, sign * law.score(n, d, k));
      }
    }
    INFO(law.law->name() << ": planner " << p.best.score << " (N " << p.best.n << ", k " << p.best.k << ") brute " << sign * best);
    // The planner is continuous, the grid is not: the planner is at least as good, and close.
    CHECK(sign * p.best.score <= best + 1e-12);
    CHECK(sign * p.best.score >= best - 1e-3 * std::abs(best));
    double spent = 6 * p.best.n * p.best.d + 2 * p.best.n * dep.tokens_per_sample * p.best.k * dep.queries;
    CHECK(spent == Approx(dep.total_flops).epsilon(1e-9));
  }
}

TEST_CASE("as inference grows, N* shrinks and D*/N* grows (the paper's over-training result)") {
  for (const FittedLaw& law : {loss_law(), accuracy_law(), hoffmann_law()}) {
    Deployment dep;
    dep.form = Deployment::Form::end_to_end;
    dep.total_flops = 1e22;
    dep.tokens_per_sample = 200;
    double prev_n = INFINITY, prev_ratio = 0;
    for (double q : {0.0, 1e4, 1e5, 1e6, 1e7, 1e8}) {
      dep.queries = q;
      Plan p = plan(law, dep);
      INFO(law.law->name() << " Q=" << q << " N*=" << p.best.n << " D*/N*=" << p.best.tokens_per_param());
      REQUIRE(p.best.feasible);
      CHECK(p.best.n < prev_n);
      CHECK(p.best.tokens_per_param() > prev_ratio);
      prev_n = p.best.n, prev_ratio = p.best.tokens_per_param();
    }
  }
}

TEST_CASE("the split form picks smaller, more over-trained models than Chinchilla, and says so") {
  ChinchillaParams h = hoffmann_2022();
  Deployment dep;
  dep.train_flops = 2.56e19;   // paper Table 1
  dep.inference_flops = 2e9;
  Plan p = plan(loss_law(), dep, {}, &h);
  REQUIRE(p.chinchilla.feasible);
  CHECK(p.chinchilla.within_budget);
  CHECK(p.best.n < p.chinchilla.n);
  CHECK(p.best.tokens_per_param() > p.chinchilla.tokens_per_param());
  CHECK(p.best.score <= p.chinchilla.score);
  CHECK(p.chinchilla.n == Approx(chinchilla_optimum(h, dep.train_flops).n).epsilon(1e-4));
  // Integer k: an integer, never better than the continuous optimum, and within budget.
  CHECK(p.best_integer.k == std::round(p.best_integer.k));
  CHECK(p.best_integer.score >= p.best.score - 1e-12);
  CHECK(2 * p.best_integer.n * p.best_integer.k <= dep.inference_flops * (1 + 1e-9));
}

TEST_CASE("a Chinchilla model too large for the inference budget is shown at k = 1, flagged") {
  ChinchillaParams h = hoffmann_2022();
  Deployment dep;
  dep.train_flops = 1e23;     // Chinchilla N ~ 1e10
  dep.inference_flops = 2e9;  // serves one sample per token only up to N = 1e9
  Plan p = plan(loss_law(), dep, {}, &h);
  REQUIRE(p.chinchilla.feasible);
  CHECK_FALSE(p.chinchilla.within_budget);
  CHECK(p.chinchilla.k == 1);
  CHECK(p.best.n <= 1e9 * (1 + 1e-9));
}

TEST_CASE("frontier over budgets and bad budgets") {
  Deployment dep;
  dep.inference_flops = 2e9;
  auto f = plan_frontier(loss_law(), dep, 1e18, 1e22, 5);
  REQUIRE(f.size() == 5);
  CHECK(f.front().deployment.train_flops == Approx(1e18));
  CHECK(f.back().deployment.train_flops == Approx(1e22));
  for (std::size_t i = 1; i < f.size(); ++i) CHECK(f[i].best.score < f[i - 1].best.score);
  Deployment bad;
  bad.train_flops = -1;
  CHECK_THROWS_AS(plan(loss_law(), bad), std::invalid_argument);
  PlanBounds bb;
  bb.k_min = 0.5;
  dep.train_flops = 1e20;
  CHECK_THROWS_AS(plan(loss_law(), dep, bb), std::invalid_argument);
}

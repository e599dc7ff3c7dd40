// warnings_test.cpp — every warning code is raised by a case built for it, and none is raised on
// a clean case (a well-specified Chinchilla fit planned inside its data).
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "orchestrator/laws/warnings.hpp"
#include "tests/laws/synth.hpp"

using namespace t2;

static bool has(const std::vector<Warning>& w, const std::string& code) {
  return std::any_of(w.begin(), w.end(), [&](const Warning& x) { return x.code == code; });
}
static std::string codes(const std::vector<Warning>& w) {
  std::string s;
  for (const Warning& x : w) s += x.code + ": " + x.message + "\n";
  return s;
}

// Hoffmann's law on the paper-like grid (1% noise), as FitData.
static FitData hoffmann_data(double noise = 0.01, std::uint64_t seed = 5) {
  FitData d;
  std::uint32_t i = 0;
  for (const LossPoint& p : test::chinchilla_points(hoffmann_2022(), noise, seed)) d.checkpoints.push_back({p.n, p.d, p.loss, i++});
  return d;
}

static LawFit chinchilla_fit(const FitData& d) {
  FitOptions o;
  o.law = "chinchilla";
  o.threads = 1;
  return fit_law(d, o);
}

TEST_CASE("a well-specified fit planned inside its data raises no warning") {
  FitData d = hoffmann_data();
  LawFit f = chinchilla_fit(d);
  std::vector<Warning> w = fit_warnings(f, d);
  INFO(codes(w));
  CHECK(w.empty());
  DataRange r = data_range(d, f);
  Deployment dep;
  dep.train_flops = 1e19;  // inside the grid's 1e18 .. 1.28e20
  PlanBounds b;
  b.n_min = r.n_lo / 10, b.n_max = r.n_hi * 10, b.d_min = r.d_lo / 10, b.d_max = r.d_hi * 10;
  Plan p = plan(f.law, dep, b, &f.reference.params);
  std::vector<Warning> pw = plan_warnings(p, f.law, b, r);
  INFO(codes(pw));
  CHECK(pw.empty());
  HoldoutResult h;
  h.mean_abs_rel_error = 0.02;
  CHECK(holdout_warnings(h, "chinchilla").empty());
  CHECK(point_warnings({3e8, 6e9, 1}, r, false).empty());
}

TEST_CASE("param_at_bound: a parameter on its box bound, on the profiling grid's floor, or not identified") {
  FitData d = hoffmann_data();
  LawFit f = chinchilla_fit(d);
  SECTION("alpha at its upper bound 5") {
    f.law.theta[3] = 5;
    std::vector<Warning> w = fit_warnings(f, d);
    REQUIRE(has(w, "param_at_bound"));
    CHECK(codes(w).find("alpha = 5 is at its upper bound 5") != std::string::npos);
  }
  SECTION("a bootstrap interval reaching a bound") {
    f.intervals.assign(5, Interval{1.0, 2.0});
    f.intervals[0] = Interval{0.0, 2.0};  // E's interval reaches 0
    std::vector<Warning> w = fit_warnings(f, d);
    CHECK(codes(w).find("E: its 95% bootstrap interval") != std::string::npos);
  }
  SECTION("every run at one D: B and beta are not identified") {
    FitData one_d;
    std::uint32_t i = 0;
    for (double n : {1e7, 2e7, 5e7, 1e8, 2e8, 5e8, 1e9})
      one_d.checkpoints.push_back({n, 1e10, hoffmann_2022().loss(n, 1e10), i++});
    LawFit g = chinchilla_fit(one_d);
    std::vector<Warning> w = fit_warnings(g, one_d);
    INFO(codes(w));
    CHECK(codes(w).find("not identified by the data") != std::string::npos);
  }
  SECTION("the accuracy law's theta2 at 1 and E at its profiling grid's floor") {
    FitData a = d;
    for (std::uint32_t c = 0; c < a.checkpoints.size(); ++c) a.outcomes.push_back({c, 0, 0, 0, 2.0 + c * 0.01});
    LawFit acc;
    acc.law.law = law_by_name("t2-accuracy");
    acc.law.theta = {0.01 * 2.0, 406.4, 410.7, 0.34, 0.28, 3.0, 2.0, 1.0, 1.0, 0.0};
    acc.accuracy = AccuracyFit{};
    acc.accuracy->lhat_source = LhatSource::answer_nll;
    acc.accuracy->k_grid = {1, 2, 4};
    std::vector<Warning> w = fit_warnings(acc, a);
    CHECK(codes(w).find("theta2 = 1 is at its upper bound 1") != std::string::npos);
    CHECK(codes(w).find("floor of its profiling grid") != std::string::npos);
  }
}

TEST_CASE("poor_fit: each stage is judged by its own quality") {
  FitData d = hoffmann_data(0.3);  // 30% noise: R^2 (log) far below 0.9
  LawFit f = chinchilla_fit(d);
  REQUIRE(f.stages.size() == 1);
  CHECK(f.stages[0].r2_log < kPoorR2);
  CHECK(has(fit_warnings(f, d), "poor_fit"));
  SECTION("a theta stage with a pass@k rmse above 0.05") {
    LawFit g = chinchilla_fit(hoffmann_data());
    g.stages = {{"Lhat", "on train_loss", "log Lhat", 0.01, 0.99, 48}, {"theta", "two_stage", "pass@k", 0.08, kNaN, 300}};
    std::vector<Warning> w = fit_warnings(g, hoffmann_data());
    REQUIRE(has(w, "poor_fit"));
    CHECK(codes(w).find("theta (two_stage): rmse of pass@k 0.08") != std::string::npos);
    CHECK(codes(w).find("Lhat") == std::string::npos);  // Lhat's stage is fine and not blamed
  }
}

TEST_CASE("plan warnings: optimum on a bound, k at its cap, extrapolation, infeasible") {
  FitData d = hoffmann_data();
  LawFit f = chinchilla_fit(d);
  DataRange r = data_range(d, f);
  Deployment dep;
  dep.train_flops = 1e19;
  SECTION("optimum_at_bound: n_max below the optimum, the Chinchilla row too") {
    PlanBounds b;
    b.n_min = 1e6, b.n_max = 1e8;  // the optimum at 1e19 is ~2.5e8
    Plan p = plan(f.law, dep, b, &f.reference.params);
    std::vector<Warning> w = plan_warnings(p, f.law, b, r);
    INFO(codes(w));
    CHECK(codes(w).find("optimum_at_bound: T2 optimum: N = 1e+08 at n_max") != std::string::npos);
    CHECK(codes(w).find("optimum_at_bound: Chinchilla: N = 1e+08 at n_max") != std::string::npos);
  }
  SECTION("extrapolation: a budget far above the data") {
    dep.train_flops = 1e25;
    Plan p = plan(f.law, dep, PlanBounds{}, &f.reference.params);
    std::vector<Warning> w = plan_warnings(p, f.law, PlanBounds{}, r);
    REQUIRE(has(w, "extrapolation"));
    INFO(codes(w));
    CHECK(codes(w).find("6ND = 1e+25 is 7.8") != std::string::npos);
    CHECK(!point_warnings({1e12, 1e9, 1}, r, false).empty());
  }
  SECTION("k_at_cap: an inference budget affording more samples than k_max") {
    FittedLaw loss{std::make_shared<T2LossLaw>(), {1.69, 406.4, 410.7, 0.34, 0.28, 2.0, 0.4}};
    dep.inference_flops = 1e12;
    PlanBounds b;
    b.k_max = 16;
    Plan p = plan(loss, dep, b, nullptr);
    CHECK(has(plan_warnings(p, loss, b, r), "k_at_cap"));
  }
  SECTION("optimum_at_bound for k: an inference budget allowing one sample only") {
    // k barely matters (G tiny) and the training budget wants N far above C_inf / 2 = 1e8, where
    // k = C_inf / 2N falls below 1: the optimum sits at N = 1e8, k = 1.
    FittedLaw loss{std::make_shared<T2LossLaw>(), {1.69, 406.4, 410.7, 0.34, 0.28, 1e-6, 0.4}};
    dep.train_flops = 1e23;
    dep.inference_flops = 2e8;
    Plan p = plan(loss, dep, PlanBounds{}, nullptr);
    std::vector<Warning> w = plan_warnings(p, loss, PlanBounds{}, r);
    INFO(codes(w));
    CHECK(codes(w).find("T2 optimum: k = 1 at k_min") != std::string::npos);
  }
  SECTION("infeasible: bounds no allocation can meet") {
    PlanBounds b;
    b.n_min = 1e6, b.n_max = 1e7, b.d_min = 1e6, b.d_max = 1e7;  // 6ND <= 6e14 < 1e19
    Plan p = plan(f.law, dep, b, &f.reference.params);
    CHECK(has(plan_warnings(p, f.law, b, r), "infeasible"));
  }
}

TEST_CASE("holdout_error_high above 10% mean relative error") {
  HoldoutResult h;
  h.rule = "tokens_per_param>100";
  h.metric = "pass@k";
  h.mean_abs_rel_error = 0.5;
  CHECK(has(holdout_warnings(h, "t2-accuracy"), "holdout_error_high"));
  h.mean_abs_rel_error = kNaN;  // nothing could be scored: also said
  CHECK(has(holdout_warnings(h, "t2-accuracy"), "holdout_error_high"));
}

TEST_CASE("advantage_not_decided: the T2-vs-Chinchilla gap's bootstrap interval contains 0") {
  // A loss law in which k matters (G = 2): the T2 optimum trades N for samples and beats the
  // Chinchilla row (the loss-optimal N, D for the same training spend) under the law itself.
  std::vector<double> theta{1.69, 406.4, 410.7, 0.34, 0.28, 2.0, 0.4};
  FittedLaw loss{std::make_shared<T2LossLaw>(), theta};
  ChinchillaParams ref{1.69, 406.4, 410.7, 0.34, 0.28};
  Deployment dep;
  dep.train_flops = 1e21;
  dep.inference_flops = 2e10;
  Plan p = plan(loss, dep, PlanBounds{}, &ref);
  REQUIRE(p.best.feasible);
  REQUIRE(p.chinchilla.feasible);
  double adv = plan_advantage(loss, p);
  REQUIRE(adv > 0);  // the optimum is at least as good as any feasible row, strictly here
  SECTION("replicates that agree: decided, no warning") {
    std::vector<std::vector<double>> reps(40, theta);
    for (std::size_t r = 0; r < reps.size(); ++r) reps[r][5] *= 1 + 0.01 * (static_cast<double>(r % 5) - 2);
    PlanIntervals iv = plan_intervals(loss, reps, p, PlanBounds{}, 0.95, 1);
    INFO(iv.advantage.lo << " .. " << iv.advantage.hi);
    CHECK(iv.advantage.lo > 0);
    CHECK(advantage_warnings(p, loss, iv).empty());
  }
  SECTION("replicates split between no k effect and twice the fitted one: not decided") {
    // With G = 0 the samples buy nothing and the Chinchilla row's N, D are the better choice.
    std::vector<std::vector<double>> reps;
    for (int r = 0; r < 40; ++r) {
      reps.push_back(theta);
      reps.back()[5] = r % 2 == 0 ? 0.0 : 2 * theta[5];
    }
    PlanIntervals iv = plan_intervals(loss, reps, p, PlanBounds{}, 0.95, 1);
    INFO(iv.advantage.lo << " .. " << iv.advantage.hi);
    CHECK(iv.advantage.lo < 0);
    CHECK(iv.advantage.hi > 0);
    std::vector<Warning> w = advantage_warnings(p, loss, iv);
    INFO(codes(w));
    REQUIRE(has(w, "advantage_not_decided"));
    CHECK(codes(w).find("contains 0") != std::string::npos);
  }
  SECTION("no replicates: nothing claimed, nothing warned") {
    CHECK(advantage_warnings(p, loss, PlanIntervals{}).empty());
  }
}

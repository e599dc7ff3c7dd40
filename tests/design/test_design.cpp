// test_design.cpp — the random and adaptive strategies on a synthetic ground truth, simulated
// in-process (no MPI): accuracy of the final N*, bounds and budget of every proposal,
// determinism, stopping, and the initial design.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/design/acquisition.hpp"
#include "orchestrator/design/adaptive_design.hpp"
#include "orchestrator/design/initial_design.hpp"
#include "orchestrator/design/simulation.hpp"
#include "tests/design/synthetic_sweep.hpp"

using namespace t2;

namespace {

SimulationResult run_sweep(const SweepConfig& c, std::uint32_t max_batches) {
  auto design = make_design(c);
  SyntheticWorkload workload(testing::truth_of(c));
  return simulate_sweep(c, *design, workload, max_batches);
}

}  // namespace

// On the v1 truth (Beta law tied to the training loss, the 8 x 8 N x D grid of synthetic_sweep.hpp)
// the ridge rule's fixed point is biased and, more, unstable: the same five seeds end at
// +8.7/-2.0/+12.7/-2.0/+13.9% of the truth on one machine, +23.6/-3.6/-17.4/-0.7/+11.5% on another
// and +17.9/-24.7/+2.0/+2.9/+11.8% on the second with glibc's FMA/AVX2 code paths of exp/log
// switched off (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F; measured 2026-12-02): last-ulp
// differences choose between near-equal fits of these data, and runs on one curve do not tell them
// apart. (The v2 sweeps move by <= 0.4 points under the same switch.) So this checks what holds on
// every machine seen: the typical seed lands within 15%, none beyond 30%, with under a fifth of the
// grid's compute. The binding recovery tests are the v2 ones (tests/synthetic/test_recovery.cpp).
TEST_CASE("adaptive design's final N* on the v1 truth: median seed within 15%, every seed within 30%", "[design]") {
  std::vector<double> errors;
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    SweepConfig c = testing::synthetic_config("adaptive", seed, "batches = 20\n");
    SimulationResult sim = run_sweep(c, 100);
    double truth = testing::true_n_star(c);
    double est = testing::estimated_n_star(c, sim.contents);
    INFO("seed " << seed << ": truth " << truth << ", estimate " << est << ", stop: " << sim.stop_reason);
    std::printf("v1 adaptive seed %llu: N* %+.1f%% of the truth, %.3g FLOPs, %s\n", (unsigned long long)seed,
                100 * (est / truth - 1), sim.flops, sim.stop_reason.substr(0, 60).c_str());
    REQUIRE(est > 0);
    CHECK(std::fabs(est / truth - 1) < 0.30);
    errors.push_back(std::fabs(est / truth - 1));
    // And it got there spending less than the full 8 x 8 grid would.
    double grid = 0;
    for (const GridPoint& g : grid_points(c.grid)) grid += run_flops(g.n, g.d, c.eval);
    CHECK(sim.flops < 0.2 * grid);
  }
  std::sort(errors.begin(), errors.end());
  CHECK(errors[errors.size() / 2] < 0.15);
}

TEST_CASE("acquisition never proposes points outside the ranges or over the remaining compute", "[design]") {
  // A cap that runs out mid-sweep, with tokens-per-parameter bounds cutting the rectangle.
  SweepConfig c = testing::synthetic_config("adaptive", 7);
  c.grid.min_tokens_per_param = 2;
  c.grid.max_tokens_per_param = 5000;
  c.compute_cap = 3e19;
  c.design.stop_tolerance = 1e-9;  // never converged: the cap ends it
  DesignSpace space(c);
  SimulationResult sim = run_sweep(c, 100);
  INFO("stop: " << sim.stop_reason);
  REQUIRE(sim.contents.runs.size() > 12);
  for (const RunRecord& r : sim.contents.runs) {
    INFO("run " << r.index << " N " << r.plan.n_params << " D " << r.plan.n_tokens);
    CHECK(space.contains(r.plan.n_params, r.plan.n_tokens));
  }
  // Every chosen point is inside the space and was affordable when it was chosen.
  std::size_t chosen = 0;
  for (const Document& d : sim.contents.documents) {
    auto j = nlohmann::json::parse(d.json);
    if (!j.contains("chosen")) continue;
    double remaining = j["remaining_flops"].get<double>(), spent = 0;
    for (const auto& p : j["chosen"]) {
      CHECK(space.contains(p["n"].get<double>(), p["d"].get<double>()));
      spent += p["cost"].get<double>();
      ++chosen;
    }
    CHECK(spent <= remaining);
  }
  CHECK(chosen == sim.contents.runs.size());
  // The whole sweep's planned cost stays within the cap.
  double planned = 0;
  for (double b : planned_flops_by_batch(sim.contents, c.eval)) planned += b;
  CHECK(planned <= c.compute_cap);
  CHECK(sim.stop_reason.find("compute cap spent") != std::string::npos);
}

TEST_CASE("ridge points are the planner's optima of the target halved, quartered, ...", "[design]") {
  SweepConfig c = testing::synthetic_config("adaptive", 3);
  DesignSpace space(c);
  FittedLaw truth = testing::law_of(testing::truth_of(c));
  const Deployment dep = design_deployment(c.target);
  const PlanBounds bounds = design_plan_bounds(c);
  std::vector<RidgePoint> ridge = ridge_points(truth, dep, bounds, space, 6);
  REQUIRE(ridge.size() >= 3);
  double prev_factor = 1, prev_n = 1e300;
  for (const RidgePoint& r : ridge) {
    INFO("factor " << r.factor << " N " << r.n << " D " << r.d);
    CHECK(space.contains(r.n, r.d));
    CHECK(r.factor < prev_factor);
    // The split form spends the whole (scaled) training budget; N* grows with the budget.
    CHECK(6 * r.n * r.d == Approx(dep.train_flops * r.factor).epsilon(1e-6));
    CHECK(r.n < prev_n);
    Allocation a = plan(truth, scaled_deployment(dep, r.factor), bounds).best;
    CHECK(r.n == a.n);
    CHECK(r.k == a.k);
    prev_factor = r.factor, prev_n = r.n;
  }
  // End-to-end: the budget and the query volume scale together.
  Deployment e2e;
  e2e.form = Deployment::Form::end_to_end;
  e2e.total_flops = 2e19, e2e.queries = 1e7, e2e.tokens_per_sample = 100;
  Deployment half = scaled_deployment(e2e, 0.5);
  CHECK(half.total_flops == 1e19);
  CHECK(half.queries == 5e6);
  CHECK(half.tokens_per_sample == 100);
}

TEST_CASE("adaptive design: same seed and same seen-contents give the same points", "[design]") {
  SweepConfig c = testing::synthetic_config("adaptive", 11, "batches = 6\n");
  c.design.stop_tolerance = 1e-9;  // all 6 batches: the rule would stop it sooner
  SimulationResult sim = run_sweep(c, 6);
  REQUIRE(sim.batches == 6);
  // A fresh Design (a resumed sweep) planning batch b from what the coordinator shows gives
  // exactly the plan the original object made, decision record included.
  for (std::uint32_t b : {2u, 4u, 5u}) {
    AdaptiveDesign fresh(c);
    BatchPlan again = fresh.next_batch(b, visible_to_plan(sim.contents, b, fresh.lag()));
    std::vector<const RunRecord*> original;
    for (const RunRecord& r : sim.contents.runs) if (r.batch == b) original.push_back(&r);
    REQUIRE(again.runs.size() == original.size());
    for (std::size_t i = 0; i < original.size(); ++i) {
      CHECK(again.runs[i].n_params == original[i]->plan.n_params);
      CHECK(again.runs[i].n_tokens == original[i]->plan.n_tokens);
      CHECK(again.runs[i].seed == original[i]->plan.seed);
    }
    std::string stored;
    for (const Document& d : sim.contents.documents) if (d.batch == b) stored = d.json;
    CHECK(again.decision_json == stored);
  }
  // A batch's points are distinct: no point is chosen twice.
  for (std::uint32_t b = 0; b < 6; ++b) {
    std::set<std::pair<double, double>> pts;
    std::size_t n = 0;
    for (const RunRecord& r : sim.contents.runs) if (r.batch == b) { pts.insert({r.plan.n_params, r.plan.n_tokens}); ++n; }
    CHECK(pts.size() == n);
  }
}

TEST_CASE("adaptive design stops when the ridge runs it placed no longer move N*", "[design]") {
  SweepConfig c = testing::synthetic_config("adaptive", 5);
  SimulationResult sim = run_sweep(c, 30);
  INFO(sim.stop_reason);
  REQUIRE(sim.stop_reason.find("stopped moving within tolerance") != std::string::npos);
  CHECK(sim.batches < 30);
  auto last = nlohmann::json::parse(sim.contents.documents.back().json);
  auto before = nlohmann::json::parse(sim.contents.documents[sim.contents.documents.size() - 2].json);
  CHECK(last["stop"] == true);
  CHECK(before["mode"] == "ridge");
  // The shift is the last fit's N* against the N* the previous batch was placed around.
  const double shift = last["optimum"]["shift"].get<double>();
  CHECK(std::fabs(shift) <= c.design.stop_tolerance);
  CHECK(last["optimum"]["placed_n_star"].get<double>() == before["optimum"]["n_star"].get<double>());
  CHECK(last["optimum"]["n_star"].get<double>() / before["optimum"]["n_star"].get<double>() - 1 == Approx(shift));
  // With a tolerance no fit can meet, the same sweep runs on: the rule is what stopped it.
  c.design.stop_tolerance = 1e-9;
  SimulationResult longer = run_sweep(c, sim.batches + 2);
  CHECK(longer.stop_reason.find("stopped moving within tolerance") == std::string::npos);
  CHECK(longer.batches == sim.batches + 2);
}

TEST_CASE("adaptive design chooses fewer eval samples for larger models", "[design]") {
  EvalConfig e;
  e.samples = 64;
  // Split target C_inf = 2e8: k = C_inf / 2N.
  TargetConfig t;
  t.form = TargetConfig::Form::split;
  t.inference_budget = 2e8;
  CHECK(choose_samples(target_k(t, 1e7, 0, e), e) == 32);  // k = 10 -> 2k = 20 -> 32
  CHECK(choose_samples(target_k(t, 1e6, 0, e), e) == 64);  // k = 100: capped at [eval] samples
  CHECK(choose_samples(target_k(t, 1e9, 0, e), e) == 8);   // k < 1: floor of 8
}

TEST_CASE("random design draws deterministic points inside the space and stops at its batch limit", "[design]") {
  SweepConfig c = testing::synthetic_config("random", 9);
  DesignSpace space(c);
  SimulationResult a = run_sweep(c, 100), b = run_sweep(c, 100);
  CHECK(a.batches == 8);  // 64 grid points / batch_size 8
  CHECK(a.stop_reason.find("batch limit") != std::string::npos);
  REQUIRE(a.contents.runs.size() == b.contents.runs.size());
  for (std::size_t i = 0; i < a.contents.runs.size(); ++i) {
    CHECK(a.contents.runs[i].plan.n_params == b.contents.runs[i].plan.n_params);
    CHECK(space.contains(a.contents.runs[i].plan.n_params, a.contents.runs[i].plan.n_tokens));
  }
}

TEST_CASE("initial design: a log-spaced lattice inside the ranges and under the cap", "[design]") {
  SweepConfig c = testing::synthetic_config("adaptive", 1);
  DesignSpace space(c);
  auto pts = initial_points(c, space, 12, 1e18);
  CHECK(pts.size() >= 8);
  std::set<double> ns;
  for (const GridPoint& p : pts) {
    CHECK(space.contains(p.n, p.d));
    CHECK(train_flops(p.n, p.d) <= 1e18 * (1 + 1e-9));
    ns.insert(p.n);
  }
  CHECK(ns.size() >= 3);  // spread over model sizes, not one row
}

TEST_CASE("initial design: IsoFLOP slices on the configured budgets", "[design]") {
  SweepConfig c = testing::synthetic_config("adaptive", 1);
  c.grid.d.clear();
  c.grid.isoflop = {1e17, 1e18, 1e19, 1e20};
  DesignSpace space(c);
  auto pts = initial_points(c, space, 12, 1e19);
  REQUIRE(pts.size() >= 9);
  std::set<long> budgets;
  for (const GridPoint& p : pts) {
    double C = 6 * p.n * p.d;
    budgets.insert(std::lround(std::log10(C)));
    CHECK(std::fabs(std::log10(C) - std::round(std::log10(C))) < 1e-9);  // exactly on a slice
    CHECK(C <= 1e19 * (1 + 1e-9));
    CHECK(space.contains(p.n, p.d));
  }
  CHECK(budgets.size() >= 2);
}

TEST_CASE("make_design builds the random and adaptive strategies", "[design]") {
  CHECK(make_design(testing::synthetic_config("random", 1))->name() == "random");
  CHECK(make_design(testing::synthetic_config("adaptive", 1))->name() == "adaptive");
  CHECK(make_design(testing::synthetic_config("adaptive", 1))->lag() == 0);
}

TEST_CASE("adaptive design plans for an end-to-end target (one budget, a query volume)", "[design]") {
  std::string text = testing::synthetic_config_text("adaptive", 4, "batches = 5\n");
  auto at = text.find("[target]");
  auto end = text.find("[workload]");
  text.replace(at, end - at, "[target]\nbudget = 2e19\nqueries = 1e7\ntokens_per_query = 100\nk_max = 1000\n");
  SweepConfig c = parse_sweep_config(text, "e2e.toml");
  c.design.stop_tolerance = 1e-9;  // all 5 batches: the rule would stop it sooner
  REQUIRE(c.target.form == TargetConfig::Form::end_to_end);
  SimulationResult sim = run_sweep(c, 5);
  REQUIRE(sim.batches == 5);
  auto last = nlohmann::json::parse(sim.contents.documents.back().json);
  INFO(last.dump().substr(0, 400));
  REQUIRE(last.contains("optimum"));
  double n = last["optimum"]["n_star"], d = last["optimum"]["d_star"], k = last["optimum"]["k_star"];
  CHECK(n > 0);
  CHECK(d > 0);
  CHECK(k >= 1);
  CHECK(k <= 1000);
  // The plan spends the one budget on training and serving.
  CHECK(6 * n * d + 2 * n * 100 * k * 1e7 <= 2e19 * (1 + 1e-6));
  Allocation truth = testing::true_optimum(c);
  INFO("truth N* " << truth.n << " k* " << truth.k << ", planned N* " << n << " k* " << k);
  CHECK(std::fabs(std::log(n / truth.n)) < std::log(1.5));
}

TEST_CASE("refit recovers the ground-truth law and its optimum from the full grid", "[design]") {
  SweepConfig c = testing::synthetic_config("grid", 21);
  SimulationResult sim = run_sweep(c, 100);
  REQUIRE(sim.contents.runs.size() == 64);
  FitData data = design_fit_data(sim.contents);
  REQUIRE(data.checkpoints.size() == 64);
  REQUIRE(data.outcomes.size() == 64 * c.eval.problems);
  DesignPlan dp = design_point_plan(sim.contents, c);
  const LawFit& f = dp.fit;
  REQUIRE(f.method == "two_stage");
  REQUIRE(f.accuracy.has_value());
  FittedLaw t = testing::law_of(testing::truth_of(c));
  ChinchillaParams fl = ChinchillaParams::from_theta(f.law.theta), tl = ChinchillaParams::from_theta(t.theta);
  // The loss law: the data's log-loss noise is 0.01; the fitted law stays within 1% of the truth
  // over the grid, and the exponents within 0.05.
  CHECK(f.accuracy->lhat.rmse_log < 0.015);
  CHECK(std::fabs(fl.alpha - tl.alpha) < 0.05);
  CHECK(std::fabs(fl.beta - tl.beta) < 0.05);
  for (const Checkpoint& o : data.checkpoints) CHECK(std::fabs(fl.loss(o.n, o.d) / tl.loss(o.n, o.d) - 1) < 0.01);
  // The accuracy law at the target's k, and the planned optimum.
  for (double n : {1e7, 3e7, 1e8}) {
    double d = 1e19 / (6 * n), k = 2e8 / (2 * n);
    CHECK(std::fabs(f.law.score(n, d, k) - t.score(n, d, k)) < 0.05);
  }
  CHECK(std::fabs(dp.plan.best.n / testing::true_n_star(c) - 1) < 0.10);
  // The bootstrap members differ (they resample runs and problems) but all fit.
  EnsembleFit ef = fit_ensemble(sim.contents, c, 5, 8);
  REQUIRE(ef.ok);
  CHECK(ef.members.size() == 8);
  CHECK(ef.n_interval.lo < ef.n_interval.hi);
  CHECK(ef.point_plan.best.n == dp.plan.best.n);  // the ensemble's point is the design's N*
}

TEST_CASE("a design document's N* is design_point_plan of what that batch saw", "[design]") {
  // "The design's N*" of a store is refit.hpp's design_point_plan; a document of batch b records
  // it for the results visible to b (batches < b - lag), and every plan the document records was
  // made with design_plan_bounds.
  SweepConfig c = testing::synthetic_config("adaptive", 9, "batches = 6\n");
  c.design.stop_tolerance = 1e-9;  // all 6 batches: the rule would stop it sooner
  SimulationResult sim = run_sweep(c, 6);
  auto design = make_design(c);
  int checked = 0;
  for (const Document& d : sim.contents.documents) {
    auto j = nlohmann::json::parse(d.json);
    if (!j.contains("optimum")) continue;
    StoreContents seen = visible_to_plan(sim.contents, d.batch, design->lag());
    DesignPlan dp = design_point_plan(seen, c);
    INFO("batch " << d.batch);
    CHECK(double(j["optimum"]["n_star"]) == dp.plan.best.n);
    CHECK(double(j["optimum"]["k_star"]) == dp.plan.best.k);
    CHECK(j["fit"]["method"] == "two_stage");
    CHECK(double(j["fit"]["point"]["theta2"]) == dp.fit.law.theta[7]);
    const PlanBounds b = design_plan_bounds(c);
    CHECK(double(j["optimum"]["n_lo"]) >= b.n_min);
    CHECK(double(j["optimum"]["n_hi"]) <= b.n_max);
    ++checked;
  }
  CHECK(checked >= 3);
}

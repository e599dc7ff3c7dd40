// bootstrap_coverage_test.cpp — a cheap, deterministic version of bench/coverage (issue 9, item 7):
// on a well-specified truth (the synthetic backend, whose v1 truth is exactly the Beta accuracy
// law) the 95% bootstrap interval of the planned N* contains the truth's N* on most of a fixed set
// of seeds. bench_coverage measures the rate over 20 seeds (100% there); this guards against
// intervals collapsing (e.g. refits that never leave the full-data optimum).
#include <catch2/catch.hpp>

#include <cmath>

#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/planner.hpp"
#include "tests/laws/synth.hpp"
#include "contract/seed.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

using namespace t2;

TEST_CASE("the bootstrap interval of N* covers a well-specified truth on at least 4 of 5 seeds") {
  SyntheticTruth truth;  // Hoffmann's L(N, D), 1% loss noise
  truth.theta0 = 3.5, truth.theta1 = 4.0, truth.theta2 = 0.85, truth.theta3 = 0.5, truth.theta4 = 0.3;
  SyntheticWorkload w(truth);
  FittedLaw exact{law_by_name("t2-accuracy"), {truth.E, truth.A, truth.B, truth.alpha, truth.beta, truth.theta0,
                                              truth.theta1, truth.theta2, truth.theta3, truth.theta4}};
  Deployment dep;
  dep.train_flops = 8e18, dep.inference_flops = 1.5e8;  // inside the sweep; k* ~ 3.5
  PlanBounds bounds;
  bounds.n_min = 1e6, bounds.n_max = 1e10, bounds.d_min = 1e8, bounds.d_max = 1e12;
  Plan tp = plan(exact, dep, bounds);
  REQUIRE(tp.best.n > 5e6);
  REQUIRE(tp.best.n < 1e9);  // interior: coverage is not decided by a bound
  int covered = 0;
  CancelFlag cancel{false};
  for (std::uint64_t seed : {21, 22, 23, 24, 25}) {
    FitData data;
    data.task = "t";
    std::uint32_t i = 0;
    for (auto [n, d] : test::sweep_grid(6, 8)) {
      TrainSpec ts;
      ts.index = i, ts.n_params = n, ts.n_tokens = d, ts.seed = mix_seed(seed, std::uint64_t{i});
      TrainResult tr = w.train(ts, cancel);
      EvalSpec es;
      es.index = i, es.run = i, es.n_params = n, es.n_tokens = d, es.run_loss = tr.final_loss, es.task = "t";
      es.problems = 200, es.samples = 8, es.seed = mix_seed(seed, std::uint64_t{1000 + i});
      EvalResult er = w.evaluate(es, cancel);
      data.checkpoints.push_back({n, d, tr.final_loss, i});
      for (std::uint32_t q = 0; q < es.problems; ++q) {
        std::uint32_t c = 0;
        for (std::uint32_t s = 0; s < es.samples; ++s) c += er.correct[std::size_t(q) * es.samples + s];
        data.outcomes.push_back({i, q, es.samples, c, er.answer_nll[q]});
      }
      ++i;
    }
    FitOptions fo;
    fo.law = "t2-accuracy";
    fo.lhat = LhatSource::train_loss;
    fo.method = AccuracyMethod::beta_binomial;
    BootstrapOptions bo;
    bo.replicates = 40, bo.seed = seed;
    LawFit r = fit_with_bootstrap(data, fo, bo);
    REQUIRE(r.bootstrap.replicates.size() >= 38);
    Plan p = plan(r.law, dep, bounds);
    PlanIntervals iv = plan_intervals(r.law, r.bootstrap.replicates, p, bounds);
    INFO("seed " << seed << ": N* " << p.best.n << " in [" << iv.n.lo << ", " << iv.n.hi << "], truth " << tp.best.n);
    CHECK(iv.n.hi > iv.n.lo);  // an interval, not a point
    covered += iv.n.contains(tp.best.n);
  }
  CHECK(covered >= 4);
}

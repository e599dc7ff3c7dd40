// plan_target_test.cpp — the one deployment-and-bounds model: [target] gives the deployment and
// its bounds, else the data widened 10x; the command line overrides both.
#include <catch2/catch.hpp>

#include "orchestrator/analysis/plan_target.hpp"

using namespace t2;

static const char* kConfig = R"(
[sweep]
name = "t"
store = "t.h5"
[grid]
n = [2e4, 1e5]
d = [2e5, 2e6]
[eval]
tasks = ["arithmetic"]
problems = 8
samples = 4
[target]
train_budget = 1.2e12
inference_budget = 6.4e6
n_min = 1e4
n_max = 1e6
k_max = 64
[workload]
backend = "synthetic"
)";

static FitData runs() {
  FitData d;
  d.checkpoints = {{2e4, 2e5, 3.0, 0}, {1e5, 2e6, 2.5, 1}, {5e4, 6e5, 2.7, 2}};
  return d;
}

TEST_CASE("[target] gives the deployment and the bounds it states; the data the others") {
  SweepConfig c = parse_sweep_config(kConfig, "q.toml");
  PlanTarget t = plan_target(std::nullopt, &c, runs(), 1024, {});
  REQUIRE(t.deployment);
  CHECK(t.deployment->form == Deployment::Form::split);
  CHECK(t.deployment->train_flops == 1.2e12);
  CHECK(t.deployment->inference_flops == 6.4e6);
  CHECK(t.deployment_source == "[target] of q.toml");
  CHECK(t.bounds.n_min == 1e4);
  CHECK(t.bounds.n_max == 1e6);
  CHECK(t.n_source == "[target] n_min / [target] n_max");
  CHECK(t.bounds.k_max == 64);
  CHECK(t.bounds.d_min == Approx(2e5 / kBoundsWidening));  // [target] has no D bounds: the runs'
  CHECK(t.bounds.d_max == Approx(2e6 * kBoundsWidening));
}

TEST_CASE("without [target], bounds come from the data widened 10x and k from the fit's k grid") {
  PlanTarget t = plan_target(std::nullopt, nullptr, runs(), 256, {});
  CHECK(!t.deployment);
  CHECK(t.bounds.n_min == Approx(2e3));
  CHECK(t.bounds.n_max == Approx(1e6));
  CHECK(t.bounds.d_min == Approx(2e4));
  CHECK(t.bounds.d_max == Approx(2e7));
  CHECK(t.bounds.k_max == 256);
}

TEST_CASE("flags override [target] and the data") {
  SweepConfig c = parse_sweep_config(kConfig, "q.toml");
  Deployment dep;
  dep.train_flops = 1e15;
  BoundsFlags f;
  f.n_min = 5e3, f.d_max = 1e9, f.k_max = 8;
  PlanTarget t = plan_target(dep, &c, runs(), 1024, f);
  CHECK(t.deployment->train_flops == 1e15);
  CHECK(t.deployment_source == "command line");
  CHECK(t.bounds.n_min == 5e3);
  CHECK(t.bounds.n_max == 1e6);  // still [target]'s
  CHECK(t.bounds.d_max == 1e9);
  CHECK(t.bounds.k_max == 8);
}

TEST_CASE("the deployment's k of a run: C_inf / 2N in the split form, the rest of C end to end") {
  PlanBounds b;
  b.k_max = 64;
  Deployment s;
  s.train_flops = 1e12, s.inference_flops = 6.4e6;
  CHECK(deployment_k(s, b, 1e5, 1e6) == Approx(32));
  CHECK(deployment_k(s, b, 1e4, 1e6) == 64);  // capped
  s.inference_flops = 0;
  CHECK(deployment_k(s, b, 1e5, 1e6) == 1);
  Deployment e;
  e.form = Deployment::Form::end_to_end;
  e.total_flops = 6e12 + 2 * 1e5 * 10 * 4 * 1000, e.queries = 1000, e.tokens_per_sample = 10;
  CHECK(deployment_k(e, b, 1e5, 1e7) == Approx(4));
}

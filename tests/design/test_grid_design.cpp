// test_grid_design.cpp — the static grid strategy: every point once, in order, in batches,
// within the compute cap, continuing from what the store already planned.
#include <catch2/catch.hpp>

#include <set>

#include "orchestrator/design/design.hpp"

using namespace t2;

namespace {
SweepConfig config(const std::string& extra_sweep = "", const std::string& design = "batch_size = 4") {
  return parse_sweep_config(R"(
[sweep]
name = "g"
)" + extra_sweep + R"(
[grid]
n = [1e5, 1e6, 1e7]
d = [1e7, 1e8, 1e9]
[design]
)" + design + R"(
[eval]
tasks = ["arithmetic", "spatial"]
problems = 8
samples = 4
[workload]
backend = "synthetic"
)",
                            "g.toml");
}

// Feeds a plan back as a store would: plans are kept, results stay hidden.
void absorb(StoreContents& c, const BatchPlan& p) {
  JobIndex base = static_cast<JobIndex>(c.runs.size());
  for (auto& r : p.runs) {
    RunRecord rec;
    rec.index = static_cast<JobIndex>(c.runs.size());
    rec.plan = r;
    rec.batch = static_cast<std::uint32_t>(c.batches.size());
    c.runs.push_back(rec);
  }
  for (auto& e : p.evals) {
    EvalRecord rec;
    rec.index = static_cast<JobIndex>(c.evals.size());
    rec.plan = e;
    rec.plan.run += base;
    c.evals.push_back(rec);
  }
  c.batches.push_back({});
}
}  // namespace

TEST_CASE("the grid design plans every point once, in batches, then stops") {
  auto cfg = config();
  auto design = make_design(cfg);
  StoreContents seen;
  std::set<std::pair<double, double>> points;
  std::uint32_t b = 0;
  for (;; ++b) {
    auto plan = design->next_batch(b, seen);
    if (plan.stop) {
      CHECK_THAT(plan.reason, Catch::Contains("9 grid runs"));
      break;
    }
    CHECK(plan.runs.size() <= 4);
    CHECK(plan.evals.size() == plan.runs.size() * 2);
    for (auto& r : plan.runs) CHECK(points.insert({r.n_params, r.n_tokens}).second);
    absorb(seen, plan);
  }
  CHECK(b == 3);  // 4 + 4 + 1
  CHECK(points.size() == 9);
  // Seeds are a function of (sweep seed, N, D, replicate), distinct per run.
  std::set<std::uint64_t> seeds;
  for (auto& r : seen.runs) seeds.insert(r.plan.seed);
  CHECK(seeds.size() == 9);
}

TEST_CASE("the grid design stops at the compute cap and says so") {
  auto cfg = config("compute_cap = 7e14", "batch_size = 2");
  auto design = make_design(cfg);
  StoreContents seen;
  double spent = 0;
  BatchPlan p;
  for (std::uint32_t b = 0; b < 10; ++b) {
    p = design->next_batch(b, seen);
    if (p.stop) break;
    for (auto& r : p.runs) spent += run_flops(r.n_params, r.n_tokens, cfg.eval);
    absorb(seen, p);
  }
  REQUIRE(p.stop);
  CHECK_THAT(p.reason, Catch::Contains("compute_cap"));
  CHECK(spent <= 7e14);
  CHECK(seen.runs.size() == 3);  // (1e5,1e7), (1e5,1e8), (1e5,1e9); (1e6,1e7) would pass the cap
}

TEST_CASE("the grid design honours design.batches") {
  auto cfg = config("", "batch_size = 2\nbatches = 2");
  auto design = make_design(cfg);
  StoreContents seen;
  absorb(seen, design->next_batch(0, seen));
  absorb(seen, design->next_batch(1, seen));
  auto p = design->next_batch(2, seen);
  CHECK(p.stop);
  CHECK_THAT(p.reason, Catch::Contains("design.batches = 2"));
}

TEST_CASE("runs the grid did not plan (imports) do not shift it") {
  auto cfg = config();
  auto design = make_design(cfg);
  StoreContents seen;
  // An imported run that is not a grid point, and one that is (grid point 0, same seed).
  BatchPlan foreign;
  foreign.runs.push_back({3e5, 3e7, 12345, 0});
  foreign.runs.push_back({1e5, 1e7, run_seed(cfg.seed, 1e5, 1e7, 0), 0});
  absorb(seen, foreign);
  std::set<std::pair<double, double>> points;
  for (std::uint32_t b = 1;; ++b) {
    auto plan = design->next_batch(b, seen);
    if (plan.stop) break;
    for (auto& r : plan.runs) CHECK(points.insert({r.n_params, r.n_tokens}).second);
    absorb(seen, plan);
  }
  CHECK(points.size() == 8);  // the 9 grid points but the one already there
  CHECK(!points.count({1e5, 1e7}));
}

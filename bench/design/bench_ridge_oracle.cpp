// bench_ridge_oracle.cpp — what data pins the T² optimum down on the v2 truth (bench/design/README.md,
// "Oracle runs"): the paper's fit (t2-accuracy, two_stage, Lhat on the answer NLL) on the 16 blind
// runs of examples/adaptive.toml plus runs placed on the *truth's* own ridge (static designs), or on
// the *fitted* ridge batch after batch (the ridge rule with other budget ladders). Prints N*'s error
// against the truth row and, for the static designs, the 95% bootstrap interval (32 refits).
// Usage: bench_ridge_oracle SEED [static|ladder]   (the README's numbers: seeds 42, 1, 2)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/design/design_space.hpp"
#include "orchestrator/design/initial_design.hpp"
#include "orchestrator/design/refit.hpp"
#include "orchestrator/design/simulation.hpp"
#include "orchestrator/laws/fit.hpp"
#include "orchestrator/truth/truth_row.hpp"
#include "bench/design/v2_scenario.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

using namespace t2;

namespace {

SweepConfig scenario(std::uint64_t seed) { return bench::example_config("adaptive.toml", seed); }

// A design that runs fixed lists of points, one list per batch.
struct FixedDesign final : Design {
  explicit FixedDesign(const SweepConfig& c, std::vector<std::vector<GridPoint>> b) : config(c), batches(std::move(b)) {}
  std::string name() const override { return "fixed"; }
  std::uint32_t lag() const override { return 0; }
  BatchPlan next_batch(std::uint32_t b, const StoreContents&) override {
    BatchPlan p;
    if (b >= batches.size()) {
      p.stop = true;
      p.reason = "end";
      return p;
    }
    for (const GridPoint& g : batches[b]) {
      PlannedRun r = planned_run(config.seed, g.n, g.d, 0);
      std::uint32_t i = std::uint32_t(p.runs.size());
      p.runs.push_back(r);
      for (PlannedEval e : evals_for_run(config, i, r)) p.evals.push_back(e);
    }
    return p;
  }
  const SweepConfig& config;
  std::vector<std::vector<GridPoint>> batches;
};

struct Fitted {
  LawFit fit;
  Plan plan;
  double flops = 0;
  std::size_t runs = 0;
};

Fitted fit_design(const SweepConfig& c, const Deployment& dep, const std::vector<std::vector<GridPoint>>& batches,
                  std::uint32_t bootstrap) {
  FixedDesign d(c, batches);
  SyntheticWorkload w(synthetic_truth_of(c.workload));
  SimulationResult sim = simulate_sweep(c, d, w, std::uint32_t(batches.size()) + 1);
  FitData data = fit_data_from_store(sim.contents, c.eval.tasks.front());
  const FitOptions fo = bench::example_fit_options(c);
  Fitted out;
  if (bootstrap > 0) {
    BootstrapOptions bo;
    bo.replicates = bootstrap;
    bo.seed = 7;
    bo.threads = 2;
    out.fit = fit_with_bootstrap(data, fo, bo);
  } else {
    out.fit = fit_law(data, fo);
  }
  out.plan = plan(out.fit.law, dep, PlanBounds{});
  out.flops = sim.flops;
  out.runs = data.checkpoints.size();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_ridge_oracle SEED [static|ladder]\n");
    return 2;
  }
  const std::uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const std::string mode = argc > 2 ? argv[2] : "static";
  SweepConfig c = scenario(seed);
  const Deployment dep = design_deployment(c.target);  // the one deployment model (refit.hpp)
  const double C = dep.train_flops;
  auto truth_at = [&](double budget) {
    Deployment d = dep;
    d.train_flops = budget;
    return truth_beside_plan(c, c.eval.tasks.front(), d, PlanBounds{}, Allocation{})->optimum;
  };
  const Allocation truth = truth_at(C);
  std::printf("seed %llu: truth N* %.4g, D/N %.0f, k %.1f\n", (unsigned long long)seed, truth.n, truth.d / truth.n, truth.k);
  DesignSpace space(c);
  const std::vector<GridPoint> blind = initial_points(c, space, 16, initial_point_cap(c.target));

  if (mode == "static") {
    // Sizes N*_truth(C') * 2^(i * step), i = lo..hi, on the isoFLOP slice C'.
    auto slice = [&](double budget, int lo, int hi, double step) {
      std::vector<GridPoint> v;
      Allocation a = truth_at(budget);
      for (int i = lo; i <= hi; ++i) {
        double n = a.n * std::pow(2.0, i * step);
        v.push_back({n, budget / (6 * n)});
      }
      return v;
    };
    auto ridge = [&](std::vector<double> divisors) {
      std::vector<GridPoint> v;
      for (double f : divisors) v.push_back(slice(C / f, 0, 0, 0)[0]);
      return v;
    };
    std::vector<std::pair<std::string, std::vector<std::vector<GridPoint>>>> designs = {
        {"blind", {blind}},
        {"blind + truth ridge C, C/2, C/4", {blind, ridge({1, 2, 4})}},
        {"blind + truth ridge C/2..C/16", {blind, ridge({2, 4, 8, 16})}},
        {"blind + slice C x3", {blind, slice(C, -1, 1, 1.0)}},
        {"blind + slice C/2 x3", {blind, slice(C / 2, -1, 1, 1.0)}},
        {"blind + slice C/4 x5", {blind, slice(C / 4, -2, 2, 0.5)}},
        {"blind + slices C/8, C/16 x5", {blind, slice(C / 8, -2, 2, 0.5), slice(C / 16, -2, 2, 0.5)}},
        {"blind + slices C/16..C/64 x5", {blind, slice(C / 16, -2, 2, 0.5), slice(C / 32, -2, 2, 0.5), slice(C / 64, -2, 2, 0.5)}},
    };
    for (const auto& [name, batches] : designs) {
      Fitted f = fit_design(c, dep, batches, 32);
      PlanIntervals iv = plan_intervals(f.fit.law, f.fit.bootstrap.replicates, f.plan, PlanBounds{}, 0.95, 2);
      std::printf("%-34s runs %3zu FLOPs %.3g  N* %.4g (%+.1f%%)  95%% [%.3g, %.3g] width %.2f\n", name.c_str(), f.runs,
                  f.flops, f.plan.best.n, 100 * (f.plan.best.n / truth.n - 1), iv.n.lo, iv.n.hi,
                  (iv.n.hi - iv.n.lo) / f.plan.best.n);
    }
    return 0;
  }
  // Ladders: each batch = the fitted law's optimum at C / f for f in the ladder.
  const std::vector<std::pair<std::string, std::vector<double>>> ladders = {
      {"C..C/4", {1, 2, 4}}, {"C/2..C/8", {2, 4, 8}}, {"C/2..C/32", {2, 4, 8, 16, 32}},
      {"C..C/16", {1, 2, 4, 8, 16}}, {"C/2..C/256 (the rule)", {2, 4, 8, 16, 32, 64, 128, 256}}};
  for (const auto& [name, ladder] : ladders) {
    std::vector<std::vector<GridPoint>> batches = {blind};
    double placed = 0;
    std::printf("%s:", name.c_str());
    for (int round = 0; round < 5; ++round) {
      Fitted f = fit_design(c, dep, batches, 0);
      std::printf("  [%.3g FLOPs: %+.1f%%, shift %+.1f%%]", f.flops, 100 * (f.plan.best.n / truth.n - 1),
                  placed > 0 ? 100 * (f.plan.best.n / placed - 1) : 0.0);
      std::vector<GridPoint> next;
      for (double div : ladder) {
        Deployment d = dep;
        d.train_flops = C / div;
        Allocation a = plan(f.fit.law, d, PlanBounds{}).best;
        next.push_back({a.n, C / div / (6 * a.n)});
      }
      placed = f.plan.best.n;
      batches.push_back(next);
    }
    std::printf("\n");
  }
  return 0;
}

// bench_design_v2.cpp — bench/design on the v2 synthetic truth (issue 10, item 6): the scenario of
// examples/adaptive.toml (12 sizes 5M..900M, isoFLOP levels 1.25e16..2.56e19, 1..5,000 tokens per
// parameter, truth = "irt", target C_train = 1e19, C_inf = 2e9), simulated in-process for the
// grid, random and adaptive strategies. After every batch the paper's fit (t2-accuracy, two_stage,
// likelihood source: `t2 plan --method two_stage`) plans N* from everything done so far; the
// truth's N* is the truth row (orchestrator/truth). Prints per seed the FLOPs until N* stays
// within 10% of the truth, medians, grid/adaptive, and the adaptive FLOPs as a fraction of the
// full static grid (what the paper ran). Usage: bench_design_v2 [SEEDS=10] [FIRST=101] [MAX_BATCHES=40]
// Environment: BENCH_STRATEGIES=adaptive (a comma list) runs only those strategies (the others'
// medians print as "not run"); BENCH_TRACE=1 prints every batch: FLOPs so far, the fit's N* and
// its error, the fit's time, and for adaptive the design's own N* interval and the chosen (N, D/N).
// Seeds 101.. were never used to choose the truth's defaults or the examples (those used 42, 1..5).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/design/refit.hpp"
#include "orchestrator/design/simulation.hpp"
#include "orchestrator/laws/fit.hpp"
#include "orchestrator/truth/truth_row.hpp"
#include "bench/design/v2_scenario.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

using namespace t2;

namespace {

SweepConfig scenario(const std::string& strategy, std::uint64_t seed) {
  return bench::example_config("adaptive.toml", seed, strategy);
}

// N* of the example's estimator (the paper's fit, local as the example sets it) on everything in `contents`; 0 when the data cannot support the fit.
double estimated_n_star(const SweepConfig& c, const StoreContents& contents) {
  try {
    FitData data = fit_data_from_store(contents, c.eval.tasks.front());
    if (data.checkpoints.size() < 6) return 0;
    LawFit fit = fit_law(data, bench::example_fit_options(c));
    Plan p = plan(fit.law, design_deployment(c.target), PlanBounds{});
    return p.best.feasible ? p.best.n : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

struct Outcome { double flops_needed, flops_total, final_error; std::uint32_t batches; std::string stop; };

Outcome run(const std::string& strategy, std::uint64_t seed, double truth, std::uint32_t max_batches) {
  SweepConfig c = scenario(strategy, seed);
  auto design = make_design(c);
  SyntheticWorkload workload(synthetic_truth_of(c.workload));
  std::vector<std::pair<double, double>> trace;  // (FLOPs spent, relative error after the batch)
  SimulationResult sim = simulate_sweep(c, *design, workload, max_batches, [&](const StoreContents& s, double flops) {
    auto t0 = std::chrono::steady_clock::now();
    double est = estimated_n_star(c, s);
    double fit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    trace.push_back({flops, est > 0 ? std::fabs(est / truth - 1) : 1e9});
    if (std::getenv("BENCH_TRACE")) {
      std::printf("  %s batch %zu: FLOPs %.3g, N* %.4g (err %+.3f) [two_stage fit %.2f s]\n", strategy.c_str(),
                  trace.size() - 1, flops, est, est / truth - 1, fit_s);
      // The design's own view of the batch just planned (adaptive: its N* interval and chosen points).
      if (!s.documents.empty() && strategy == "adaptive") {
        nlohmann::json d = nlohmann::json::parse(s.documents.back().json);
        if (d.contains("optimum")) {
          const auto& o = d["optimum"];
          std::printf("    design: N* %.4g median %.4g [%.4g, %.4g] width %.3f\n", o["n_star"].get<double>(),
                      o["n_median"].get<double>(), o["n_lo"].get<double>(), o["n_hi"].get<double>(),
                      o["rel_width"].get<double>());
        }
        std::printf("    chosen (N, D/N):");
        for (const auto& c : d.value("chosen", nlohmann::json::array()))
          std::printf(" (%.3g, %.0f)", c["n"].get<double>(), c["d"].get<double>() / c["n"].get<double>());
        std::printf("\n");
      }
    }
    return true;
  });
  double needed = std::numeric_limits<double>::infinity();
  for (std::size_t i = trace.size(); i-- > 0;) {
    if (trace[i].second > 0.10) break;
    needed = trace[i].first;
  }
  return {needed, sim.flops, trace.empty() ? 1e9 : trace.back().second, sim.batches, sim.stop_reason};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (std::isinf(v[m]) ? v[m] : 0.5 * (v[m - 1] + v[m]));
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = argc > 1 ? std::atoi(argv[1]) : 10;
  int first = argc > 2 ? std::atoi(argv[2]) : 101;
  std::uint32_t max_batches = argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[3])) : 40;
  const char* names[] = {"grid", "random", "adaptive"};
  std::vector<double> needed[3];
  SweepConfig c0 = scenario("grid", std::uint64_t(first));
  double full_grid = 0;
  for (const GridPoint& g : grid_points(c0.grid)) full_grid += run_flops(g.n, g.d, c0.eval) * c0.replicates;
  std::printf("scenario examples/adaptive.toml: full static grid %.4g FLOPs (%zu runs); target C_train %.3g, C_inf %.3g\n",
              full_grid, grid_points(c0.grid).size(), c0.target.train_budget, c0.target.inference_budget);
  std::printf("%-5s %-9s %11s %12s %12s %10s %8s  %s\n", "seed", "strategy", "truth N*", "FLOPs@10%", "FLOPs total",
              "final err", "batches", "stop");
  for (int s = first; s < first + seeds; ++s) {
    SweepConfig c = scenario("grid", std::uint64_t(s));
    // The truth row: the exact law's optimum under the planner the fit uses (same bounds).
    Allocation none;
    double truth = truth_beside_plan(c, c.eval.tasks.front(), design_deployment(c.target), PlanBounds{}, none)->optimum.n;
    for (int k = 0; k < 3; ++k) {
      // BENCH_STRATEGIES=adaptive (a comma list) runs only those strategies.
      if (const char* only = std::getenv("BENCH_STRATEGIES"); only && std::string(only).find(names[k]) == std::string::npos) {
        needed[k].push_back(std::numeric_limits<double>::infinity());
        continue;
      }
      Outcome o = run(names[k], std::uint64_t(s), truth, max_batches);
      needed[k].push_back(o.flops_needed);
      std::printf("%-5d %-9s %11.4g %12.4g %12.4g %10.4f %8u  %s\n", s, names[k], truth, o.flops_needed, o.flops_total,
                  o.final_error, o.batches, o.stop.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\nmedian sweep FLOPs until N* stays within 10%% of the truth (inf = never), seeds %d..%d:\n", first,
              first + seeds - 1);
  const char* only = std::getenv("BENCH_STRATEGIES");
  auto ran = [&](int k) { return !only || std::string(only).find(names[k]) != std::string::npos; };
  for (int k = 0; k < 3; ++k)
    if (ran(k)) std::printf("  %-9s %12.4g\n", names[k], median(needed[k]));
    else std::printf("  %-9s %12s\n", names[k], "not run");
  // A strategy whose median never got within 10% has no ratio: say so rather than print inf or 0.
  auto ratio = [](double a, double b) {
    return std::isinf(a) || std::isinf(b) ? std::string("n/a (a median never within 10%)") : fmt::format("{:.3g}", a / b);
  };
  auto of = [&](int a, int b) { return ran(a) && ran(b) ? ratio(median(needed[a]), median(needed[b])) : std::string("not run"); };
  std::printf("ratio grid/adaptive          = %s   (target >= 5)\n", of(0, 2).c_str());
  std::printf("ratio random/adaptive        = %s\n", of(1, 2).c_str());
  std::printf("adaptive / full static grid  = %s   (target <= 1/20 = 0.05)\n",
              ran(2) ? ratio(median(needed[2]), full_grid).c_str() : "not run");
  return 0;
}

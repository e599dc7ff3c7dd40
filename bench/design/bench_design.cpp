// bench_design.cpp — sweep FLOPs each strategy (grid, random, adaptive) spends before its
// estimate of N*(C_target) stays within 10% of the truth, over seeds of the synthetic ground
// truth, simulated in-process (orchestrator/design/simulation.hpp). Prints per-seed numbers,
// medians and the ratios grid/adaptive and random/adaptive. Usage: bench_design [SEEDS=10] [FIRST=1]
// (seeds FIRST .. FIRST + SEEDS - 1)
// With BENCH_TRACE=1 in the environment it also prints, per adaptive batch, the plain fit's N*
// error, its law, and the N* error of the fitted loss law with the true accuracy law (fitloss)
// and of the true loss law with the fitted accuracy law (fitacc); BENCH_POINTS=1 adds the points.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "orchestrator/design/simulation.hpp"
#include "tests/design/synthetic_sweep.hpp"

using namespace t2;

namespace {

// Batches a simulated sweep may run at most: the grid has 8 and random 8; adaptive stops by its
// own rule or after this many (its estimate must then have stayed within 10% until the end).
constexpr std::uint32_t kMaxBatches = 40;

struct Outcome { double flops_needed, flops_total, final_error; std::uint32_t batches; double seconds; std::string stop; };

Outcome run(const std::string& strategy, std::uint64_t seed) {
  SweepConfig c = testing::synthetic_config(strategy, seed);
  const double truth = testing::true_n_star(c);
  auto design = make_design(c);
  SyntheticWorkload workload(testing::truth_of(c));
  std::vector<std::pair<double, double>> trace;  // (flops spent, relative error after the batch)
  auto t0 = std::chrono::steady_clock::now();
  SimulationResult sim = simulate_sweep(c, *design, workload, kMaxBatches, [&](const StoreContents& s, double flops) {
    double est = testing::estimated_n_star(c, s);
    trace.push_back({flops, est > 0 ? std::fabs(est / truth - 1) : 1e9});
    if (std::getenv("BENCH_TRACE") && strategy == "adaptive") {
      std::printf("  batch %zu: FLOPs %.3g, N* %.4g (err %+.3f)\n", trace.size() - 1, flops, est, est / truth - 1);
      FittedLaw tl = testing::law_of(testing::truth_of(c));
      try {
        DesignPlan dp = design_point_plan(s, c);
        const std::vector<double>& th = dp.fit.law.theta;
        FittedLaw mix1 = dp.fit.law, mix2 = tl;  // fitted loss + true accuracy; true loss + fitted accuracy
        std::copy(tl.theta.begin() + 5, tl.theta.end(), mix1.theta.begin() + 5);
        std::copy(th.begin() + 5, th.end(), mix2.theta.begin() + 5);
        auto n_of = [&](const FittedLaw& l) { return plan(l, design_deployment(c.target), design_plan_bounds(c)).best.n; };
        std::printf("    fit E %.3f A %.0f B %.0f a %.3f b %.3f th %.3f %.3f %.3f %.3f %.3f | err fitloss %+.3f fitacc %+.3f\n", th[0], th[1], th[2], th[3], th[4], th[5], th[6], th[7], th[8], th[9], n_of(mix1) / truth - 1, n_of(mix2) / truth - 1);
      } catch (const FitError&) {
      }
      for (const RunRecord& r : s.runs)
        if (std::getenv("BENCH_POINTS") && r.batch + 1 == trace.size()) std::printf("      N %.3g D %.3g (D/N %.0f, 6ND %.2g)\n", r.plan.n_params, r.plan.n_tokens, r.plan.n_tokens / r.plan.n_params, 6 * r.plan.n_params * r.plan.n_tokens);
    }
    return true;
  });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The first batch after which every later estimate is within 10%.
  double needed = std::numeric_limits<double>::infinity();
  for (std::size_t i = trace.size(); i-- > 0;) {
    if (trace[i].second > 0.10) break;
    needed = trace[i].first;
  }
  return {needed, sim.flops, trace.empty() ? 1e9 : trace.back().second, sim.batches, secs, sim.stop_reason};
}

// Median that tolerates infinities (a strategy that never got within 10%).
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (std::isinf(v[m]) ? v[m] : 0.5 * (v[m - 1] + v[m]));
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = argc > 1 ? std::atoi(argv[1]) : 10;
  int first = argc > 2 ? std::atoi(argv[2]) : 1;
  const char* names[] = {"grid", "random", "adaptive"};
  std::vector<double> needed[3], secs[3];
  std::printf("truth N* = %.4g (C_train = 1e19, C_inf = 2e8)\n", testing::true_n_star(testing::synthetic_config("grid", 1)));
  std::printf("%-5s %-9s %12s %12s %10s %8s %7s  %s\n", "seed", "strategy", "FLOPs@10%", "FLOPs total", "final err",
              "batches", "sec", "stop");
  for (int s = first; s < first + seeds; ++s)
    for (int k = 0; k < 3; ++k) {
      Outcome o = run(names[k], std::uint64_t(s));
      needed[k].push_back(o.flops_needed);
      secs[k].push_back(o.seconds);
      std::printf("%-5d %-9s %12.4g %12.4g %10.4f %8u %7.2f  %s\n", s, names[k], o.flops_needed, o.flops_total,
                  o.final_error, o.batches, o.seconds, o.stop.c_str());
      std::fflush(stdout);
    }
  std::printf("\nmedian sweep FLOPs until N* stays within 10%% of the truth (inf = never):\n");
  for (int k = 0; k < 3; ++k)
    std::printf("  %-9s %12.4g   (median wall %.2f s per sweep, machine shared: noisy)\n", names[k], median(needed[k]),
                median(secs[k]));
  std::printf("ratio grid/adaptive   = %.2f\n", median(needed[0]) / median(needed[2]));
  std::printf("ratio random/adaptive = %.2f\n", median(needed[1]) / median(needed[2]));
  return 0;
}

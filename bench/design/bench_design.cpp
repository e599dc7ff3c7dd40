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
      auto obs = observations(s);
      FitResult f = fit_law(obs, make_resample(obs, 0, 0));
      LawParams tl = testing::law_of(testing::truth_of(c));
      double lo, hi;
      planner_bounds(c, lo, hi);
      LawParams mix1 = f.law, mix2 = tl;  // fitted loss + true accuracy; true loss + fitted accuracy
      mix1.theta0 = tl.theta0; mix1.theta1 = tl.theta1; mix1.theta2 = tl.theta2; mix1.theta3 = tl.theta3; mix1.theta4 = tl.theta4;
      mix2.theta0 = f.law.theta0; mix2.theta1 = f.law.theta1; mix2.theta2 = f.law.theta2; mix2.theta3 = f.law.theta3; mix2.theta4 = f.law.theta4;
      if (f.ok) std::printf("    fit E %.3f A %.0f B %.0f a %.3f b %.3f th %.3f %.3f %.3f %.3f %.3f | err fitloss %+.3f fitacc %+.3f\n", f.law.E, f.law.A, f.law.B, f.law.alpha, f.law.beta, f.law.theta0, f.law.theta1, f.law.theta2, f.law.theta3, f.law.theta4, plan_optimum(mix1, c.target, lo, hi).n / truth - 1, plan_optimum(mix2, c.target, lo, hi).n / truth - 1);
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

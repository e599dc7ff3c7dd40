// bench_refit.cpp — how long one adaptive refit takes: the design's next_batch (plain fit,
// [design] ensemble bootstrap members, a plan per member, acquisition) and the plain fit with
// its plan alone (tests/design/synthetic_sweep.hpp's estimated_n_star), on the store of a
// simulated adaptive sweep of the shared synthetic scenario after BATCHES batches.
// Usage: bench_refit [SEED=51] [BATCHES=12] [REPEATS=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "orchestrator/design/design_space.hpp"
#include "orchestrator/design/simulation.hpp"
#include "tests/design/synthetic_sweep.hpp"

using namespace t2;

int main(int argc, char** argv) {
  const std::uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 51;
  const std::uint32_t batches = argc > 2 ? std::uint32_t(std::atoi(argv[2])) : 12;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  SweepConfig c = testing::synthetic_config("adaptive", seed);
  auto design = make_design(c);
  SyntheticWorkload workload(testing::truth_of(c));
  SimulationResult sim = simulate_sweep(c, *design, workload, batches);
  const std::uint32_t b = sim.batches;
  StoreContents seen = visible_to_plan(sim.contents, b, design->lag());
  std::size_t done = 0;
  for (const RunRecord& r : seen.runs) done += r.state == JobState::done;
  using clock = std::chrono::steady_clock;
  double batch_ms = 1e300, plain_ms = 1e300;  // best of `repeats` (the machine is shared)
  for (int i = 0; i < repeats; ++i) {
    auto fresh = make_design(c);
    auto t0 = clock::now();
    BatchPlan p = fresh->next_batch(b, seen);
    batch_ms = std::min(batch_ms, std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    t0 = clock::now();
    volatile double n = testing::estimated_n_star(c, seen);
    (void)n;
    plain_ms = std::min(plain_ms, std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    (void)p;
  }
  std::printf("seed %llu, batch %u, %zu runs seen, ensemble %u: next_batch %.1f ms (%.2f ms per fit of 1 + %u), "
              "plain fit + plan %.2f ms (best of %d)\n",
              static_cast<unsigned long long>(seed), b, done, c.design.ensemble, batch_ms,
              batch_ms / (1 + c.design.ensemble), c.design.ensemble, plain_ms, repeats);
  return 0;
}

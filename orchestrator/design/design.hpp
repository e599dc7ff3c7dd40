// design.hpp — what to run next: a Design turns the results so far into the next batch of
// (N, D) training jobs (each with its eval jobs), or says why the sweep should stop.
// Strategies: grid (static), random, adaptive (schemas/sweep-config.md, [design]).
// Knows StoreContents and the laws, not MPI and not the HDF5 file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

struct BatchPlan {
  std::vector<PlannedRun> runs;
  // Evals of the runs above; PlannedEval::run is the index into `runs` of this plan (the
  // coordinator rebases it to the absolute index when the store assigns one).
  std::vector<PlannedEval> evals;
  bool stop = false;          // no more batches; `reason` says why
  std::string reason;
  std::string decision_json;  // stored as a "design" document: fit summary, candidate scores, choices
};

class Design {
 public:
  virtual ~Design() = default;
  virtual std::string name() const = 0;
  // How many of the most recent batches the plan of batch b may NOT depend on: batch b is
  // planned from the results of batches < b - lag() only, which the coordinator guarantees are
  // finished (done or failed) and hides everything newer. lag() = 1 lets a refit run while
  // batch b-1 still trains, and keeps the plan identical whatever the number of ranks.
  // A static design that ignores results returns a large value.
  virtual std::uint32_t lag() const = 0;
  // Plans batch number `batch` (0-based). `seen` holds only what the plan may depend on.
  // Must be deterministic for a given config, seed, batch and `seen`.
  virtual BatchPlan next_batch(std::uint32_t batch, const StoreContents& seen) = 0;
};

std::unique_ptr<Design> make_design(const SweepConfig& config);  // throws ConfigError

// The eval jobs of one run as the config asks for them (one per task), seeds derived
// from the sweep seed and the run's identity. Shared by every strategy.
std::vector<PlannedEval> evals_for_run(const SweepConfig& config, std::uint32_t run_in_plan,
                                       const PlannedRun& run);
// The seed of a training job: a function of (sweep seed, N, D, replicate) only.
std::uint64_t run_seed(std::uint64_t sweep_seed, double n, double d, std::uint32_t replicate);
// A training job at (N, D) as every strategy emits it: N and D rounded to whole numbers, here
// and only here, so a job's sizes are counts wherever they go (trainer argv, store, export; a
// log range's 1e5 is not 100000.00000000001). The seed is of (N, D) as the strategy produced
// them, as before rounding existed, so stores planned then resume with the same seeds.
PlannedRun planned_run(std::uint64_t sweep_seed, double n, double d, std::uint32_t replicate);

}  // namespace t2

// adaptive_design.hpp — the `adaptive` strategy: after every batch, refit the paper's law
// (refit.hpp), plan the deployment optimum, stop when runs placed at the optimum no longer move
// it or the compute is spent, else train the fit's compute-optimal ridge below the target next
// (acquisition.hpp). Owns the batch loop's decisions and their record (BatchPlan::decision_json);
// knows no MPI and no HDF5.
//
// Per batch b (plan depends on `seen` = results of every batch < b, so lag() = 0):
//  1. remaining = compute cap - planned cost of batches < b, from their records in `seen`.
//     Cap: [sweep] compute_cap, or (0) the planned cost of the whole [grid]: the adaptive sweep
//     never spends more than the static grid would.
//  2. Stop when [design] batches batches were planned, or remaining <= 0.
//  3. Fit (refit.hpp, by orchestrator/laws): the plain fit and [design] ensemble bootstrap members
//     (checkpoints and problems resampled, seeds from (sweep seed, batch, member)). With too little
//     data to fit (fewer than 5 distinct evaluated points, or the laws' FitError), plan a blind
//     batch: the initial design for batch 0, space-filling points after it.
//  4. Plan N* with the plain fit (laws' plan(), design_plan_bounds); the members' 2.5-97.5%
//     percentile interval of N* is recorded and printed beside it.
//  5. Stop when batch b - 1 was a ridge batch placed around N*_{b-1} and |N*_b / N*_{b-1} - 1| <=
//     [design] stop_tolerance (and N*_b is not on a planner bound).
//  6. Else the next batch is the fit's ridge (acquisition.hpp ridge_points, batch_size points);
//     each eval gets choose_samples() samples. No affordable point: stop, compute cap spent.
// lag 0 means the workers wait for the refit (seconds) and for a batch's slowest run before the
// next batch starts: the stop rule compares the fit after a batch with the fit that placed it.
#pragma once

#include <map>

#include "orchestrator/design/design.hpp"
#include "orchestrator/design/design_space.hpp"

namespace t2 {

class AdaptiveDesign final : public Design {
 public:
  explicit AdaptiveDesign(const SweepConfig& config);  // throws ConfigError (e.g. no [target])
  std::string name() const override { return "adaptive"; }
  std::uint32_t lag() const override { return 0; }
  BatchPlan next_batch(std::uint32_t batch, const StoreContents& seen) override;

  // The compute the design may plan in total (see step 1).
  double compute_cap() const { return cap_; }

 private:
  BatchPlan plan(std::uint32_t batch, const StoreContents& seen, double planned_before) const;
  // Planned cost of batch j as seen from batch `batch`'s `seen` (memoised per j).
  double batch_cost(std::uint32_t j, std::uint32_t batch, const StoreContents& seen,
                    const std::vector<double>& seen_costs);
  SweepConfig config_;
  DesignSpace space_;
  double cap_;
  std::map<std::uint32_t, double> cost_;
};

}  // namespace t2

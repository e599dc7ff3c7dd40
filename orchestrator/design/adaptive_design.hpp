// adaptive_design.hpp — the `adaptive` strategy: after every batch, refit the law with a
// bootstrap ensemble (refit.hpp), plan the deployment optimum with every member, stop when the
// optimum is pinned down or the compute is spent, else choose the next batch where it most
// reduces the ensemble's disagreement per FLOP (acquisition.hpp). Owns the batch loop's
// decisions and their record (BatchPlan::decision_json); knows no MPI and no HDF5.
//
// Per batch b (plan depends only on `seen` = results of batches < b - 1, so lag() = 1):
//  1. remaining = compute cap - planned cost of batches < b, from their records in `seen` (the
//     coordinator shows every earlier plan, hiding only results). A batch whose records are
//     absent is re-planned from what it saw (deterministic, memoised), so the number is the
//     same for a resumed sweep or a fresh Design object.
//     Cap: [sweep] compute_cap, or (0) the planned cost of the whole [grid]: the adaptive sweep
//     never spends more than the static grid would.
//  2. Stop when [design] batches batches were planned, or remaining <= 0.
//  3. Fit (refit.hpp, by orchestrator/laws): the plain fit and [design] ensemble bootstrap members
//     (checkpoints and problems resampled, seeds from (sweep seed, batch, member)). With too little
//     data to fit (fewer than 5 distinct points, or the laws' FitError), plan a blind batch: the
//     initial design for batch 0, space-filling points after it.
//  4. Plan N* with every member (laws' plan(), design_plan_bounds); CI = the laws' 2.5-97.5%
//     percentile interval of the members' N*; stop when (hi - lo) / median <= [design] stop_tolerance.
//  5. Candidates and greedy batch (acquisition.hpp); each eval gets choose_samples() samples.
//     No affordable candidate: stop, compute cap spent.
#pragma once

#include <map>

#include "orchestrator/design/design.hpp"
#include "orchestrator/design/design_space.hpp"

namespace t2 {

class AdaptiveDesign final : public Design {
 public:
  explicit AdaptiveDesign(const SweepConfig& config);  // throws ConfigError (e.g. no [target])
  std::string name() const override { return "adaptive"; }
  std::uint32_t lag() const override { return 1; }
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

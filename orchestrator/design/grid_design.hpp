// grid_design.hpp — the static `grid` strategy: every grid point x replicate, in the grid's
// order (N ascending, then D), cut into batches of batch_size, until the grid, the batch limit
// or the sweep compute cap runs out. Ignores results, so it never waits for a batch to finish.
#pragma once

#include "orchestrator/design/design.hpp"

namespace t2 {

class GridDesign final : public Design {
 public:
  explicit GridDesign(SweepConfig config);
  std::string name() const override { return "grid"; }
  std::uint32_t lag() const override { return 1u << 30; }
  BatchPlan next_batch(std::uint32_t batch, const StoreContents& seen) override;

 private:
  SweepConfig config_;
  std::vector<PlannedRun> order_;  // every run of the grid, in planning order
};

}  // namespace t2

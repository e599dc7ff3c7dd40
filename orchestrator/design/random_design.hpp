// random_design.hpp — the `random` strategy: every batch draws [design] batch_size points
// uniformly in log space over the design space (design_space.hpp), from a stream seeded by
// (sweep seed, batch). It ignores results, so a batch's plan is a pure function of the config
// and its index. Owns nothing else; the comparison baseline for `adaptive` in bench/design.
#pragma once

#include <map>

#include "orchestrator/design/design.hpp"
#include "orchestrator/design/design_space.hpp"

namespace t2 {

class RandomDesign final : public Design {
 public:
  explicit RandomDesign(const SweepConfig& config);  // throws ConfigError
  std::string name() const override { return "random"; }
  // Results are never read; the coordinator may plan every batch up front.
  std::uint32_t lag() const override { return 1u << 30; }
  // Stops when [design] batches are planned (0 = as many batches as the grid has points,
  // divided by batch_size) or when no drawn point fits in the remaining compute_cap.
  BatchPlan next_batch(std::uint32_t batch, const StoreContents& seen) override;

 private:
  BatchPlan plan(std::uint32_t batch, double remaining) const;
  double cost_of(std::uint32_t batch);  // memoised planned cost of batch `batch`
  SweepConfig config_;
  DesignSpace space_;
  std::uint32_t batch_limit_;
  std::map<std::uint32_t, double> cost_;
};

}  // namespace t2

// design_space.hpp — the region of (N, D) points a design may choose from, derived from [grid]:
// a rectangle in log space, (log N, log D) when [grid] lists d, or (log N, log C) with
// D = C / 6N when it lists isoflop budgets, cut by min/max tokens per parameter. Also the
// planned cost of a point and of a batch. Owns no choice of points (initial_design, acquisition do).
#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

class DesignSpace {
 public:
  explicit DesignSpace(const SweepConfig& config);  // throws ConfigError when [grid] is unusable

  // The point at unit coordinates (u, v) in [0, 1]^2: N = exp(lerp(log n_lo, log n_hi, u)), and
  // D (or C) likewise from v.
  GridPoint at(double u, double v) const;
  // Inside the N range and the D (or C) range, and within the tokens-per-parameter bounds;
  // a relative slack of 1e-9 absorbs rounding in exp/log.
  bool contains(double n, double d) const;

  double n_lo() const { return n_lo_; }
  double n_hi() const { return n_hi_; }
  bool isoflop() const { return isoflop_; }
  double second_lo() const { return s_lo_; }  // D range, or C range when isoflop()
  double second_hi() const { return s_hi_; }

 private:
  double n_lo_, n_hi_, s_lo_, s_hi_;
  bool isoflop_;
  double min_tpp_, max_tpp_;
};

// The planned cost of one eval of a run of N parameters taking `samples` samples per problem:
// 2 N * tokens_per_sample * samples * problems (paper §1 cost model, schemas/sweep-config.md).
double planned_eval_flops(double n, std::uint32_t samples, const EvalConfig& eval);
// A point's planned cost: training 6ND plus one eval per task with `samples` samples.
double planned_point_flops(double n, double d, std::uint32_t samples, const EvalConfig& eval);
// The planned cost of a batch (training of every run plus every eval), summed in order: runs
// first, then evals, so that a plan and its stored records give the same number bit for bit.
double planned_batch_flops(const std::vector<PlannedRun>& runs, const std::vector<PlannedEval>& evals,
                           const std::vector<double>& eval_run_n, const EvalConfig& eval);
// Per batch index, the planned cost of the runs and evals `seen` holds (any state).
std::vector<double> planned_flops_by_batch(const StoreContents& seen, const EvalConfig& eval);
// What the plan of batch `batch` may depend on (Design::lag): the plans of all batches <
// `batch`, with the results (state, result, failure) of batches >= batch - lag hidden (pending,
// empty). The one definition used by the coordinator, the in-process simulation and designs
// that re-derive the plan of an earlier batch, so all three see exactly the same thing.
StoreContents visible_to_plan(const StoreContents& contents, std::uint32_t batch, std::uint32_t lag);

}  // namespace t2

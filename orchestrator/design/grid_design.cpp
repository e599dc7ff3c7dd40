// grid_design.cpp — see grid_design.hpp.
#include "orchestrator/design/grid_design.hpp"

#include <unordered_set>

#include <fmt/format.h>

namespace t2 {

GridDesign::GridDesign(SweepConfig config) : config_(std::move(config)) {
  for (auto& p : grid_points(config_.grid))
    for (std::uint32_t r = 0; r < config_.replicates; ++r)
      order_.push_back(planned_run(config_.seed, p.n, p.d, r));
}

BatchPlan GridDesign::next_batch(std::uint32_t batch, const StoreContents& seen) {
  BatchPlan plan;
  // The plan so far is in the store (results may be hidden, the plan never is), so a resumed
  // sweep continues exactly where the grid stopped. A grid run is known by its seed (a function
  // of N, D and replicate), so runs the grid did not plan (imported ones) never shift it.
  std::unordered_set<std::uint64_t> planned;
  double spent = 0;
  for (auto& r : seen.runs) {
    planned.insert(r.plan.seed);
    spent += run_flops(r.plan.n_params, r.plan.n_tokens, config_.eval);
  }
  std::size_t next = 0;
  auto skip_planned = [&] {
    while (next < order_.size() && planned.count(order_[next].seed)) ++next;
  };
  skip_planned();
  if (next >= order_.size()) {
    plan.stop = true;
    plan.reason = fmt::format("all {} grid runs are planned", order_.size());
    return plan;
  }
  if (config_.design.batches && batch >= config_.design.batches) {
    plan.stop = true;
    plan.reason = fmt::format("design.batches = {} reached", config_.design.batches);
    return plan;
  }
  std::uint32_t size = batch == 0 && config_.design.first_batch ? config_.design.first_batch : config_.design.batch_size;
  while (plan.runs.size() < size && next < order_.size()) {
    auto& r = order_[next];
    double cost = run_flops(r.n_params, r.n_tokens, config_.eval);
    if (config_.compute_cap > 0 && spent + cost > config_.compute_cap) break;
    spent += cost;
    auto evals = evals_for_run(config_, static_cast<std::uint32_t>(plan.runs.size()), r);
    plan.evals.insert(plan.evals.end(), evals.begin(), evals.end());
    plan.runs.push_back(r);
    ++next;
    skip_planned();
  }
  if (plan.runs.empty()) {
    plan.stop = true;
    plan.reason = fmt::format("sweep.compute_cap = {:.3g} FLOPs is spent ({:.3g} planned; the next grid run needs {:.3g})",
                              config_.compute_cap, spent, run_flops(order_[next].n_params, order_[next].n_tokens, config_.eval));
    return plan;
  }
  plan.decision_json = fmt::format(R"({{"strategy":"grid","batch":{},"runs":{},"planned_flops":{:.6g}}})", batch,
                                   plan.runs.size(), spent);
  return plan;
}

}  // namespace t2

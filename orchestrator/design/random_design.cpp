// random_design.cpp — uniform log-space batches (see random_design.hpp).
#include "orchestrator/design/random_design.hpp"

#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "contract/seed.hpp"

namespace t2 {

RandomDesign::RandomDesign(const SweepConfig& config) : config_(config), space_(config) {
  batch_limit_ = config.design.batches;
  if (batch_limit_ == 0) {
    std::size_t points = grid_points(config.grid).size() * std::max<std::uint32_t>(1, config.replicates);
    std::uint32_t per = std::max<std::uint32_t>(1, config.design.batch_size) * std::max<std::uint32_t>(1, config.replicates);
    batch_limit_ = std::uint32_t(std::max<std::size_t>(1, (points + per - 1) / per));
  }
}

double RandomDesign::cost_of(std::uint32_t batch) {
  auto it = cost_.find(batch);
  if (it != cost_.end()) return it->second;
  double before = 0;
  for (std::uint32_t j = 0; j < batch; ++j) before += cost_of(j);
  double remaining = config_.compute_cap > 0 ? config_.compute_cap - before : std::numeric_limits<double>::infinity();
  BatchPlan p = plan(batch, remaining);
  std::vector<double> eval_n;
  for (const PlannedEval& e : p.evals) eval_n.push_back(p.runs[e.run].n_params);
  double c = p.stop ? 0.0 : planned_batch_flops(p.runs, p.evals, eval_n, config_.eval);
  cost_[batch] = c;
  return c;
}

BatchPlan RandomDesign::plan(std::uint32_t batch, double remaining) const {
  BatchPlan p;
  if (batch >= batch_limit_) {
    p.stop = true;
    p.reason = fmt::format("random design: batch limit reached ({} batches)", batch_limit_);
    return p;
  }
  std::mt19937_64 rng(mix_seed(mix_seed(config_.seed, std::uint64_t{0x72616e64}), std::uint64_t{batch}));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::string chosen;
  const std::uint32_t reps = std::max<std::uint32_t>(1, config_.replicates);
  for (std::uint32_t tries = 0; p.runs.size() < std::size_t(config_.design.batch_size) * reps && tries < 64 * config_.design.batch_size;
       ++tries) {
    GridPoint g = space_.at(unit(rng), unit(rng));
    if (!space_.contains(g.n, g.d)) continue;
    double cost = reps * planned_point_flops(g.n, g.d, config_.eval.samples, config_.eval);
    if (cost > remaining) continue;
    remaining -= cost;
    for (std::uint32_t r = 0; r < reps; ++r) {
      PlannedRun run = planned_run(config_.seed, g.n, g.d, r);
      std::uint32_t idx = std::uint32_t(p.runs.size());
      p.runs.push_back(run);
      for (PlannedEval& e : evals_for_run(config_, idx, run)) p.evals.push_back(e);
    }
    chosen += fmt::format("{}{{\"n\":{:.17g},\"d\":{:.17g}}}", chosen.empty() ? "" : ",", g.n, g.d);
  }
  if (p.runs.empty()) {
    p.stop = true;
    p.reason = "random design: compute cap spent (no drawn point fits in the remaining compute)";
    return p;
  }
  p.decision_json = fmt::format("{{\"strategy\":\"random\",\"batch\":{},\"chosen\":[{}]}}", batch, chosen);
  return p;
}

BatchPlan RandomDesign::next_batch(std::uint32_t batch, const StoreContents&) {
  double before = 0;
  for (std::uint32_t j = 0; j < batch; ++j) before += cost_of(j);
  double remaining = config_.compute_cap > 0 ? config_.compute_cap - before : std::numeric_limits<double>::infinity();
  BatchPlan p = plan(batch, remaining);
  return p;
}

}  // namespace t2

// design.cpp — the strategy factory and what every strategy shares: seeds and eval jobs.
#include "orchestrator/design/design.hpp"

#include "orchestrator/design/adaptive_design.hpp"
#include "orchestrator/design/grid_design.hpp"
#include "orchestrator/design/random_design.hpp"
#include "contract/seed.hpp"

#include <algorithm>
#include <cmath>

namespace t2 {

std::uint64_t run_seed(std::uint64_t sweep_seed, double n, double d, std::uint32_t replicate) {
  return mix_seed(mix_seed(mix_seed(sweep_seed, n), d), std::uint64_t{replicate});
}

PlannedRun planned_run(std::uint64_t sweep_seed, double n, double d, std::uint32_t replicate) {
  auto count = [](double v) { return std::max(1.0, std::round(v)); };
  return {count(n), count(d), run_seed(sweep_seed, n, d, replicate), replicate};
}

std::vector<PlannedEval> evals_for_run(const SweepConfig& config, std::uint32_t run_in_plan, const PlannedRun& run) {
  std::vector<PlannedEval> out;
  for (auto& task : config.eval.tasks) {
    PlannedEval e;
    e.run = run_in_plan;
    e.task = task;
    e.problems = config.eval.problems;
    e.samples = config.eval.samples;
    e.temperature = config.eval.temperature;
    e.top_k = config.eval.top_k;
    e.seed = mix_seed(run.seed, task);
    out.push_back(std::move(e));
  }
  return out;
}

std::unique_ptr<Design> make_design(const SweepConfig& config) {
  if (config.design.strategy == "grid") return std::make_unique<GridDesign>(config);
  if (config.design.strategy == "random") return std::make_unique<RandomDesign>(config);
  if (config.design.strategy == "adaptive") return std::make_unique<AdaptiveDesign>(config);
  throw ConfigError(config.file, 0, "design.strategy", "\"" + config.design.strategy + "\"",
                    "this build has no such strategy (available: grid, random, adaptive)");
}

}  // namespace t2

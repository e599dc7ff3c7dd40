// truth_row.hpp — the truth beside a fitted plan (issue 10, item 2): the ground truth's own
// optimum under the same deployment and bounds, found by the same planner (laws/planner.hpp
// plan()) on the exact truth law (truth_law.hpp), and the regret of the fitted plan: the truth's
// score at its optimum minus the truth's score at the plan's (N, D, k). Text and JSON rendering.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/planner.hpp"

namespace t2 {

struct TruthComparison {
  Allocation optimum;   // the truth's optimum (plan(truth).best: k continuous, as the fitted plan's)
  Allocation at_plan;   // the truth's score at the fitted plan's (N, D, k)
  double regret = kNaN; // optimum.score - at_plan.score, in the truth's unit (expected pass@k);
                        // >= 0 up to the planner's precision; NaN when the plan is infeasible
  double relative_regret() const { return regret / optimum.score; }
};

// Against an exact truth law. `fitted` is the fitted plan's allocation (Plan::best), judged at its
// own (N, D, k) as planned (in the split form the planner gives every law, k-blind ones too, the
// k the inference budget allows at its N).
TruthComparison compare_with_truth(const FittedLaw& truth, const Deployment&, const PlanBounds&,
                                   const Allocation& fitted);

// For a synthetic sweep's config (the one stored in the store) and task (empty = first task);
// nullopt when the sweep is not synthetic. Throws ConfigError if the stored truth is unreadable.
std::optional<TruthComparison> truth_beside_plan(const SweepConfig& config, const std::string& task,
                                                 const Deployment&, const PlanBounds&, const Allocation& fitted);

// "  truth          N ...  D ...  k ...  D/N ...  score ...   regret ... (...% of the truth's optimum)\n",
// aligned with the plan's rows.
std::string render_truth_row(const TruthComparison&);
// Sets j["truth"] = {"N", "D", "k", "score", "tokens_per_param", "score_at_plan"} and j["regret"]
// (null when the plan is infeasible), j["regret_relative"].
void add_truth_json(nlohmann::json& j, const TruthComparison&);

}  // namespace t2

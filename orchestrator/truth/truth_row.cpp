// truth_row.cpp — the truth's optimum and the regret of a fitted plan (see truth_row.hpp).
#include "orchestrator/truth/truth_row.hpp"

#include <cmath>

#include <fmt/format.h>

#include "orchestrator/truth/truth_law.hpp"

namespace t2 {

TruthComparison compare_with_truth(const FittedLaw& truth, const Deployment& dep, const PlanBounds& b,
                                   const Allocation& fitted) {
  TruthComparison c;
  c.optimum = plan(truth, dep, b).best;
  if (fitted.feasible) {
    c.at_plan = fitted;
    c.at_plan.score = truth.score(fitted.n, fitted.d, fitted.k);
    if (c.optimum.feasible) c.regret = c.optimum.score - c.at_plan.score;
  }
  return c;
}

std::optional<TruthComparison> truth_beside_plan(const SweepConfig& config, const std::string& task,
                                                 const Deployment& dep, const PlanBounds& b, const Allocation& fitted) {
  std::optional<FittedLaw> truth = truth_law_of(config, task);
  if (!truth) return std::nullopt;
  return compare_with_truth(*truth, dep, b, fitted);
}

std::string render_truth_row(const TruthComparison& c) {
  const Allocation& a = c.optimum;
  if (!a.feasible) return "  truth          infeasible within the bounds\n";
  std::string s = fmt::format("  {:<14} N {:>10.4g}  D {:>10.4g}  k {:>9.4g}  D/N {:>9.4g}  score {:.6g}", "truth", a.n,
                              a.d, a.k, a.tokens_per_param(), a.score);
  if (std::isfinite(c.regret))
    s += fmt::format("   regret {:.4g} ({:.3g}% of the truth's optimum; truth at the plan {:.6g})", c.regret,
                     100 * c.relative_regret(), c.at_plan.score);
  else
    s += "   regret: none (the fitted plan is infeasible)";
  return s + "\n";
}

void add_truth_json(nlohmann::json& j, const TruthComparison& c) {
  const Allocation& a = c.optimum;
  if (!a.feasible) {
    j["truth"] = nullptr;
  } else {
    j["truth"] = {{"N", a.n}, {"D", a.d}, {"k", a.k}, {"score", a.score}, {"tokens_per_param", a.tokens_per_param()}};
    if (c.at_plan.feasible) j["truth"]["score_at_plan"] = c.at_plan.score;
  }
  if (std::isfinite(c.regret)) {
    j["regret"] = c.regret;
    j["regret_relative"] = c.relative_regret();
  } else {
    j["regret"] = nullptr;
  }
}

}  // namespace t2

// planner.hpp — compute-optimal (N*, D*, k*) under a fitted law (T² paper §3, Eq. 1 and 2, §3.3).
// Two deployment forms:
//  split (the paper's): C_train = 6ND and an inference budget per served token C_inf = 2Nk, so
//    D = C_train/(6N), k = C_inf/(2N) (capped at k_max) and the optimum is a search over N.
//    C_inf = 0 means inference is not budgeted: k = 1 (single pass; the Chinchilla setting).
//  end_to_end: one budget C = 6ND + 2N T k Q for Q queries of T tokens each; search over N and k.
// Both within bounds on N, D, k; k continuous as in the paper, the best integer k reported beside.
// Also the Chinchilla choice for the same training spend, and frontiers over budgets.
// Knows a FittedLaw (law.hpp) and ChinchillaParams, not how they were fitted.
#pragma once

#include <optional>
#include <vector>

#include "orchestrator/laws/bootstrap.hpp"
#include "orchestrator/laws/chinchilla.hpp"
#include "orchestrator/laws/law.hpp"

namespace t2 {

struct Deployment {
  enum class Form { split, end_to_end } form = Form::split;
  double train_flops = 0;       // split: C_train (FLOPs)
  double inference_flops = 0;   // split: C_inf, FLOPs per served token (0 = not budgeted, k = 1)
  double total_flops = 0;       // end_to_end: C (FLOPs)
  double queries = 0;           // end_to_end: Q, queries served over the model's life
  double tokens_per_sample = 0; // end_to_end: T, tokens per sample (prompt + generation)
};

struct PlanBounds {
  double n_min = 1e6, n_max = 1e13;   // parameters
  double d_min = 1e6, d_max = 1e16;   // training tokens
  double k_min = 1, k_max = 1e4;      // samples per query (k_min >= 1)
};

// One allocation and its predicted score.
struct Allocation {
  bool feasible = false;
  double n = 0, d = 0, k = 1;
  double score = kNaN;             // law prediction at (n, d, k)
  double train_flops = 0;          // 6 n d
  bool within_budget = true;       // false only for the Chinchilla row when its N cannot serve even
                                   // k_min samples within the inference budget (then k = k_min)
  double tokens_per_param() const { return d / n; }
};

struct Plan {
  Deployment deployment;
  Allocation best;          // k continuous
  Allocation best_integer;  // k restricted to integers (N, D re-optimised for that k)
  Allocation chinchilla;    // the training-loss-optimal (N, D) for the same training spend, with
                            // the k the budget then allows (k_min and within_budget = false when
                            // the budget allows less); infeasible if no reference was given
};

// Optimum of `law` for the deployment. `reference`: the Chinchilla law of the training loss
// used for the comparison row (nullptr: none). Throws std::invalid_argument for bad budgets/bounds.
Plan plan(const FittedLaw& law, const Deployment&, const PlanBounds& = {},
          const ChinchillaParams* reference = nullptr);

// The best score at fixed N (and the k, D it implies), for brute-force checks and plots.
Allocation evaluate_at(const FittedLaw& law, const Deployment&, const PlanBounds&, double n);

// Optima over budgets log-spaced from `from` to `to` (inclusive, `steps` >= 1 points). Split:
// C_train varies (C_inf fixed); end_to_end: C varies.
std::vector<Plan> plan_frontier(const FittedLaw& law, const Deployment& base, double from, double to,
                                int steps, const PlanBounds& = {}, const ChinchillaParams* reference = nullptr);

// Uncertainty of a plan from bootstrap replicates of the law's parameters: the interval of the
// score of the chosen allocation under each replicate, and of each replicate's own optimum.
struct PlanIntervals {
  Interval score;     // predicted score of plan.best across replicates
  Interval n, d, k;   // replicate optima
  Interval best_score;
  // The T² optimum's advantage over the Chinchilla row, paired per replicate: score(best) −
  // score(chinchilla) for a maximised score, the reverse for a minimised one (so > 0 means the T²
  // choice is better), both allocations held as planned. Whether the data decide the comparison
  // the paper is about (§5): an interval reaching 0 does not. NaN when either row is infeasible.
  Interval advantage;
  std::uint32_t replicates = 0;
};

// The same advantage under the fitted law itself (NaN when either row is infeasible).
double plan_advantage(const FittedLaw& law, const Plan&);
PlanIntervals plan_intervals(const FittedLaw& law, const std::vector<std::vector<double>>& replicates,
                             const Plan&, const PlanBounds& = {}, double level = 0.95, int threads = 0);

}  // namespace t2

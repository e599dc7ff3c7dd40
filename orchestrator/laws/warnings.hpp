// warnings.hpp — what a fit, a plan, a hold-out or a prediction must say about itself (issue 9,
// item 4; STYLE "numbers that are claims"): parameters on a bound or not identified by the data,
// optima on a planner bound, k at its cap, plans outside the fitted runs, poor stage-wise quality,
// high hold-out error. Pure functions of fits, plans and data; rendering is analysis/law_report.
// The codes are stable (scripts match them); messages are one readable sentence each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/holdout.hpp"
#include "orchestrator/laws/planner.hpp"

namespace t2 {

struct Warning {
  std::string code;     // param_at_bound | optimum_at_bound | k_at_cap | extrapolation | poor_fit |
                        // holdout_error_high | infeasible | too_few_to_select | advantage_not_decided
  std::string message;
};

// Thresholds (schemas/laws.md "Warnings" documents each and why).
// A value is "at" a bound when within this relative distance of it (log scale for log-scale
// parameters; relative to max(|bound|, 1) otherwise): 1e-3 is far below any fitted parameter's
// bootstrap spread, so a value that close sits on the bound rather than near it.
inline constexpr double kAtBoundTolerance = 1e-3;
// An identified parameter moves the predictions: the smallest singular value of the scaled
// Jacobian of the predictions (columns d prediction / d log|theta_j|) relative to the largest.
inline constexpr double kIdentifiedCondition = 1e-7;
// Stage-wise quality: R^2 in log space below 0.9 (the paper's fits reach > 0.98), or a pass@k
// RMSE above 0.05 (5 points of accuracy over the k grid).
inline constexpr double kPoorR2 = 0.9;
inline constexpr double kPoorPassRmse = 0.05;
inline constexpr double kLocalMinEffectiveRuns = 5;  // few_effective_runs: a local fit with fewer (Lhat has 5 parameters)
// Mean absolute relative hold-out error above 10% (the paper's Fig. 4: 2.8% for Approach 1, 8.4%
// for Approach 2 on its over-trained runs).
inline constexpr double kHoldoutErrorHigh = 0.10;
// A plan is an extrapolation when a quantity lies outside the fitted runs' range by more than 1%.
inline constexpr double kExtrapolationSlack = 0.01;

// The span of the fitted runs: what "extrapolation" is measured against.
struct DataRange {
  std::uint32_t runs = 0;
  double n_lo = 0, n_hi = 0, d_lo = 0, d_hi = 0;
  double tpp_lo = 0, tpp_hi = 0;      // D/N
  double flops_lo = 0, flops_hi = 0;  // 6ND
  double k_hi = 0;                    // largest k the law was fitted at (0: the law ignores k)
};
DataRange data_range(const FitData&, const LawFit&);

// param_at_bound (bounds, the profiled-E grid's edges, bootstrap intervals reaching a bound, a
// Jacobian direction the data do not constrain) and poor_fit (each stage of fit.stages).
std::vector<Warning> fit_warnings(const LawFit&, const FitData&);

// optimum_at_bound, k_at_cap, extrapolation and infeasible for every row of the plan
// (the T² optimum, the integer-k row and the Chinchilla row). `label`: prefix for the messages
// (e.g. the budget of a frontier row; "" for a single plan).
std::vector<Warning> plan_warnings(const Plan&, const FittedLaw&, const PlanBounds&, const DataRange&,
                                   const std::string& label = "");

// advantage_not_decided: the bootstrap interval of the T² optimum's advantage over the Chinchilla
// row (PlanIntervals::advantage) contains 0, so the data do not decide which choice is better.
// Nothing without intervals (the plan's text then says the comparison was not checked).
std::vector<Warning> advantage_warnings(const Plan&, const FittedLaw&, const PlanIntervals&);

// holdout_error_high.
std::vector<Warning> holdout_warnings(const HoldoutResult&, const std::string& law);

// extrapolation of one point where a law is evaluated (`t2 predict`).
std::vector<Warning> point_warnings(const LawInput&, const DataRange&, bool uses_k);

// Appends b to a, dropping exact duplicates (a frontier repeats the same message per row).
void append_warnings(std::vector<Warning>& a, const std::vector<Warning>& b);

}  // namespace t2

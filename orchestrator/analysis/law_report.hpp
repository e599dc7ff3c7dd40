// law_report.hpp — fits, plans, hold-outs, selections and warnings as JSON (schemas/laws.md) and
// as text, for `t2 fit`, `t2 plan`, `t2 predict` and `t2 run`'s closing plan. Renders what
// analysis.hpp computed; computes nothing of its own.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/analysis/analysis.hpp"

namespace t2 {

// The pieces (each documented in schemas/laws.md).
nlohmann::json fit_to_json(const LawFit&, const FitInputs&, const BootstrapOptions* bootstrap);
nlohmann::json plan_to_json(const Plan&, const FittedLaw&, const PlanBounds&, const PlanIntervals* intervals);
nlohmann::json warnings_to_json(const std::vector<Warning>&);
nlohmann::json holdout_to_json(const HoldoutResult&);
nlohmann::json selection_to_json(const Selection&);

// A whole analysis. Fit only: the fit document with "warnings" (and "holdout", "selection");
// with a plan: {"fit", "target", "plan" or "frontier", "holdout", "selection", "warnings"}.
nlohmann::json analysis_to_json(const Analysis&);
// The fit document stored in a store ("fit" kind): the fit with its warnings, hold-out, selection.
nlohmann::json fit_document(const Analysis&);

std::string render_fit(const LawFit&, const FitInputs&);
std::string render_plan(const Plan&, const FittedLaw&, const PlanIntervals* intervals);
std::string render_frontier(const std::vector<Plan>&, const FittedLaw&);
std::string render_warnings(const std::vector<Warning>&);
std::string render_holdout(const HoldoutResult&, const std::string& law);
std::string render_selection(const Selection&);
std::string render_analysis(const Analysis&);

}  // namespace t2

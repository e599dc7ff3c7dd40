// analysis.hpp — the one fitting path (issue 9, item 2): loaded inputs and a request in, a fit
// (or a `--law auto` selection), an optional hold-out, an optional plan or frontier and every
// warning out. `t2 fit`, `t2 plan`, `t2 predict` and `t2 run`'s closing plan all call analyse();
// law_report.hpp renders the result. No flags (cli/law_flags.hpp), no printing.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/analysis/plan_target.hpp"
#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/holdout.hpp"
#include "orchestrator/laws/planner.hpp"
#include "orchestrator/laws/selection.hpp"
#include "orchestrator/laws/warnings.hpp"
#include "orchestrator/store/documents.hpp"
#include "orchestrator/truth/truth_row.hpp"

namespace t2 {

// A request that cannot be carried out as asked (no deployment anywhere): the CLI's usage error.
class RequestError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct FrontierRange {
  double from = 0, to = 0;
  int steps = 0;
};

struct AnalysisRequest {
  FitOptions fit;                  // fit.law "auto": select (selection.hpp)
  std::uint32_t bootstrap = 0;     // B refits of the final fit (0 = none)
  std::uint64_t seed = 1;
  std::optional<std::string> holdout;  // --holdout RULE (parsed here; HoldoutRuleError)
  bool plan = false;               // plan (else only fit)
  std::optional<Deployment> deployment;  // from the command line; else [target]
  BoundsFlags bounds;
  std::optional<FrontierRange> frontier;
  // Local fit width in decades (laws/locality.hpp): --locality, else the config's [target]
  // fit_locality, else off. Centred on the deployment's training budget (split form only).
  std::optional<double> locality;
};

struct Analysis {
  FitInputs inputs;
  std::string config_note;         // why there is no [target] (CSV, import store, ...)
  std::string task;
  LawFit fit;                      // the law planned with (for auto: the chosen, refitted on all runs)
  std::optional<BootstrapOptions> bootstrap;
  std::optional<Selection> selection;  // --law auto
  std::optional<HoldoutResult> holdout;  // --holdout with a fixed law; --law auto: the chosen candidate's
  std::string holdout_of;                // whose hold-out it is (the law, or the chosen candidate)
  DataRange range;
  std::optional<PlanTarget> target;
  std::optional<Plan> plan;
  PlanIntervals intervals;
  std::vector<Plan> frontier;
  // Synthetic sweeps only: the ground truth's own optimum under the same deployment and bounds,
  // and the regret of `plan` (issue 10, item 2); truth_note says why it is missing when it is.
  std::optional<TruthComparison> truth;
  std::string truth_note;
  std::vector<Warning> fit_warnings;   // about the fit (and hold-out / selection)
  std::vector<Warning> warnings;       // everything: fit_warnings then the plan's
};

// Throws InputError (no outcomes for a task law), FitError (data cannot support the fit; a
// hold-out rule leaving too few runs), HoldoutRuleError (rule does not parse), RequestError (a
// plan without a deployment), std::invalid_argument (bad budgets or bounds).
Analysis analyse(const LoadedInputs&, const AnalysisRequest&);

// Records a fit document (kind "fit", schemas/laws.md) in the store at `path`. Returns "" or why
// it could not (a running sweep holds the lock, ...): the fit itself stands either way.
std::string record_fit(const std::string& path, const FitDocument& fit);

}  // namespace t2

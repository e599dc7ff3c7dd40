// selection.hpp — `--law auto` (issue 9, item 6): fit the candidate variants of the accuracy law
// (Lhat on answer NLL or on training loss, theta by two_stage or beta_binomial), score each by its
// hold-out error on the most over-trained runs (holdout.hpp's default rule unless one is given),
// choose the lowest, refit it on all runs. t2-loss (Approach 1) is scored on the same split and
// fitted beside it. The paper fixes one variant; its own RQ2 test decides here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/holdout.hpp"

namespace t2 {

struct Candidate {
  std::string name;                        // e.g. "t2-accuracy lhat=train_loss method=beta_binomial"
  LhatSource lhat = LhatSource::answer_nll;
  AccuracyMethod method = AccuracyMethod::two_stage;
  bool scored = false;                     // fitted on the split and scored
  std::string error;                       // why not (no NLLs, no samples, fit failed)
  HoldoutResult holdout;
};

struct Selection {
  std::string rule;            // the hold-out rule the candidates were scored on ("" when too few)
  bool default_rule = true;    // the rule was chosen by default_holdout_rule
  std::vector<Candidate> candidates;
  int chosen = -1;             // index into candidates; -1 when none could be scored
  std::string reason;          // one sentence: why this one (or why no selection was possible)
  bool too_few = false;        // too few runs to select: `fit` is the fallback (reason says which)
  LawFit fit;                  // the chosen variant refitted on all runs (or the fallback)
  FitOptions fit_options;      // what `fit` was fitted with (law, lhat, method)
  // t2-loss beside it, with its own metric on the same split (scored false when it could not be).
  Candidate loss;
  std::optional<LawFit> loss_fit;  // t2-loss on all runs
};

// base: source, k_max, threads (law/lhat/method are the candidates'). rule: the user's --holdout,
// or nullptr for the default. k_at: the deployment's k of a run (holdout.hpp). Throws FitError
// when a user rule leaves too few runs (as fit_holdout); too few runs for the default rule is
// not an error (Selection::too_few).
Selection select_law(const FitData&, const FitOptions& base, const HoldoutRule* rule, const KAt& k_at);

}  // namespace t2

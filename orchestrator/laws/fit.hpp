// fit.hpp — the one entry point callers use (CLI `t2 fit`/`t2 plan`, the adaptive design): fit a
// law by name to FitData, with optional bootstrap, into a LawFit that the planner and the
// JSON writer take. Dispatches to chinchilla / t2_loss_law / t2_accuracy_law; adds nothing to them.
//
// Typical use (schemas/laws.md documents every option):
//   FitOptions fo;  fo.law = "t2-accuracy";  fo.lhat = LhatSource::train_loss;
//   BootstrapOptions bo;  bo.replicates = 200;  bo.seed = sweep_seed;
//   LawFit r = fit_with_bootstrap(data, fo, bo);               // or fit_law(data, fo)
//   Deployment dep;  dep.train_flops = 1e21;  dep.inference_flops = 2e9;
//   Plan p = plan(r.law, dep, PlanBounds{}, r.has_reference ? &r.reference.params : nullptr);
//   PlanIntervals iv = plan_intervals(r.law, r.bootstrap.replicates, p);   // N*, D*, k* spread
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/laws/bootstrap.hpp"
#include "orchestrator/laws/chinchilla.hpp"
#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/law.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "orchestrator/laws/t2_loss_law.hpp"

namespace t2 {

struct FitOptions {
  std::string law = "t2-accuracy";   // chinchilla | t2-loss | t2-accuracy
  PassSource source = PassSource::likelihood;
  LhatSource lhat = LhatSource::answer_nll;          // t2-accuracy only
  AccuracyMethod method = AccuracyMethod::automatic; // t2-accuracy only
  LhatWeights lhat_weights = LhatWeights::equal;     // t2-accuracy only: Lhat's weights (isoflop_weights.hpp)
  Locality locality;                                 // t2-accuracy only: runs weighted by distance from the
                                                     // plan's budget (locality.hpp); off = the paper's fit
  double k_max = 1024;                               // largest k of the likelihood k grid
  double lhat_huber_delta = 1e-3;                    // t2-accuracy, lhat train_loss: Lhat's Huber delta
  int threads = 0;                                   // 0 = hardware_concurrency
};

// The quality of one stage of a fit, reported on its own line (issue 9: the accuracy law's
// "R^2" used to be Lhat's). Stages: "chinchilla" (the law itself), "Lhat" and "theta" for
// t2-accuracy, "t2-loss". warnings.hpp judges them.
struct FitStage {
  std::string name;      // "Lhat", "theta", "t2-loss", "chinchilla"
  std::string detail;    // e.g. "on answer_nll", "beta_binomial"
  std::string rmse_of;   // what rmse measures: "log loss", "pass@k", "-log pass@k (nats)"
  double rmse = kNaN;
  double r2_log = kNaN;  // R^2 in log space (NaN where not defined: the theta stage)
  std::uint32_t points = 0;
};

struct LawFit {
  FittedLaw law;                       // the fitted law, ready for plan()
  ChinchillaFit reference;             // Approach 3 on the training losses (planner's comparison row)
  bool has_reference = false;
  std::vector<std::string> param_names;
  double objective = 0;
  std::uint32_t points = 0;
  double rmse = 0, r2_log = 0;         // of the law's own quantity; r2_log NaN for t2-accuracy
  std::vector<FitStage> stages;        // each stage's own quality
  std::string method;                  // e.g. "approach3-huber-lbfgs", "two_stage", "beta_binomial"
  std::vector<std::uint32_t> runs;     // Checkpoint::run of every input checkpoint
  std::string task;
  PassSource source = PassSource::likelihood;
  // Filled for t2-accuracy: both theta fits, and which was used.
  std::optional<AccuracyFit> accuracy;
  std::optional<LossLawFit> loss;
  // Filled by fit_with_bootstrap: replicate parameter vectors and percentile intervals.
  BootstrapResult bootstrap;
  std::vector<Interval> intervals;
  double level = 0.95;
};

// Throws FitError (data cannot support the fit) or std::invalid_argument (bad option).
LawFit fit_law(const FitData&, const FitOptions&);

// fit_law, then B bootstrap refits (checkpoints resampled; problems too for t2-accuracy and
// t2-loss) started from the full-data optimum and a few other starts (best kept), giving
// LawFit::bootstrap and ::intervals.
LawFit fit_with_bootstrap(const FitData&, const FitOptions&, const BootstrapOptions&);

}  // namespace t2

// moments_fit.hpp — AccuracyMethod::moments (`t2 fit --method moments`): theta0..theta4 of the T²
// accuracy law (paper §3.2) by the method of moments. Per checkpoint, the mean and variance of the
// per-problem single-sample success p are the Beta's mu and mu (1 - mu) / (nu + 1); the links
// mu = theta2 / (1 + exp(theta1 (Lhat - theta0))) and log nu = theta3 + theta4 Lhat are then fitted
// by weighted regressions on Lhat (a 40-point grid over theta2, then a few Gauss-Newton steps for
// theta0, theta1). No starts: a fit takes a fraction of a millisecond where two_stage /
// beta_binomial take tens to hundreds, which is why the adaptive design (refitting 1 + [design]
// ensemble times per batch) uses it. Owns only this estimator: the law, Lhat's fit and the other
// theta fits are t2_accuracy_law.hpp; tests/design/test_moments_agreement.cpp holds it against
// them. Method: schemas/laws.md, "moments".
#pragma once

#include <vector>

#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"

namespace t2 {

// theta0..theta4 from the outcomes of `data`, given Lhat at every checkpoint (lhat[i] for
// data.checkpoints[i]). p of a problem: likelihood source exp(-NLL) (App. E); sampled source c/n,
// its variance corrected for the binomial sampling noise (var p = var(c/n) - mean((c/n)(1 - c/n)/(n - 1)),
// so problems need n >= 2). Checkpoints with fewer than 2 usable problems are skipped.
// ThetaFit::objective is the SSE of mu over the checkpoints used (points), so sqrt(objective /
// points) is the rms misfit of the mean accuracy; rmse_pass is left 0 (the caller fills it).
// Throws FitError when fewer than 3 checkpoints are usable or Lhat does not vary across them.
ThetaFit fit_theta_moments(const FitData& data, const std::vector<double>& lhat, PassSource source);

}  // namespace t2

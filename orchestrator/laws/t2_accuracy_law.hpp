// t2_accuracy_law.hpp — Approach 2 of the T² paper (§3.2, §3.3, App. F): per-problem
// single-sample accuracy p ~ Beta(mu nu, (1-mu) nu), mu = theta2 / (1 + exp(theta1 (Lhat - theta0))),
// nu = exp(theta3 + theta4 Lhat), Lhat(N, D) a fitted Chinchilla law; expected pass@k =
// 1 - B(mu nu, (1-mu) nu + k) / B(mu nu, (1-mu) nu) for any real k >= 1.
// Two fits of theta: the paper's (SSE on pass@k) and beta-binomial maximum likelihood on the raw
// counts c of n. Owns the law and both fits; Lhat's fit is chinchilla.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/laws/chinchilla.hpp"
#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/isoflop_weights.hpp"
#include "orchestrator/laws/law.hpp"
#include "orchestrator/laws/locality.hpp"
#include "orchestrator/laws/log_beta.hpp"

namespace t2 {

// theta = {E, A, B, alpha, beta, theta0, theta1, theta2, theta3, theta4}: the first five are
// Lhat's Chinchilla parameters (held fixed while theta0..4 are fitted); goal maximise; uses k.
class T2AccuracyLaw final : public Law {
 public:
  std::string name() const override { return "t2-accuracy"; }
  std::string quantity() const override { return "expected pass@k"; }
  Goal goal() const override { return Goal::maximize; }
  bool uses_k() const override { return true; }
  std::vector<ParamSpec> params() const override;
  double predict(std::span<const double> theta, const LawInput& x) const override;
  // Gradient with respect to theta0..theta4 only (entries 0..4, Lhat's, are left 0: Lhat is
  // fitted separately and held fixed, App. F).
  double gradient(std::span<const double> theta, const LawInput& x, std::span<double> grad) const override;
  std::vector<std::vector<double>> starts() const override;  // theta grid, Lhat's entries 0
};

// Expected pass@k under Beta(a, b) (beta_pass_at_k) and the beta-binomial log-pmf
// (beta_binomial_log_pmf) are log_beta.hpp's, computed without cancellation.

// What Lhat is fitted to (issue 3): the paper's answer NLL (mean gold-answer NLL per checkpoint,
// E profiled over 40 values, SSE; App. F stage 1), or the runs' training losses (Approach 3),
// which is what the synthetic backend ties accuracy to.
enum class LhatSource { answer_nll, train_loss };
const char* to_string(LhatSource);
LhatSource lhat_source_from_string(const std::string&);  // throws std::invalid_argument

// How theta is fitted.
//  two_stage: the paper's: SSE between predicted and empirical pass@k (source-dependent) over
//             the k grid, from a grid of starts seeded by a sigmoid fit of pass@1 (App. F stage 2).
//  beta_binomial: maximum likelihood of the raw counts c of n per problem; needs sampled outcomes.
//  automatic: beta_binomial when every outcome has n > 0, else two_stage.
//  moments: per-checkpoint Beta moments of p and regressions on Lhat (moments_fit.hpp): fast, for
//           the adaptive design's refits; fits only itself (fit_both does not apply).
enum class AccuracyMethod { automatic, two_stage, beta_binomial, moments };
const char* to_string(AccuracyMethod);
AccuracyMethod accuracy_method_from_string(const std::string&);  // throws std::invalid_argument

struct AccuracyFitOptions {
  LhatSource lhat = LhatSource::answer_nll;
  AccuracyMethod method = AccuracyMethod::automatic;
  // Lhat's point weights (App. F stage 1's inverse-variance weighting across isoFLOP groups,
  // defined in isoflop_weights.hpp): inverse_variance fits Lhat twice, the second time weighted.
  LhatWeights lhat_weights = LhatWeights::equal;
  // Weights of the runs by their distance in training compute from the plan's budget
  // (locality.hpp), applied to every stage: Lhat's points, theta's pass@k targets (two_stage) or
  // counts (beta_binomial), and the sigmoid fit that seeds theta's starts. Off by default (the
  // paper's fit); not available with method moments (std::invalid_argument).
  Locality locality;
  PassSource source = PassSource::likelihood;  // for two_stage's pass@k targets
  std::vector<double> k_grid;                   // empty = default_k_grid(k_max)
  double k_max = 1024;                          // likelihood source; sampled: each checkpoint's min n
  double lhat_huber_delta = 1e-3;  // lhat train_loss: Approach 3's Huber delta on log residuals
                                   // (Hoffmann's 1e-3; above every residual it is least squares)
  bool fit_both = true;   // also fit the method not used, so both are reported
  // A previous fit's 10-vector (T2AccuracyLaw theta): when given (bootstrap refits), Lhat and theta
  // start from it and a few others instead of the full grids: theta from it and four perturbations
  // of it, Lhat train_loss from it and the two best projected-grid cells; the best is kept.
  std::vector<double> start;
  int threads = 0;        // for Lhat's Approach-3 grid; 0 = hardware_concurrency
};

struct ThetaFit {
  bool fitted = false;
  double theta[5] = {0, 0, 0, 0, 0};
  double objective = 0;       // two_stage: SSE; beta_binomial: negative log-likelihood
  std::uint32_t points = 0;   // two_stage: (checkpoint, k) targets; beta_binomial: problems
  std::uint32_t starts_tried = 0;
  double rmse_pass = 0;       // RMSE of predicted vs empirical pass@k over the k grid (both methods)
};

struct AccuracyFit {
  ChinchillaFit lhat;           // Lhat's fit
  LhatSource lhat_source = LhatSource::answer_nll;
  ThetaFit two_stage, beta_binomial, moments;
  AccuracyMethod used = AccuracyMethod::two_stage;  // two_stage, beta_binomial or moments: which `theta` is
  std::vector<double> theta;    // full 10-vector of the method used (T2AccuracyLaw's theta)
  PassSource source = PassSource::likelihood;
  std::vector<double> k_grid;
  Locality locality;            // as fitted (off: every weight 1)
  double effective_runs = 0;    // Kish's n_eff of the fitted runs' locality weights (= runs when off)
  std::uint32_t runs = 0;       // runs with outcomes the theta stage saw
};

AccuracyFit fit_accuracy_law(const FitData&, const AccuracyFitOptions& = {});

}  // namespace t2

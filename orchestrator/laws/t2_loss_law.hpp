// t2_loss_law.hpp — Approach 1 of the T² paper (§3.1, §3.3, App. F): the task loss
// L(N, D, k) = E + A/N^alpha + B/D^beta + G/k^gamma, fitted by SSE to the mean over problems of
// -log pass@k at several k per checkpoint. Seven parameters (log A, log B, log E, alpha, beta,
// log G, gamma). Owns the law and its fit; where pass@k comes from is fit_data.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/laws/law.hpp"
#include "orchestrator/laws/least_squares.hpp"

namespace t2 {

// theta = {E, A, B, alpha, beta, G, gamma}; goal minimise; uses k.
class T2LossLaw final : public Law {
 public:
  std::string name() const override { return "t2-loss"; }
  std::string quantity() const override { return "-log pass@k (nats)"; }
  Goal goal() const override { return Goal::minimize; }
  bool uses_k() const override { return true; }
  std::vector<ParamSpec> params() const override;
  double predict(std::span<const double> theta, const LawInput& x) const override;
  double gradient(std::span<const double> theta, const LawInput& x, std::span<double> grad) const override;
  std::vector<std::vector<double>> starts() const override;  // 3^7 = 2,187-point grid
};

struct LossFitOptions {
  PassSource source = PassSource::likelihood;
  std::vector<double> k_grid;   // k values the targets are computed at; empty = default_k_grid(k_max)
  double k_max = 1024;          // likelihood source; sampled uses each checkpoint's min n
  // Starts: the best `projected_starts` exponent triples (alpha, beta, gamma) of an exhaustive
  // 20^3 grid over [0.02, 2], each with E, A, B, G from non-negative least squares (variable projection: the
  // law is linear in E, A, B, G once the exponents are fixed), then `random_starts` uniform
  // draws in the parameter box (the paper uses 500 random restarts).
  int projected_starts = 16;
  int random_starts = 32;
  std::uint64_t seed = 1;       // of the random starts
  LeastSquaresOptions solver;
};

struct LossLawFit {
  std::vector<double> theta;    // {E, A, B, alpha, beta, G, gamma}
  double sse = 0;
  std::uint32_t points = 0;     // (checkpoint, k) targets
  std::uint32_t starts_tried = 0, starts_at_best = 0;
  double rmse = 0;              // of -log pass@k, nats
  double r2_log = 0;            // R^2 of log predictions vs log targets
  PassSource source = PassSource::likelihood;
  std::vector<double> k_grid;
};

LossLawFit fit_loss_law(const FitData&, const LossFitOptions& = {});
// The same on ready-made targets (tests, other callers).
LossLawFit fit_loss_law(const std::vector<PassPoint>& targets, const LossFitOptions& = {});

}  // namespace t2

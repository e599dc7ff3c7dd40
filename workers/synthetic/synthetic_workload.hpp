// synthetic_workload.hpp — the `synthetic` backend: draws training losses and per-sample
// outcomes from a ground-truth law given in the config, for tests and for simulating sweeps
// far larger than the machine. Settings are documented in schemas/sweep-config.md.
#pragma once

#include <memory>

#include "workers/toml_reader.hpp"
#include "workers/workload.hpp"

namespace t2 {

// The ground truth ([workload.synthetic]).
struct SyntheticTruth {
  // Training loss L(N, D) = E + A/N^alpha + B/D^beta (Chinchilla form, Hoffmann et al. Eq. 2),
  // observed with multiplicative log-normal noise of sd `loss_noise`.
  double E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28;
  double loss_noise = 0.01;
  // Per-problem single-sample success p_i ~ Beta(mu*nu, (1-mu)*nu) with the T² paper's links
  // (§3.2): mu = theta2 / (1 + exp(theta1 * (L - theta0))), nu = exp(theta3 + theta4 * L),
  // L the noise-free law value. Each problem's p_i is fixed by (task, problem, run seed).
  // Defaults put the accuracy mid-point at L = 6 nats, where Hoffmann's law sits for the
  // 1e5..1e7-parameter models a laptop sweep trains, so pass@k spans 0..1 across such a grid.
  double theta0 = 6.0, theta1 = 2.0, theta2 = 0.9, theta3 = 1.0, theta4 = 0.0;
  // Gold-answer NLL of a problem: -log p_i plus normal noise of this sd (nats), floored at 0.
  double nll_noise = 0.02;
  // Simulated speed: a job sleeps flops / flops_per_second seconds (0 = no sleep), so that
  // scheduling behaves as on a cluster. Training FLOPs 6ND, eval FLOPs 2N * tokens * k * P.
  double flops_per_second = 0;
  double tokens_per_sample = 16;  // for the eval FLOPs only

  double loss(double n, double d) const;          // noise-free L(N, D)
  double mean_accuracy(double loss) const;        // mu(L)
  double concentration(double loss) const;        // nu(L)
};

std::unique_ptr<Workload> make_synthetic_workload(TableReader& settings);
SyntheticTruth read_synthetic_truth(TableReader& settings);

class SyntheticWorkload final : public Workload {
 public:
  explicit SyntheticWorkload(SyntheticTruth truth) : truth_(truth) {}
  std::string name() const override { return "synthetic"; }
  TrainResult train(const TrainSpec& spec, const CancelFlag& cancel) override;
  EvalResult evaluate(const EvalSpec& spec, const CancelFlag& cancel) override;
  bool quick() const override { return truth_.flops_per_second <= 0; }
  const SyntheticTruth& truth() const { return truth_; }

 private:
  void simulate_duration(double flops, const CancelFlag& cancel) const;
  SyntheticTruth truth_;
};

}  // namespace t2

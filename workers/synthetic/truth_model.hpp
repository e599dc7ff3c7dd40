// truth_model.hpp — the synthetic backend's ground truth as pure numbers: the training-loss law,
// the two per-problem success models (v1 "beta", v2 "irt") and their exact expected pass@k. Used
// by the backend to draw results and by the orchestrator to compute the truth's own optimum.
// Owns no I/O and no config reading (synthetic_workload.cpp reads [workload.synthetic]).
// The model is documented for users in schemas/sweep-config.md, [workload.synthetic].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "contract/job.hpp"

namespace t2 {

// The ground truth ([workload.synthetic]).
struct SyntheticTruth {
  // Which per-problem model (the `truth` key). beta: v1, the T² paper's own Beta law, with p drawn
  // afresh for every run; the default when `truth` is absent, so configs and stores written before
  // v2 keep their meaning. irt: v2, fixed problems with a latent difficulty (item-response link).
  enum class Mode { beta, irt } mode = Mode::beta;

  // Training loss L(N, D) = E + A/N^alpha + B/D^beta (Chinchilla form, Hoffmann et al. Eq. 2),
  // observed with multiplicative log-normal noise of sd `loss_noise`.
  double E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28;
  double loss_noise = 0.01;

  // v1 (beta): per-problem single-sample success p_i ~ Beta(mu*nu, (1-mu)*nu) with the T² paper's
  // links (§3.2): mu = theta2 / (1 + exp(theta1 * (L - theta0))), nu = exp(theta3 + theta4 * L),
  // L the noise-free law value. Each problem's p_i is fixed by (task, problem, run seed).
  // Defaults put the accuracy mid-point at L = 6 nats, where Hoffmann's law sits for the
  // 1e5..1e7-parameter models a laptop sweep trains, so pass@k spans 0..1 across such a grid.
  double theta0 = 6.0, theta1 = 2.0, theta2 = 0.9, theta3 = 1.0, theta4 = 0.0;

  // v2 (irt): problem i of a task has a latent difficulty b_i ~ Normal(difficulty_mean,
  // difficulty_spread) drawn once from (sweep seed, task, i): the same problem in every run. A
  // model's ability is a(N, D) = -L(N, D) (nats), and its single-sample success on problem i is the
  // two-parameter logistic item-response link p_i = sigmoid(slope * (a - b_i)) (Lord 1980): problem
  // i is solved half the time by a model of loss -b_i. The population of p over problems is then
  // logit-normal, not Beta: every fitted law family is mildly misspecified, as on real models.
  // Defaults (chosen so that a paper-like grid, 5M..900M parameters and 1.25e16..2.56e19 FLOPs,
  // has pass@1 of about 0.003..0.3 and mean answer NLL of about 4..16 nats (measured on
  // examples/synthetic.toml's 256 problems: 0.0025..0.34, 4.1..16.2), and the optimum at the
  // paper's target C_train = 2.56e19, C_inf = 2e9 is about 60M parameters at ~1,200 tokens per
  // parameter and k ~ 16, against ~35 at k = 1): the median problem is solved half the time by a
  // model of loss 2.2 nats; slope 5 per nat; spread 1.2 nats.
  double slope = 5.0, difficulty_mean = -2.2, difficulty_spread = 1.2;
  // Gold answers are `answer_tokens` tokens long; their recorded NLL is -log p_i plus independent
  // per-token normal noise of sd nll_noise (so sd nll_noise * sqrt(answer_tokens) in all), floored at 0.
  double answer_tokens = 4;

  // Both: sd (nats) of the NLL noise (v1: on -log p as a whole; v2: per answer token).
  double nll_noise = 0.02;
  // Simulated speed: a job sleeps flops / flops_per_second seconds (0 = no sleep), so that
  // scheduling behaves as on a cluster. Training FLOPs 6ND, eval FLOPs 2N * tokens * k * P.
  double flops_per_second = 0;
  double tokens_per_sample = kDefaultTokensPerSample;  // for the eval FLOPs only

  // The sweep seed ([sweep] seed): v2's problem difficulties are drawn from it (and the task).
  std::uint64_t seed = 1;

  double loss(double n, double d) const;          // noise-free L(N, D)
  double mean_accuracy(double loss) const;        // v1: mu(L)
  double concentration(double loss) const;        // v1: nu(L)
};

// v2: difficulty b_i of problem i of `task` (independent of how many problems there are, of the
// run, the rank and the platform: splitmix64 + Box-Muller, no std:: distributions).
double problem_difficulty(const SyntheticTruth&, const std::string& task, std::uint32_t problem);
std::vector<double> problem_difficulties(const SyntheticTruth&, const std::string& task, std::uint32_t problems);

// v2: x = slope * (ability - b), the logit of p; log p = -softplus(-x), log(1 - p) = -softplus(x),
// both exact for any x (no clamping: -log p of a hopeless problem is finite, about -x).
double irt_logit(const SyntheticTruth&, double loss, double difficulty);
double softplus(double x);  // log(1 + e^x), stable

// v2: exact expected pass@k of a model of loss L on the given problems:
// (1/P) sum_i [1 - (1 - p_i)^k], any real k >= 0 (T² §2, pass@k from per-problem p).
double irt_pass_at_k(const SyntheticTruth&, double loss, double k, const std::vector<double>& difficulties);
// v2: mean noise-free gold-answer NLL (1/P) sum_i -log p_i.
double irt_mean_nll(const SyntheticTruth&, double loss, const std::vector<double>& difficulties);

// v2: the fraction of the difficulty population whose p is neither within `eps` of 0 nor of 1
// for some loss in [loss_lo, loss_hi] (a link that makes every p 0 or 1 has fraction ~0).
double irt_informative_fraction(const SyntheticTruth&, double loss_lo, double loss_hi, double eps = 1e-9);

}  // namespace t2

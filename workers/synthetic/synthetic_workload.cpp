// synthetic_workload.cpp — sampling from the ground truth (see synthetic_workload.hpp).
#include "workers/synthetic/synthetic_workload.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "workers/seed.hpp"

namespace t2 {

double SyntheticTruth::loss(double n, double d) const {
  return E + A / std::pow(n, alpha) + B / std::pow(d, beta);
}
double SyntheticTruth::mean_accuracy(double L) const { return theta2 / (1.0 + std::exp(theta1 * (L - theta0))); }
double SyntheticTruth::concentration(double L) const { return std::exp(theta3 + theta4 * L); }

SyntheticTruth read_synthetic_truth(TableReader& r) {
  SyntheticTruth t;
  t.E = r.number("E", t.E);
  t.A = r.number("A", t.A);
  t.B = r.number("B", t.B);
  t.alpha = r.number("alpha", t.alpha);
  t.beta = r.number("beta", t.beta);
  t.loss_noise = r.number("loss_noise", t.loss_noise);
  t.theta0 = r.number("theta0", t.theta0);
  t.theta1 = r.number("theta1", t.theta1);
  t.theta2 = r.number("theta2", t.theta2);
  t.theta3 = r.number("theta3", t.theta3);
  t.theta4 = r.number("theta4", t.theta4);
  t.nll_noise = r.number("nll_noise", t.nll_noise);
  t.flops_per_second = r.number("flops_per_second", t.flops_per_second);
  t.tokens_per_sample = r.number("tokens_per_sample", t.tokens_per_sample);
  r.require(t.E >= 0, "E", "must be >= 0");
  r.require(t.A > 0, "A", "must be > 0");
  r.require(t.B > 0, "B", "must be > 0");
  r.require(t.alpha > 0, "alpha", "must be > 0");
  r.require(t.beta > 0, "beta", "must be > 0");
  r.require(t.loss_noise >= 0, "loss_noise", "must be >= 0");
  r.require(t.theta2 > 0 && t.theta2 <= 1, "theta2", "must be in (0, 1]");
  r.require(t.nll_noise >= 0, "nll_noise", "must be >= 0");
  r.require(t.flops_per_second >= 0, "flops_per_second", "must be >= 0 (0 = no simulated duration)");
  r.require(t.tokens_per_sample > 0, "tokens_per_sample", "must be > 0");
  r.finish();
  return t;
}

std::unique_ptr<Workload> make_synthetic_workload(TableReader& settings) {
  return std::make_unique<SyntheticWorkload>(read_synthetic_truth(settings));
}

void SyntheticWorkload::simulate_duration(double flops, const CancelFlag& cancel) const {
  if (truth_.flops_per_second <= 0) return;
  using clock = std::chrono::steady_clock;
  auto until = clock::now() + std::chrono::duration<double>(flops / truth_.flops_per_second);
  // Sleep in slices so that a cancelled job stops within ~10 ms.
  while (clock::now() < until) {
    if (cancel.load(std::memory_order_relaxed)) throw JobFailure(FailureClass::cancelled, "cancelled by shutdown");
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - clock::now());
    std::this_thread::sleep_for(std::min<std::chrono::microseconds>(left, std::chrono::milliseconds(10)));
  }
}

TrainResult SyntheticWorkload::train(const TrainSpec& spec, const CancelFlag& cancel) {
  TrainResult r;
  r.flops = 6.0 * spec.n_params * spec.n_tokens;
  simulate_duration(r.flops, cancel);
  std::mt19937_64 rng(mix_seed(spec.seed, std::uint64_t{0x7261696e}));
  std::normal_distribution<double> noise(0.0, truth_.loss_noise);
  double L = truth_.loss(spec.n_params, spec.n_tokens);
  r.final_loss = L * std::exp(noise(rng));
  r.tokens_seen = spec.n_tokens;
  r.params = spec.n_params;
  r.params_total = spec.n_params;
  // A short curve along the law, so exports and plots have something real-shaped to show.
  for (int i = 1; i <= 8; ++i) {
    double d = spec.n_tokens * i / 8.0;
    r.curve_tokens.push_back(static_cast<float>(d));
    r.loss_curve.push_back(static_cast<float>(truth_.loss(spec.n_params, d) * std::exp(noise(rng))));
  }
  return r;
}

// Beta(a, b) from two gammas (exact; std has no beta distribution).
static double sample_beta(std::mt19937_64& rng, double a, double b) {
  std::gamma_distribution<double> ga(a, 1.0), gb(b, 1.0);
  double x = ga(rng), y = gb(rng);
  if (x + y <= 0) return a / (a + b);
  return x / (x + y);
}

EvalResult SyntheticWorkload::evaluate(const EvalSpec& spec, const CancelFlag& cancel) {
  EvalResult e;
  e.problems = spec.problems;
  e.samples = spec.samples;
  e.tokens_per_sample = truth_.tokens_per_sample;
  e.flops = 2.0 * spec.n_params * truth_.tokens_per_sample * spec.samples * spec.problems;
  simulate_duration(e.flops, cancel);
  double L = truth_.loss(spec.n_params, spec.n_tokens);
  double mu = std::clamp(truth_.mean_accuracy(L), 1e-9, 1 - 1e-9);
  double nu = truth_.concentration(L);
  e.correct.resize(static_cast<std::size_t>(spec.problems) * spec.samples);
  e.answer_nll.resize(spec.problems);
  for (std::uint32_t i = 0; i < spec.problems; ++i) {
    // One stream per problem: the outcome of problem i does not depend on how many come after it.
    std::mt19937_64 rng(mix_seed(mix_seed(spec.seed, spec.task), std::uint64_t{i}));
    double p = sample_beta(rng, mu * nu, (1 - mu) * nu);
    p = std::clamp(p, 1e-300, 1.0);
    std::normal_distribution<double> noise(0.0, truth_.nll_noise);
    e.answer_nll[i] = std::max(0.0, -std::log(p) + noise(rng));
    std::bernoulli_distribution hit(p);
    for (std::uint32_t s = 0; s < spec.samples; ++s) e.correct[std::size_t(i) * spec.samples + s] = hit(rng) ? 1 : 0;
  }
  return e;
}

}  // namespace t2

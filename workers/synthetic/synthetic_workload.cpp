// synthetic_workload.cpp — sampling from the ground truth (see synthetic_workload.hpp).
#include "workers/synthetic/synthetic_workload.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "contract/seed.hpp"

namespace t2 {

std::unique_ptr<Workload> make_synthetic_workload(TableReader& settings, const WorkloadConfig& config) {
  return std::make_unique<SyntheticWorkload>(read_synthetic_truth(settings, config.seed, config.grid));
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

// v2: problem i has the same difficulty in every run (drawn from the sweep seed and the task, not
// the run); only the NLL noise and the samples come from the eval's own stream.
void SyntheticWorkload::evaluate_irt(const EvalSpec& spec, double L, EvalResult& e) const {
  const double nll_sd = truth_.nll_noise * std::sqrt(truth_.answer_tokens);
  for (std::uint32_t i = 0; i < spec.problems; ++i) {
    double x = irt_logit(truth_, L, problem_difficulty(truth_, spec.task, i));
    double nll = softplus(-x);  // -log p, exact however small p is
    double p = std::exp(-nll);
    std::uint64_t s = mix_seed(mix_seed(spec.seed, spec.task), std::uint64_t{i});
    std::mt19937_64 rng(s);
    std::normal_distribution<double> noise(0.0, 1.0);
    e.answer_nll[i] = std::max(0.0, nll + nll_sd * noise(rng));
    for (std::uint32_t k = 0; k < spec.samples; ++k) {
      double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      e.correct[std::size_t(i) * spec.samples + k] = u < p ? 1 : 0;
    }
  }
}

EvalResult SyntheticWorkload::evaluate(const EvalSpec& spec, const CancelFlag& cancel) {
  EvalResult e;
  e.problems = spec.problems;
  e.samples = spec.samples;
  e.tokens_per_sample = truth_.tokens_per_sample;
  e.flops = 2.0 * spec.n_params * truth_.tokens_per_sample * spec.samples * spec.problems;
  simulate_duration(e.flops, cancel);
  double L = truth_.loss(spec.n_params, spec.n_tokens);
  e.correct.resize(static_cast<std::size_t>(spec.problems) * spec.samples);
  e.answer_nll.resize(spec.problems);
  if (truth_.mode == SyntheticTruth::Mode::irt) {
    evaluate_irt(spec, L, e);
    return e;
  }
  double mu = std::clamp(truth_.mean_accuracy(L), 1e-9, 1 - 1e-9);
  double nu = truth_.concentration(L);
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

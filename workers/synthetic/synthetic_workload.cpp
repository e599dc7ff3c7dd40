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

namespace {

const char* const kBetaKeys[] = {"theta0", "theta1", "theta2", "theta3", "theta4"};
const char* const kIrtKeys[] = {"slope", "difficulty_mean", "difficulty_spread", "answer_tokens"};

}  // namespace

SyntheticTruth read_synthetic_truth(TableReader& r, std::uint64_t seed, const std::vector<std::array<double, 2>>& grid) {
  SyntheticTruth t;
  t.seed = seed;
  const bool explicit_mode = r.has("truth");
  const std::string mode = r.string("truth", "beta", {"beta", "irt"});
  t.mode = mode == "irt" ? SyntheticTruth::Mode::irt : SyntheticTruth::Mode::beta;
  // A key of the other truth means the table says two things: refuse it, naming it.
  auto refuse = [&](const auto& keys, const char* owner) {
    for (const char* k : keys)
      if (r.has(k)) {
        r.raw(k);
        r.fail(k, fmt::format("is a key of truth = \"{}\", but this table uses truth = \"{}\"{}", owner, mode,
                              explicit_mode ? "" : " (the default when `truth` is absent; set truth = \"irt\" for v2)"));
      }
  };
  if (t.mode == SyntheticTruth::Mode::beta) refuse(kIrtKeys, "irt");
  else refuse(kBetaKeys, "beta");

  t.E = r.number("E", t.E);
  t.A = r.number("A", t.A);
  t.B = r.number("B", t.B);
  t.alpha = r.number("alpha", t.alpha);
  t.beta = r.number("beta", t.beta);
  t.loss_noise = r.number("loss_noise", t.loss_noise);
  if (t.mode == SyntheticTruth::Mode::beta) {
    t.theta0 = r.number("theta0", t.theta0);
    t.theta1 = r.number("theta1", t.theta1);
    t.theta2 = r.number("theta2", t.theta2);
    t.theta3 = r.number("theta3", t.theta3);
    t.theta4 = r.number("theta4", t.theta4);
  } else {
    t.slope = r.number("slope", t.slope);
    t.difficulty_mean = r.number("difficulty_mean", t.difficulty_mean);
    t.difficulty_spread = r.number("difficulty_spread", t.difficulty_spread);
    t.answer_tokens = r.number("answer_tokens", t.answer_tokens);
  }
  t.nll_noise = r.number("nll_noise", t.nll_noise);
  t.flops_per_second = r.number("flops_per_second", t.flops_per_second);
  t.tokens_per_sample = r.number("tokens_per_sample", t.tokens_per_sample);
  r.require(t.E >= 0, "E", "must be >= 0");
  r.require(t.A > 0, "A", "must be > 0");
  r.require(t.B > 0, "B", "must be > 0");
  r.require(t.alpha > 0, "alpha", "must be > 0");
  r.require(t.beta > 0, "beta", "must be > 0");
  r.require(t.loss_noise >= 0, "loss_noise", "must be >= 0");
  if (t.mode == SyntheticTruth::Mode::beta) {
    r.require(t.theta2 > 0 && t.theta2 <= 1, "theta2", "must be in (0, 1]");
  } else {
    r.require(t.slope > 0, "slope", "must be > 0 (per nat of loss: a better model must do better)");
    r.require(t.difficulty_spread > 0, "difficulty_spread", "must be > 0 nats (problems must differ in difficulty)");
    r.require(t.answer_tokens >= 1, "answer_tokens", "must be >= 1");
  }
  r.require(t.nll_noise >= 0, "nll_noise", "must be >= 0");
  r.require(t.flops_per_second >= 0, "flops_per_second", "must be >= 0 (0 = no simulated duration)");
  r.require(t.tokens_per_sample > 0, "tokens_per_sample", "must be > 0");
  r.finish();

  // A link that makes every problem's p 0 or 1 on every grid point gives a sweep that measures
  // nothing (pass@k is a step function of nothing the sweep varies): refuse it up front. At one
  // grid point of loss L the informative difficulties are b in [-L - w, -L + w], w =
  // logit(1 - eps) / slope; degenerate = under 1e-6 of the population there at every point.
  if (t.mode == SyntheticTruth::Mode::irt && !grid.empty()) {
    constexpr double kEps = 1e-9, kMinFraction = 1e-6;
    double lo = INFINITY, hi = -INFINITY, best = 0;
    for (const auto& p : grid) {
      double L = t.loss(p[0], p[1]);
      lo = std::min(lo, L), hi = std::max(hi, L);
      best = std::max(best, irt_informative_fraction(t, L, L, kEps));
    }
    if (!(best >= kMinFraction)) {
      // Problems all far easier or far harder than the grid's models: move difficulty_mean.
      // Otherwise the population meets the grid's losses but the link is a step: lower slope.
      bool outside = irt_informative_fraction(t, lo, hi, kEps) < kMinFraction;
      std::vector<const char*> keys = outside ? std::vector<const char*>{"difficulty_mean", "difficulty_spread", "slope"}
                                              : std::vector<const char*>{"slope", "difficulty_spread", "difficulty_mean"};
      // Name the first key the user wrote, so the message points at a line of the file.
      const char* key = keys.front();
      for (const char* k : keys)
        if (r.has(k)) { key = k; break; }
      r.fail(key, fmt::format("with slope = {:g}, difficulty_mean = {:g} and difficulty_spread = {:g}, every problem's "
                              "p is within {:g} of 0 or 1 on every grid point (loss L(N, D) from {:.3g} to {:.3g} nats; "
                              "problem i is solved half the time where L = -difficulty_i): {}",
                              t.slope, t.difficulty_mean, t.difficulty_spread, kEps, lo, hi,
                              outside ? "the problems are all far easier or far harder than the grid's models"
                                      : "the link is a step function (lower slope)"));
    }
  }
  return t;
}

SyntheticTruth synthetic_truth_of(const WorkloadConfig& config) {
  toml::table settings = config.settings;
  TableReader r(settings, "workload.synthetic", config.file);
  return read_synthetic_truth(r, config.seed, config.grid);
}

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

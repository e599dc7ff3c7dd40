// synthetic_settings.cpp — reading [workload.synthetic] into a SyntheticTruth (see
// synthetic_settings.hpp).
#include "workers/synthetic/synthetic_settings.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

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

}  // namespace t2

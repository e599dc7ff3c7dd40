// truth_model.cpp — the ground truth's formulas (see truth_model.hpp).
#include "workers/synthetic/truth_model.hpp"

#include <cmath>

#include "contract/seed.hpp"

namespace t2 {

double SyntheticTruth::loss(double n, double d) const {
  return E + A / std::pow(n, alpha) + B / std::pow(d, beta);
}
double SyntheticTruth::mean_accuracy(double L) const { return theta2 / (1.0 + std::exp(theta1 * (L - theta0))); }
double SyntheticTruth::concentration(double L) const { return std::exp(theta3 + theta4 * L); }

namespace {

// A uniform in (0, 1) from the top 53 bits of a splitmix64 value (never 0, so log() is finite).
double unit_open(std::uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

double problem_difficulty(const SyntheticTruth& t, const std::string& task, std::uint32_t problem) {
  // One stream per (sweep seed, task, problem): the tag keeps it apart from every run's streams.
  std::uint64_t s = mix_seed(mix_seed(mix_seed(t.seed, std::uint64_t{0x64696666}), task), std::uint64_t{problem});
  double u1 = unit_open(splitmix64(s)), u2 = unit_open(splitmix64(s + 1));
  double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);  // Box-Muller
  return t.difficulty_mean + t.difficulty_spread * z;
}

std::vector<double> problem_difficulties(const SyntheticTruth& t, const std::string& task, std::uint32_t problems) {
  std::vector<double> b(problems);
  for (std::uint32_t i = 0; i < problems; ++i) b[i] = problem_difficulty(t, task, i);
  return b;
}

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

double irt_logit(const SyntheticTruth& t, double loss, double difficulty) { return t.slope * (-loss - difficulty); }

double irt_pass_at_k(const SyntheticTruth& t, double loss, double k, const std::vector<double>& b) {
  if (b.empty()) return 0;
  double sum = 0;
  // 1 - (1 - p)^k = -expm1(k log(1 - p)) = -expm1(-k softplus(x)): no cancellation for tiny p.
  for (double bi : b) sum += -std::expm1(-k * softplus(irt_logit(t, loss, bi)));
  return sum / static_cast<double>(b.size());
}

double irt_mean_nll(const SyntheticTruth& t, double loss, const std::vector<double>& b) {
  if (b.empty()) return 0;
  double sum = 0;
  for (double bi : b) sum += softplus(-irt_logit(t, loss, bi));
  return sum / static_cast<double>(b.size());
}

double irt_informative_fraction(const SyntheticTruth& t, double loss_lo, double loss_hi, double eps) {
  // p in [eps, 1 - eps] iff |x| <= logit(1 - eps), x = slope (-L - b): b in
  // [-L - w, -L + w], w = logit(1 - eps) / slope. Over L in [lo, hi]: b in [-hi - w, -lo + w].
  double w = std::log((1 - eps) / eps) / t.slope;
  double lo = -loss_hi - w, hi = -loss_lo + w;
  auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - t.difficulty_mean) / (t.difficulty_spread * std::sqrt(2.0))); };
  return cdf(hi) - cdf(lo);
}

}  // namespace t2

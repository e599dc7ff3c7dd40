// initial_design.cpp — first-batch lattices, IsoFLOP slices, Halton batches (see initial_design.hpp).
#include "orchestrator/design/initial_design.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "contract/seed.hpp"

namespace t2 {

namespace {
std::vector<double> log_spaced(double lo, double hi, std::uint32_t count) {
  std::vector<double> out;
  if (count == 0 || !(hi >= lo) || !(lo > 0)) return out;
  if (count == 1) return {std::sqrt(lo * hi)};
  for (std::uint32_t i = 0; i < count; ++i)
    out.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (count - 1)));
  return out;
}
}  // namespace

double initial_point_cap(const TargetConfig& t) {
  double budget = std::numeric_limits<double>::infinity();
  if (t.form == TargetConfig::Form::split && t.train_budget > 0) budget = t.train_budget;
  if (t.form == TargetConfig::Form::end_to_end && t.budget > 0) budget = t.budget;
  return budget / 8;
}

std::vector<GridPoint> initial_points(const SweepConfig& config, const DesignSpace& space, std::uint32_t count,
                                      double cap) {
  std::vector<GridPoint> out;
  if (count == 0) return out;
  const GridConfig& g = config.grid;
  const double tmin = g.min_tokens_per_param > 0 ? g.min_tokens_per_param : 0.0;
  const double tmax = g.max_tokens_per_param > 0 ? g.max_tokens_per_param : std::numeric_limits<double>::infinity();
  if (space.isoflop()) {
    std::vector<double> levels;
    for (double c : g.isoflop) if (c <= cap * (1 + 1e-9)) levels.push_back(c);
    std::sort(levels.begin(), levels.end());
    if (levels.empty()) levels.push_back(*std::min_element(g.isoflop.begin(), g.isoflop.end()));
    std::uint32_t n_levels = std::clamp<std::uint32_t>(
        std::uint32_t(std::lround(std::sqrt(count / 2.0))), 1, std::min<std::uint32_t>(count, levels.size()));
    for (std::uint32_t l = 0; l < n_levels; ++l) {
      std::size_t idx = n_levels == 1 ? levels.size() - 1 : (levels.size() - 1) * l / (n_levels - 1);
      double c = levels[idx];
      // Points per slice: count / n_levels, the remainder going to the largest budgets.
      std::uint32_t per = count / n_levels + (l >= n_levels - count % n_levels ? 1 : 0);
      // D / N = C / 6N^2 within [tmin, tmax]  <=>  N in [sqrt(C / 6 tmax), sqrt(C / 6 tmin)].
      double lo = std::max(space.n_lo(), std::isfinite(tmax) ? std::sqrt(c / (6 * tmax)) : 0.0);
      double hi = std::min(space.n_hi(), tmin > 0 ? std::sqrt(c / (6 * tmin)) : space.n_hi());
      for (double n : log_spaced(lo, hi, per))
        if (space.contains(n, c / (6 * n))) out.push_back({n, c / (6 * n)});
    }
    return out;
  }
  std::uint32_t rows = std::uint32_t(std::ceil(std::sqrt(double(count))));
  std::uint32_t cols = (count + rows - 1) / rows;
  std::uint32_t left = count;
  for (double n : log_spaced(space.n_lo(), space.n_hi(), rows)) {
    double lo = std::max(space.second_lo(), tmin * n);
    double hi = std::min({space.second_hi(), tmax * n, cap / (6 * n)});
    if (!(hi >= lo)) continue;
    for (double d : log_spaced(lo, hi, std::min(cols, left))) {
      if (!space.contains(n, d)) continue;
      out.push_back({n, d});
      --left;
    }
    if (left == 0) break;
  }
  return out;
}

double radical_inverse(std::uint64_t i, std::uint32_t base) {
  double inv = 1.0 / base, f = inv, r = 0;
  while (i > 0) {
    r += f * double(i % base);
    i /= base;
    f *= inv;
  }
  return r;
}

std::vector<GridPoint> space_filling_points(const DesignSpace& space, std::uint64_t seed, std::uint32_t batch,
                                            std::uint32_t count, double cap) {
  std::mt19937_64 rng(mix_seed(mix_seed(seed, std::uint64_t{0x68616c74}), std::uint64_t{batch}));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double su = unit(rng), sv = unit(rng);
  std::vector<GridPoint> out;
  for (std::uint64_t i = 1; out.size() < count && i <= 64ull * count; ++i) {
    double u = std::fmod(radical_inverse(i, 2) + su, 1.0), v = std::fmod(radical_inverse(i, 3) + sv, 1.0);
    GridPoint p = space.at(u, v);
    if (space.contains(p.n, p.d) && train_flops(p.n, p.d) <= cap) out.push_back(p);
  }
  return out;
}

}  // namespace t2

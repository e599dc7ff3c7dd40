// synth.hpp — test data drawn from known laws (shared by the laws tests).
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "orchestrator/laws/chinchilla.hpp"
#include "orchestrator/laws/fit_data.hpp"

namespace t2::test {

// A sweep like the paper's (§8): isoFLOP levels 1e18 * 2^i, model sizes spanning each level.
inline std::vector<std::pair<double, double>> sweep_grid(int levels = 8, int sizes = 9, double c0 = 1e18) {
  std::vector<std::pair<double, double>> nd;
  for (int i = 0; i < levels; ++i) {
    double c = c0 * std::pow(2.0, i);
    double n_opt = std::sqrt(c / 6 / 20);  // ~20 tokens per parameter
    for (int j = 0; j < sizes; ++j) {
      double n = n_opt * std::pow(10.0, -1.2 + 2.4 * j / (sizes - 1));
      nd.push_back({n, c / (6 * n)});
    }
  }
  return nd;
}

// Loss points from a Chinchilla law with multiplicative log-normal noise of sd `noise`.
inline std::vector<LossPoint> chinchilla_points(const ChinchillaParams& p, double noise, std::uint64_t seed,
                                                int levels = 8, int sizes = 9) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, noise);
  std::vector<LossPoint> out;
  for (auto [n, d] : sweep_grid(levels, sizes)) out.push_back({n, d, p.loss(n, d) * std::exp(z(rng)), 1});
  return out;
}

}  // namespace t2::test

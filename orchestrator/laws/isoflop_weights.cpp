// isoflop_weights.cpp — see isoflop_weights.hpp.
#include "orchestrator/laws/isoflop_weights.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace t2 {

const char* to_string(LhatWeights w) { return w == LhatWeights::equal ? "equal" : "inverse_variance"; }

LhatWeights lhat_weights_from_string(const std::string& s) {
  if (s == "equal") return LhatWeights::equal;
  if (s == "inverse_variance") return LhatWeights::inverse_variance;
  throw std::invalid_argument("lhat_weights = '" + s + "': expected equal or inverse_variance");
}

std::vector<int> isoflop_groups(const std::vector<LossPoint>& pts, double rel_tol) {
  std::vector<std::size_t> order(pts.size());
  std::iota(order.begin(), order.end(), 0);
  auto flops = [&](std::size_t i) { return 6 * pts[i].n * pts[i].d; };
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return flops(x) < flops(y); });
  std::vector<int> g(pts.size(), 0);
  int cur = 0;
  for (std::size_t j = 1; j < order.size(); ++j) {
    if (flops(order[j]) > flops(order[j - 1]) * (1 + rel_tol)) ++cur;  // a gap: the next isoFLOP level
    g[order[j]] = cur;
  }
  return g;
}

std::vector<double> isoflop_inverse_variance_weights(const std::vector<LossPoint>& pts, const ChinchillaParams& fitted,
                                                     bool log_residuals, double rel_tol) {
  std::vector<int> g = isoflop_groups(pts, rel_tol);
  int groups = pts.empty() ? 0 : *std::max_element(g.begin(), g.end()) + 1;
  std::vector<double> ss(groups, 0.0), m(groups, 0.0);
  double pooled = 0;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    double pred = fitted.loss(pts[i].n, pts[i].d);
    double r = log_residuals ? std::log(pred) - std::log(pts[i].loss) : pred - pts[i].loss;
    ss[g[i]] += r * r, m[g[i]] += 1, pooled += r * r;
  }
  pooled /= std::max<std::size_t>(pts.size(), 1);
  std::vector<double> w(pts.size(), 1.0);
  if (!(pooled > 0)) return w;  // an exact fit: nothing to weight by
  double sum = 0;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    double var = m[g[i]] >= 2 ? ss[g[i]] / m[g[i]] : pooled;
    w[i] = 1 / std::max(var, 0.01 * pooled);
    sum += w[i];
  }
  for (double& x : w) x *= pts.size() / sum;
  return w;
}

}  // namespace t2

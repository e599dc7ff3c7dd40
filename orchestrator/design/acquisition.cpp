// acquisition.cpp — candidates, ensemble-Kalman scores, greedy diverse batches (see acquisition.hpp).
#include "orchestrator/design/acquisition.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "orchestrator/design/initial_design.hpp"
#include "contract/seed.hpp"

namespace t2 {

std::uint32_t choose_samples(double k_target, const EvalConfig& eval) {
  std::uint32_t cap = std::max<std::uint32_t>(1, eval.samples);
  std::uint32_t floor = std::min<std::uint32_t>(8, cap);
  double want = 2.0 * std::max(1.0, k_target);
  std::uint32_t s = 1;
  while (s < want && s < cap) s *= 2;
  return std::clamp(s, floor, cap);
}

double target_k(const TargetConfig& t, double n, double k_star, const EvalConfig& eval) {
  if (t.form == TargetConfig::Form::split && t.inference_budget > 0) return std::max(1.0, t.inference_budget / (2 * n));
  if (t.form == TargetConfig::Form::end_to_end && k_star > 0) return k_star;
  return std::max<double>(1.0, eval.samples);
}

std::vector<Candidate> make_candidates(const SweepConfig& config, const DesignSpace& space, std::uint32_t batch,
                                       std::uint32_t count, const std::vector<GridPoint>& extra, double remaining,
                                       double k_star) {
  std::vector<Candidate> out;
  const double reps = std::max<std::uint32_t>(1, config.replicates);
  auto add = [&](const GridPoint& g) {
    if (!space.contains(g.n, g.d)) return;
    Candidate c;
    c.n = g.n;
    c.d = g.d;
    c.samples = choose_samples(target_k(config.target, g.n, k_star, config.eval), config.eval);
    c.cost = reps * planned_point_flops(g.n, g.d, c.samples, config.eval);
    if (c.cost > remaining) return;
    out.push_back(c);
  };
  for (const GridPoint& g : extra) add(g);
  const double inf = std::numeric_limits<double>::infinity();
  for (const GridPoint& g : space_filling_points(space, mix_seed(config.seed, std::uint64_t{0x61637100}), batch, count, inf))
    add(g);
  return out;
}

namespace {

// Ensemble anomalies (value - ensemble mean) of one predicted quantity, one entry per member.
using Row = std::vector<double>;

Row anomalies(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m += x;
  m /= v.size();
  Row r(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) r[i] = v[i] - m;
  return r;
}

double dot(const Row& a, const Row& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Serial ensemble square-root update (Whitaker & Hamill 2002, Eq. 5-6) of `rows` by a scalar
// observation whose ensemble anomaly is `h` (a copy) and noise variance is `r`: the rows'
// covariances with h shrink exactly as a Kalman update with gain Cov(z, h) / (Var(h) + r).
void condition(std::vector<Row*>& rows, Row h, double r) {
  const double m1 = double(h.size() - 1);
  double var_h = dot(h, h) / m1;
  if (!(var_h > 0)) return;
  double alpha = 1.0 / (1.0 + std::sqrt(r / (var_h + r)));
  for (Row* z : rows) {
    double gain = dot(*z, h) / m1 / (var_h + r);
    for (std::size_t i = 0; i < h.size(); ++i) (*z)[i] -= alpha * gain * h[i];
  }
}

}  // namespace

std::vector<std::size_t> select_batch(std::vector<Candidate>& cand, const EnsembleView& ens,
                                      const TargetConfig& target, double k_star, std::uint32_t batch_size,
                                      double remaining, const EvalConfig& eval) {
  std::vector<std::size_t> chosen;
  const std::size_t M = ens.members.size();
  if (M < 3 || cand.empty()) return chosen;
  // Rows: the target t = log N*, then per candidate its log-loss and pass@k channels.
  Row t = anomalies(ens.log_n_star);
  std::vector<Row> loss_row(cand.size()), acc_row(cand.size());
  std::vector<double> acc_noise(cand.size());
  for (std::size_t j = 0; j < cand.size(); ++j) {
    std::vector<double> lv(M), av(M);
    double noise = 0;
    for (std::size_t m = 0; m < M; ++m) {
      const FittedLaw& law = ens.members[m];
      double L = ChinchillaParams::from_theta(law.theta).loss(cand[j].n, cand[j].d);  // Lhat: theta[0..4]
      lv[m] = std::log(std::max(L, 1e-300));
      // The run's mean single-sample accuracy mu = pass@1, which is what the refit reads from an
      // eval, and the spread of p: E p^2 = 2 pass@1 - pass@2 (pass@2 = 1 - E (1 - p)^2).
      double mu = law.score(cand[j].n, cand[j].d, 1), pass2 = law.score(cand[j].n, cand[j].d, 2);
      av[m] = mu;
      // Sampling variance of a mean of P Beta draws: Var p / P.
      double var_p = std::max(0.0, 2 * mu - pass2 - mu * mu);
      noise += var_p / std::max(1.0, ens.problems);
    }
    acc_noise[j] = std::max(noise / M + ens.mu_misfit * ens.mu_misfit, 1e-12);
    loss_row[j] = anomalies(lv);
    acc_row[j] = anomalies(av);
  }
  const double loss_noise = std::max(ens.loss_noise * ens.loss_noise, 1e-8);
  const double m1 = double(M - 1);

  // Kalman reduction of Var(t) by one scalar observation h with noise r, with the squared
  // correlation debiased for the ensemble size: with M members a sample correlation of an
  // unrelated quantity has E[rho^2] = 1/(M-1), and taking the best of hundreds of candidates
  // would otherwise pick spurious correlations (the EnKF's sampling-error problem). The
  // adjusted value is the usual one, rho^2 - (1 - rho^2)/(M - 2), floored at 0.
  auto kalman_reduction = [&](const Row& tt, const Row& h, double r) {
    double vt = dot(tt, tt) / m1, vh = dot(h, h) / m1, c = dot(tt, h) / m1;
    if (!(vt > 0) || !(vh > 0)) return 0.0;
    double rho2 = c * c / (vt * vh);
    double adj = std::max(0.0, rho2 - (1.0 - rho2) / (double(M) - 2.0));
    return vt * adj * vh / (vh + r);
  };
  // Expected reduction of Var(t) from one candidate given the current (conditioned) anomalies:
  // its loss channel, then its accuracy channel conditioned on the loss.
  auto reduction = [&](std::size_t j) {
    Row tt = t, a = acc_row[j];
    double red = kalman_reduction(tt, loss_row[j], loss_noise);
    std::vector<Row*> rows = {&tt, &a};
    condition(rows, loss_row[j], loss_noise);
    red += kalman_reduction(tt, a, acc_noise[j]);
    return red;
  };

  for (std::size_t j = 0; j < cand.size(); ++j) {
    cand[j].reduction = reduction(j);
    cand[j].score = cand[j].cost > 0 ? cand[j].reduction / cand[j].cost : 0;
  }
  double left = remaining;
  for (std::uint32_t b = 0; b < batch_size; ++b) {
    std::size_t best = cand.size();
    double best_score = -1;
    for (std::size_t j = 0; j < cand.size(); ++j) {
      if (cand[j].chosen || cand[j].cost > left) continue;
      double s = b == 0 ? cand[j].score : reduction(j) / cand[j].cost;
      if (s > best_score) { best_score = s; best = j; }
    }
    if (best == cand.size()) break;
    cand[best].chosen = true;
    chosen.push_back(best);
    left -= cand[best].cost;
    // Condition every row on the chosen point's two channels (its outcome is not known yet,
    // but the variance reduction does not depend on it).
    std::vector<Row*> rows = {&t};
    for (std::size_t j = 0; j < cand.size(); ++j) { rows.push_back(&loss_row[j]); rows.push_back(&acc_row[j]); }
    condition(rows, loss_row[best], loss_noise);
    condition(rows, acc_row[best], acc_noise[best]);
  }
  return chosen;
}

}  // namespace t2

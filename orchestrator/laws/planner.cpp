// planner.cpp — compute-optimal allocation under a fitted law (see planner.hpp).
// Every search is over log N (and, end to end, log k at each N): a dense log grid finds the best
// cell, golden-section search refines inside the neighbouring cells. The grid makes the search
// safe for laws with several local optima along N; the refinement makes it precise.
#include "orchestrator/laws/planner.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <thread>

namespace t2 {
namespace {

constexpr int kGrid = 160;      // grid points over log N
constexpr int kGridK = 48;      // grid points over log k (end to end)
constexpr int kGolden = 60;     // golden-section iterations (interval shrinks by 0.618^60)

// Minimise f over [lo, hi] (f may return +inf where infeasible); returns argmin.
double minimise_1d(const std::function<double(double)>& f, double lo, double hi, int grid) {
  if (!(hi > lo)) return lo;
  double best_x = lo, best_f = INFINITY;
  int best_i = 0;
  for (int i = 0; i <= grid; ++i) {
    double x = lo + (hi - lo) * i / grid;
    double v = f(x);
    if (v < best_f) best_f = v, best_x = x, best_i = i;
  }
  if (!std::isfinite(best_f)) return best_x;
  double a = lo + (hi - lo) * std::max(0, best_i - 1) / grid;
  double b = lo + (hi - lo) * std::min(grid, best_i + 1) / grid;
  const double g = 0.5 * (std::sqrt(5.0) - 1);
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = f(c), fd = f(d);
  for (int it = 0; it < kGolden && b - a > 1e-12 * std::max(1.0, std::abs(a)); ++it) {
    if (fc <= fd) b = d, d = c, fd = fc, c = b - g * (b - a), fc = f(c);
    else a = c, c = d, fc = fd, d = a + g * (b - a), fd = f(d);
  }
  double x = fc <= fd ? c : d;
  return std::min(fc, fd) <= best_f ? x : best_x;
}

double objective(const FittedLaw& law, const Allocation& a) {
  if (!a.feasible || !std::isfinite(a.score)) return INFINITY;
  return law.law->goal() == Goal::minimize ? a.score : -a.score;
}

void check(const Deployment& dep, const PlanBounds& b) {
  auto bad = [](const std::string& m) { throw std::invalid_argument(m); };
  if (!(b.n_min > 0 && b.n_max >= b.n_min)) bad("bounds: need 0 < n_min <= n_max");
  if (!(b.d_min > 0 && b.d_max >= b.d_min)) bad("bounds: need 0 < d_min <= d_max");
  if (!(b.k_min >= 1 && b.k_max >= b.k_min)) bad("bounds: need 1 <= k_min <= k_max");
  if (dep.form == Deployment::Form::split) {
    if (!(dep.train_flops > 0)) bad("train budget must be > 0 FLOPs");
    if (!(dep.inference_flops >= 0)) bad("inference budget must be >= 0 FLOPs per token");
  } else {
    if (!(dep.total_flops > 0)) bad("budget must be > 0 FLOPs");
    if (!(dep.queries >= 0) || !(dep.tokens_per_sample >= 0)) bad("queries and tokens per sample must be >= 0");
  }
}

// The allocation at (n, k) with D from the budget; infeasible outside the bounds.
Allocation at(const FittedLaw& law, const Deployment& dep, const PlanBounds& b, double n, double k) {
  Allocation a;
  a.n = n, a.k = k;
  if (dep.form == Deployment::Form::split) {
    a.d = dep.train_flops / (6 * n);
  } else {
    double infer = 2 * n * dep.tokens_per_sample * k * dep.queries;  // 2N FLOPs per token (§3.3)
    a.d = (dep.total_flops - infer) / (6 * n);
  }
  a.train_flops = 6 * n * a.d;
  a.feasible = n >= b.n_min * (1 - 1e-12) && n <= b.n_max * (1 + 1e-12) && a.d >= b.d_min * (1 - 1e-12) &&
               a.d <= b.d_max * (1 + 1e-12) && k >= b.k_min * (1 - 1e-12) && k <= b.k_max * (1 + 1e-12);
  if (a.feasible) a.score = law.score(n, a.d, law.law->uses_k() ? k : 1.0);
  return a;
}

// Largest k the budget allows at n (split: C_inf / 2N, Eq. 1-2; C_inf = 0: k = 1).
double split_k(const Deployment& dep, const PlanBounds& b, double n) {
  if (dep.inference_flops == 0) return std::max(1.0, b.k_min);
  return std::min(dep.inference_flops / (2 * n), b.k_max);
}

// Best allocation at n over k (the k search of the end-to-end form; fixed k when k_fixed > 0).
Allocation best_at(const FittedLaw& law, const Deployment& dep, const PlanBounds& b, double n, double k_fixed) {
  if (k_fixed > 0) {
    if (dep.form == Deployment::Form::split && dep.inference_flops > 0 && k_fixed > dep.inference_flops / (2 * n) * (1 + 1e-12))
      return Allocation{};
    if (dep.form == Deployment::Form::split && dep.inference_flops == 0 && k_fixed != std::max(1.0, b.k_min)) return Allocation{};
    return at(law, dep, b, n, k_fixed);
  }
  if (dep.form == Deployment::Form::split) return at(law, dep, b, n, split_k(dep, b, n));
  // End to end: k in [k_min, k_hi], k_hi keeping D >= d_min. No inference cost, or a law
  // indifferent to k: take the end of the range that helps.
  double per_k = 2 * n * dep.tokens_per_sample * dep.queries;
  double k_hi = b.k_max;
  if (per_k > 0) k_hi = std::min(k_hi, (dep.total_flops - 6 * n * b.d_min) / per_k);
  if (k_hi < b.k_min) return at(law, dep, b, n, b.k_min);  // infeasible: D < d_min even at k_min
  if (!law.law->uses_k()) return at(law, dep, b, n, b.k_min);
  if (per_k == 0) return at(law, dep, b, n, k_hi);
  auto f = [&](double lk) { return objective(law, at(law, dep, b, n, std::exp(lk))); };
  double lk = minimise_1d(f, std::log(b.k_min), std::log(k_hi), kGridK);
  return at(law, dep, b, n, std::exp(lk));
}

Allocation best_over_n(const FittedLaw& law, const Deployment& dep, const PlanBounds& b, double k_fixed) {
  auto f = [&](double ln) { return objective(law, best_at(law, dep, b, std::exp(ln), k_fixed)); };
  double ln = minimise_1d(f, std::log(b.n_min), std::log(b.n_max), kGrid);
  return best_at(law, dep, b, std::exp(ln), k_fixed);
}

}  // namespace

Allocation evaluate_at(const FittedLaw& law, const Deployment& dep, const PlanBounds& b, double n) {
  check(dep, b);
  return best_at(law, dep, b, n, 0);
}

Plan plan(const FittedLaw& law, const Deployment& dep, const PlanBounds& b, const ChinchillaParams* reference) {
  check(dep, b);
  Plan p;
  p.deployment = dep;
  p.best = best_over_n(law, dep, b, 0);

  // Integer k: re-optimise N for floor(k*) and ceil(k*) and keep the better.
  if (p.best.feasible) {
    if (!law.law->uses_k()) {
      p.best_integer = p.best;
      p.best_integer.k = std::round(p.best.k);
    } else {
      for (double k : {std::floor(p.best.k), std::ceil(p.best.k)}) {
        if (k < b.k_min || k > b.k_max) continue;
        Allocation a = best_over_n(law, dep, b, k);
        if (objective(law, a) < objective(law, p.best_integer)) p.best_integer = a;
      }
    }
  }

  // The Chinchilla choice for the same training spend (issue 3, item 7).
  if (reference && p.best.feasible) {
    ChinchillaLaw cl;
    FittedLaw ref{std::shared_ptr<const Law>(&cl, [](const Law*) {}), reference->theta()};
    double spend = dep.form == Deployment::Form::split ? dep.train_flops : p.best.train_flops;
    Deployment train_only;
    train_only.form = Deployment::Form::split;
    train_only.train_flops = spend;
    Allocation c = best_over_n(ref, train_only, b, 0);
    if (c.feasible) {
      double k;
      if (dep.form == Deployment::Form::split) {
        k = split_k(dep, b, c.n);
      } else {
        double per_k = 2 * c.n * dep.tokens_per_sample * dep.queries;
        k = per_k > 0 ? std::min(b.k_max, (dep.total_flops - spend) / per_k) : (law.law->uses_k() ? b.k_max : b.k_min);
      }
      Allocation a;
      a.n = c.n, a.d = c.d, a.k = k, a.train_flops = 6 * c.n * c.d;
      // A Chinchilla model too large to serve k_min samples within the inference budget is still
      // reported (at k_min, flagged): the user sees what the budget rules out.
      a.within_budget = k >= b.k_min * (1 - 1e-12);
      if (!a.within_budget) a.k = k = b.k_min;
      a.feasible = true;
      a.score = law.score(a.n, a.d, law.law->uses_k() ? k : 1.0);
      p.chinchilla = a;
    }
  }
  return p;
}

std::vector<Plan> plan_frontier(const FittedLaw& law, const Deployment& base, double from, double to, int steps,
                                const PlanBounds& b, const ChinchillaParams* reference) {
  if (!(from > 0 && to >= from) || steps < 1) throw std::invalid_argument("frontier: need 0 < FROM <= TO and STEPS >= 1");
  std::vector<Plan> out;
  for (int i = 0; i < steps; ++i) {
    double c = steps == 1 ? from : from * std::pow(to / from, double(i) / (steps - 1));
    Deployment d = base;
    (d.form == Deployment::Form::split ? d.train_flops : d.total_flops) = c;
    out.push_back(plan(law, d, b, reference));
  }
  return out;
}

double plan_advantage(const FittedLaw& law, const Plan& p) {
  if (!p.best.feasible || !p.chinchilla.feasible) return kNaN;
  double t2 = law.score(p.best.n, p.best.d, p.best.k), chin = law.score(p.chinchilla.n, p.chinchilla.d, p.chinchilla.k);
  return law.law->goal() == Goal::maximize ? t2 - chin : chin - t2;
}

PlanIntervals plan_intervals(const FittedLaw& law, const std::vector<std::vector<double>>& reps, const Plan& p,
                             const PlanBounds& b, double level, int threads) {
  PlanIntervals out;
  out.replicates = static_cast<std::uint32_t>(reps.size());
  if (reps.empty()) return out;
  std::vector<double> score(reps.size(), kNaN), n(reps.size(), kNaN), d(reps.size(), kNaN), k(reps.size(), kNaN),
      best(reps.size(), kNaN), adv(reps.size(), kNaN);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t r; (r = next.fetch_add(1)) < reps.size();) {
      FittedLaw lr{law.law, reps[r]};
      if (p.best.feasible) score[r] = lr.score(p.best.n, p.best.d, p.best.k);
      adv[r] = plan_advantage(lr, p);
      Allocation a = best_over_n(lr, p.deployment, b, 0);
      if (a.feasible) n[r] = a.n, d[r] = a.d, k[r] = a.k, best[r] = a.score;
    }
  };
  int nt = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int t = 0; t < nt; ++t) pool.emplace_back(work);
  for (auto& th : pool) th.join();
  out.score = percentile_interval(score, level);
  out.n = percentile_interval(n, level);
  out.d = percentile_interval(d, level);
  out.k = percentile_interval(k, level);
  out.best_score = percentile_interval(best, level);
  out.advantage = percentile_interval(adv, level);
  return out;
}

}  // namespace t2

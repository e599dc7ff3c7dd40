// t2_accuracy_law.cpp — Approach 2 (T² paper §3.2, §3.3, App. F): the Beta model of per-problem
// accuracy, its closed-form pass@k, and its two fits (see t2_accuracy_law.hpp).
#include "orchestrator/laws/t2_accuracy_law.hpp"

#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "orchestrator/laws/least_squares.hpp"
#include "orchestrator/laws/ceres_logging.hpp"
#include "orchestrator/laws/moments_fit.hpp"

namespace t2 {
namespace {

// mu, nu and their parts at Lhat = L (§3.2): mu = theta2 s, s = 1/(1 + exp(theta1 (L - theta0))),
// nu = exp(theta3 + theta4 L); a = mu nu, b = (1 - mu) nu. The law itself bounds nothing beyond
// mu in (0, theta2], nu > 0 (issue 9: no clamp of mu or nu, which would change the law); only
// floating-point guards remain: 1 - s and 1 - mu are formed without cancellation, nu's exponent is
// kept within +-600 (nu in [1e-261, 4e260], where every log_beta.hpp quantity stays finite) and
// a, b >= 1e-300 when mu or 1 - mu underflows (Beta(0, b) is a point mass the formulas exclude).
constexpr double kMinShape = 1e-300;
struct Links {
  double s, oms, mu, omm, nu, a, b;  // oms = 1 - s, omm = 1 - mu
};
Links links(const double* th, double L) {
  Links l;
  double z = th[1] * (L - th[0]);
  double e = std::exp(-std::abs(z));  // in (0, 1]: no overflow
  double lo = e / (1 + e), hi = 1 / (1 + e);
  l.s = z > 0 ? lo : hi;
  l.oms = z > 0 ? hi : lo;
  l.mu = th[2] * l.s;
  l.omm = (1 - th[2]) + th[2] * l.oms;  // 1 - theta2 s, both parts >= 0 for theta2 in (0, 1]
  l.nu = std::exp(std::clamp(th[3] + th[4] * L, -600.0, 600.0));
  l.a = std::max(l.mu * l.nu, kMinShape);
  l.b = std::max(l.omm * l.nu, kMinShape);
  return l;
}

// Chain rule from (d/da, d/db) to theta0..theta4 (natural units).
void chain(const double* th, double L, const Links& l, double ga, double gb, double* g) {
  double gmu = (ga - gb) * l.nu;                    // da/dmu = nu, db/dmu = -nu
  double gnu = ga * l.mu + gb * l.omm;              // da/dnu = mu, db/dnu = 1 - mu
  double ds = l.s * l.oms;
  g[0] = gmu * th[2] * th[1] * ds;
  g[1] = -gmu * th[2] * ds * (L - th[0]);
  g[2] = gmu * l.s;
  g[3] = gnu * l.nu;
  g[4] = gnu * l.nu * L;
}

}  // namespace

const char* to_string(LhatSource s) { return s == LhatSource::answer_nll ? "answer_nll" : "train_loss"; }
LhatSource lhat_source_from_string(const std::string& s) {
  if (s == "answer_nll") return LhatSource::answer_nll;
  if (s == "train_loss") return LhatSource::train_loss;
  throw std::invalid_argument("lhat = '" + s + "': expected answer_nll or train_loss");
}
const char* to_string(AccuracyMethod m) {
  switch (m) {
    case AccuracyMethod::automatic: return "automatic";
    case AccuracyMethod::two_stage: return "two_stage";
    case AccuracyMethod::beta_binomial: return "beta_binomial";
    case AccuracyMethod::moments: return "moments";
  }
  return "?";
}
AccuracyMethod accuracy_method_from_string(const std::string& s) {
  if (s == "automatic") return AccuracyMethod::automatic;
  if (s == "two_stage") return AccuracyMethod::two_stage;
  if (s == "beta_binomial") return AccuracyMethod::beta_binomial;
  if (s == "moments") return AccuracyMethod::moments;
  throw std::invalid_argument("method = '" + s + "': expected automatic, two_stage, beta_binomial or moments");
}

// ---- the law ----

std::vector<ParamSpec> T2AccuracyLaw::params() const {
  return {{"E", 0, 1e6, false},       {"A", 1e-12, 1e30, true},  {"B", 1e-12, 1e30, true},
          {"alpha", 0, 5, false},     {"beta", 0, 5, false},     {"theta0", -1e3, 1e3, false},
          {"theta1", -1e3, 1e3, false}, {"theta2", 1e-9, 1, false}, {"theta3", -50, 50, false},
          {"theta4", -50, 50, false}};
}

double T2AccuracyLaw::predict(std::span<const double> t, const LawInput& x) const {
  double L = ChinchillaParams::from_theta(t).loss(x.n, x.d);
  Links l = links(t.data() + 5, L);
  return beta_pass_at_k(l.a, l.b, x.k);
}

double T2AccuracyLaw::gradient(std::span<const double> t, const LawInput& x, std::span<double> g) const {
  double L = ChinchillaParams::from_theta(t).loss(x.n, x.d);
  const double* th = t.data() + 5;
  Links l = links(th, L);
  // pass = 1 - R, R = exp(logR) (log_beta.hpp: no cancellation for any a, b, k);
  // dpass/da = -R dlogR/da = R (psi(a+b+k) - psi(a+b)); dpass/db = -R dlogR/db.
  double logR = log_beta_ratio(l.a, l.b, x.k);
  double R = std::exp(logR);
  double ga = R * digamma_delta(l.a + l.b, x.k), gb = -R * log_beta_ratio_db(l.a, l.b, x.k);
  std::fill(g.begin(), g.end(), 0.0);
  chain(th, L, l, ga, gb, g.data() + 5);
  return -std::expm1(logR);
}

std::vector<std::vector<double>> T2AccuracyLaw::starts() const {
  std::vector<std::vector<double>> out;
  for (double t0 : {1.0, 2.5, 5.0, 10.0})
    for (double t1 : {1.0, 4.0})
      for (double t3 : {0.0, 2.0})
        for (double t4 : {-0.5, 0.0}) out.push_back({0, 0, 0, 0, 0, t0, t1, 0.9, t3, t4});
  return out;
}

// ---- fitting ----

namespace {

// Beta-binomial negative log-likelihood of the counts (log C(n, c) included), as a function of (theta0, theta1, eta,
// theta3, theta4) with theta2 = 1/(1 + exp(-eta)) so that theta2 stays in (0, 1) without bounds.
struct CountCell {
  std::uint32_t n, c;
  double count;
  double lchoose;  // log C(n, c), constant: computed once
};
struct CheckpointCounts {
  double L;
  std::vector<CountCell> cells;
};

class BetaBinomialNll final : public ceres::FirstOrderFunction {
 public:
  explicit BetaBinomialNll(const std::vector<CheckpointCounts>& d) : d_(d) {}
  int NumParameters() const override { return 5; }
  bool Evaluate(const double* p, double* cost, double* grad) const override {
    // The same box as T2AccuracyLaw::params() (which bounds the two_stage fit): outside it the
    // evaluation fails and the line search backs off. Without it, where mu ~ 0 the data say
    // nothing about nu and theta3, theta4 ran to +-2000 (nu = e^600 at the sweep's edge).
    for (int j : {0, 1})
      if (!(std::abs(p[j]) <= 1e3)) return false;
    for (int j : {3, 4})
      if (!(std::abs(p[j]) <= 50)) return false;
    double th[5] = {p[0], p[1], 1 / (1 + std::exp(-p[2])), p[3], p[4]};
    double f = 0, g[5] = {0, 0, 0, 0, 0};
    for (const CheckpointCounts& cc : d_) {
      Links l = links(th, cc.L);
      double ga = 0, gb = 0;
      for (const CountCell& cell : cc.cells) {
        // -log BB(c | n, a, b), log C(n, c) included: the objective is a proper NLL, >= 0.
        // = beta_binomial_log_pmf(n, c, a, b), with log C(n, c) precomputed.
        f -= cell.count * (cell.lchoose + log_beta_ratio(l.b + (cell.n - cell.c), l.a, cell.c) +
                           log_beta_ratio(l.a, l.b, cell.n - cell.c));
        if (grad) {
          double da, db;
          beta_binomial_log_pmf_grad(cell.n, cell.c, l.a, l.b, &da, &db);
          ga -= cell.count * da;
          gb -= cell.count * db;
        }
      }
      if (grad) {
        double gt[5];
        chain(th, cc.L, l, ga, gb, gt);
        for (int j = 0; j < 5; ++j) g[j] += gt[j];
      }
    }
    if (!std::isfinite(f)) return false;
    *cost = f;
    if (grad) {
      grad[0] = g[0], grad[1] = g[1], grad[2] = g[2] * th[2] * (1 - th[2]), grad[3] = g[3], grad[4] = g[4];
      for (int j = 0; j < 5; ++j)
        if (!std::isfinite(grad[j])) return false;
    }
    return true;
  }

 private:
  const std::vector<CheckpointCounts>& d_;
};

void fit_mle(const std::vector<CheckpointCounts>& counts, const std::vector<std::array<double, 5>>& starts, ThetaFit& out) {
  detail::quiet_ceres_logging();
  BetaBinomialNll* f = new BetaBinomialNll(counts);
  ceres::GradientProblem problem(f);  // owns f
  ceres::GradientProblemSolver::Options so;
  so.line_search_direction_type = ceres::LBFGS;
  so.max_num_iterations = 1000;
  so.function_tolerance = 1e-13;
  so.gradient_tolerance = 1e-12;
  so.parameter_tolerance = 1e-12;
  so.logging_type = ceres::SILENT;
  double best = INFINITY;
  for (const auto& s : starts) {
    double th2 = std::clamp(s[2], 1e-6, 1 - 1e-6);
    double x[5] = {s[0], s[1], std::log(th2 / (1 - th2)), s[3], s[4]};
    ceres::GradientProblemSolver::Summary summary;
    ceres::Solve(so, problem, x, &summary);
    ++out.starts_tried;
    if (std::isfinite(summary.final_cost) && summary.final_cost < best) {
      best = summary.final_cost;
      out.theta[0] = x[0], out.theta[1] = x[1], out.theta[2] = 1 / (1 + std::exp(-x[2]));
      out.theta[3] = x[3], out.theta[4] = x[4];
    }
  }
  if (!std::isfinite(best)) throw FitError("t2-accuracy beta-binomial fit: no start reached a finite likelihood");
  out.fitted = true;
  out.objective = best;  // the full negative log-likelihood (log C(n, c) included), >= 0
}

std::vector<double> full_theta(const ChinchillaParams& c, const double* th) {
  return {c.E, c.A, c.B, c.alpha, c.beta, th[0], th[1], th[2], th[3], th[4]};
}

double rmse_on(const std::vector<PassPoint>& targets, const std::vector<double>& theta) {
  if (targets.empty()) return kNaN;
  T2AccuracyLaw law;
  double s = 0;
  for (const PassPoint& p : targets) {
    double r = law.predict(theta, {p.n, p.d, p.k}) - p.mean_pass;
    s += r * r;
  }
  return std::sqrt(s / targets.size());
}

}  // namespace

AccuracyFit fit_accuracy_law(const FitData& data, const AccuracyFitOptions& o) {
  check_fit_data(data);
  if (data.outcomes.empty()) throw FitError("t2-accuracy fit needs per-problem outcomes (task results); none given");
  const bool warm = !o.start.empty();
  if (warm && o.start.size() != 10) throw std::invalid_argument("AccuracyFitOptions::start must have 10 values");
  check_locality(o.locality);
  if (o.locality.on() && o.method == AccuracyMethod::moments)
    throw std::invalid_argument("locality: not available with method moments (its regressions are unweighted)");
  AccuracyFit fit;
  fit.lhat_source = o.lhat;
  fit.source = o.source;
  fit.locality = o.locality;
  // Each checkpoint's locality weight (1 when off), used by every stage below.
  std::vector<double> wloc(data.checkpoints.size());
  for (std::size_t i = 0; i < wloc.size(); ++i) wloc[i] = o.locality.weight(data.checkpoints[i].n, data.checkpoints[i].d);

  // Stage 1: Lhat (App. F stage 1, or Approach 3 on training losses).
  std::vector<LossPoint> lp;
  std::vector<char> has_outcomes(data.checkpoints.size(), 0);
  for (const ProblemOutcome& p : data.outcomes) has_outcomes[p.checkpoint] = 1;
  if (o.lhat == LhatSource::answer_nll) {
    std::vector<double> nll = mean_answer_nll(data);
    for (std::size_t i = 0; i < nll.size(); ++i)
      if (std::isfinite(nll[i]) && nll[i] > 0) lp.push_back({data.checkpoints[i].n, data.checkpoints[i].d, nll[i], wloc[i]});
    if (lp.size() < 5)
      throw FitError("t2-accuracy with lhat answer_nll needs the gold-answer NLL on at least 5 checkpoints, got " +
                     std::to_string(lp.size()));
    fit.lhat = fit_chinchilla_profiled(lp, 40);
    if (o.lhat_weights == LhatWeights::inverse_variance) {
      std::vector<double> w = isoflop_inverse_variance_weights(lp, fit.lhat.params, false);
      for (std::size_t i = 0; i < lp.size(); ++i) lp[i].weight *= w[i];  // times the locality weight
      fit.lhat = fit_chinchilla_profiled(lp, 40);
    }
  } else {
    for (std::size_t i = 0; i < data.checkpoints.size(); ++i) {
      const Checkpoint& c = data.checkpoints[i];
      if (std::isfinite(c.loss) && c.loss > 0) lp.push_back({c.n, c.d, c.loss, wloc[i]});
    }
    if (lp.size() < 5)
      throw FitError("t2-accuracy with lhat train_loss needs training losses of at least 5 checkpoints, got " +
                     std::to_string(lp.size()));
    ChinchillaFitOptions co;
    co.threads = o.threads;
    co.huber_delta = o.lhat_huber_delta;
    if (warm) {
      // Bootstrap refit (issue 9, item 7): the full-data optimum plus the two best cells of the
      // projected exponent grid, best kept, so a resample can leave the full-data basin.
      co.refine = 2;
      co.starts = {ChinchillaParams::from_theta(o.start)};
    }
    fit.lhat = fit_chinchilla(lp, co);
    if (o.lhat_weights == LhatWeights::inverse_variance) {
      std::vector<double> w = isoflop_inverse_variance_weights(lp, fit.lhat.params, true);
      for (std::size_t i = 0; i < lp.size(); ++i) lp[i].weight *= w[i];  // times the locality weight
      co.starts.insert(co.starts.begin(), fit.lhat.params);
      fit.lhat = fit_chinchilla(lp, co);
    }
  }
  const ChinchillaParams lhat = fit.lhat.params;
  {
    std::vector<double> w;
    for (std::size_t i = 0; i < wloc.size(); ++i)
      if (has_outcomes[i]) w.push_back(wloc[i]);
    fit.runs = static_cast<std::uint32_t>(w.size());
    fit.effective_runs = effective_runs(w);
  }
  std::vector<double> Lc(data.checkpoints.size());
  for (std::size_t i = 0; i < Lc.size(); ++i) Lc[i] = lhat.loss(data.checkpoints[i].n, data.checkpoints[i].d);

  // Which methods the data allows.
  bool all_sampled = std::all_of(data.outcomes.begin(), data.outcomes.end(), [](const ProblemOutcome& p) { return p.n > 0; });
  AccuracyMethod used = o.method;
  if (used == AccuracyMethod::automatic) used = all_sampled ? AccuracyMethod::beta_binomial : AccuracyMethod::two_stage;
  if (used == AccuracyMethod::beta_binomial && !all_sampled)
    throw FitError("t2-accuracy beta_binomial needs sampled outcomes (n > 0) for every problem");
  bool want_two = used == AccuracyMethod::two_stage || o.fit_both;
  bool want_bb = used == AccuracyMethod::beta_binomial || (o.fit_both && all_sampled);

  // pass@k targets (two_stage's objective, and both methods' reported RMSE).
  std::vector<double> ks = o.k_grid;
  if (ks.empty()) {
    double kmax = o.k_max;
    if (o.source == PassSource::sampled) {
      std::uint32_t mn = UINT32_MAX;
      for (const ProblemOutcome& p : data.outcomes) mn = std::min(mn, p.n);
      kmax = mn;
    }
    ks = default_k_grid(std::max(1.0, kmax));
  }
  fit.k_grid = ks;
  if (used == AccuracyMethod::moments) {
    // moments_fit.hpp: no starts, no second method (it exists to be fast). Its pass@k rmse costs
    // more than the fit, so bootstrap refits (warm) skip it.
    fit.moments = fit_theta_moments(data, Lc, o.source);
    fit.used = used;
    fit.theta = full_theta(lhat, fit.moments.theta);
    if (!warm) fit.moments.rmse_pass = rmse_on(empirical_pass_at_k(data, o.source, ks), fit.theta);
    return fit;
  }
  std::vector<PassPoint> targets;
  try {
    targets = empirical_pass_at_k(data, o.source, ks);
  } catch (const FitError&) {
    if (used == AccuracyMethod::two_stage) throw;
    want_two = false;  // e.g. no NLLs for the likelihood source: only the likelihood fit is possible
  }

  // Starts: a sigmoid baseline fitted to mean pass@1 (= mu exactly, §3.2), then a grid over the
  // concentration (App. F: "a grid of initializations seeded from a sigmoid baseline").
  std::vector<std::array<double, 5>> starts;
  if (warm) {
    // Bootstrap refit (issue 9, item 7): the full-data optimum and four perturbations of it (the
    // mid-point theta0 moved by 15% of the data's Lhat range either way, the concentration nu
    // times e^+-1), best kept: a refit started only at the full-data optimum stays in its basin
    // and makes the intervals too narrow.
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < Lc.size(); ++i)
      if (has_outcomes[i]) lo = std::min(lo, Lc[i]), hi = std::max(hi, Lc[i]);
    double spread = std::max(hi - lo, 1e-3);
    std::array<double, 5> w = {o.start[5], o.start[6], o.start[7], o.start[8], o.start[9]};
    starts.push_back(w);
    for (double d0 : {-0.15, 0.15}) starts.push_back({w[0] + d0 * spread, w[1], w[2], w[3], w[4]});
    for (double d3 : {-1.0, 1.0}) starts.push_back({w[0], w[1], w[2], std::clamp(w[3] + d3, -50.0, 50.0), w[4]});
  } else {
    std::vector<Observation> p1;
    for (std::size_t i = 0; i < data.checkpoints.size(); ++i) {
      if (!has_outcomes[i]) continue;
      double s = 0, m = 0;
      for (const ProblemOutcome& p : data.outcomes)
        if (p.checkpoint == i) {
          s += all_sampled ? double(p.c) / p.n : std::exp(-std::max(0.0, p.nll));
          m += 1;
        }
      p1.push_back({LawInput{data.checkpoints[i].n, data.checkpoints[i].d, 1}, s / m, wloc[i]});
    }
    std::vector<double> Ls;
    for (std::size_t i = 0; i < Lc.size(); ++i)
      if (has_outcomes[i]) Ls.push_back(Lc[i]);
    std::sort(Ls.begin(), Ls.end());
    double Lmed = Ls[Ls.size() / 2], spread = std::max(Ls.back() - Ls.front(), 1e-3);
    std::vector<std::vector<double>> sig_starts;
    for (double q : {0.2, 0.5, 0.8})
      for (double t1 : {1.0, 5.0, 20.0})
        for (double t2 : {0.5, 0.99})
          sig_starts.push_back(full_theta(lhat, std::array<double, 5>{Ls[std::size_t(q * (Ls.size() - 1))], t1 / spread, t2, 0, 0}.data()));
    T2AccuracyLaw law;
    LeastSquaresOptions lo;
    lo.threads = 1;
    LeastSquaresFit sig = fit_least_squares(law, p1, sig_starts, lo, {0, 1, 2, 3, 4, 8, 9});
    for (double nu_med : {0.3, 1.0, 3.0, 10.0, 30.0})
      for (double t4 : {-1.0, 0.0, 1.0}) {
        double th4 = t4 / spread;
        starts.push_back({sig.theta[5], sig.theta[6], std::clamp(sig.theta[7], 1e-6, 1.0), std::log(nu_med) - th4 * Lmed, th4});
      }
  }

  if (want_two && !targets.empty()) {
    std::vector<Observation> obs;
    for (const PassPoint& p : targets) obs.push_back({LawInput{p.n, p.d, p.k}, p.mean_pass, wloc[p.checkpoint]});
    std::vector<std::vector<double>> st;
    for (const auto& s : starts) st.push_back(full_theta(lhat, s.data()));
    T2AccuracyLaw law;
    LeastSquaresOptions lo;
    lo.threads = 1;
    LeastSquaresFit f = fit_least_squares(law, obs, st, lo, {0, 1, 2, 3, 4});
    fit.two_stage.fitted = true;
    std::copy(f.theta.begin() + 5, f.theta.end(), fit.two_stage.theta);
    fit.two_stage.objective = f.sse;
    fit.two_stage.points = static_cast<std::uint32_t>(obs.size());
    fit.two_stage.starts_tried = f.starts_tried;
    fit.two_stage.rmse_pass = rmse_on(targets, f.theta);
  }
  if (want_bb) {
    std::vector<std::map<std::pair<std::uint32_t, std::uint32_t>, double>> hist(data.checkpoints.size());
    std::uint32_t problems = 0;
    for (const ProblemOutcome& p : data.outcomes) hist[p.checkpoint][{p.n, p.c}] += 1, ++problems;
    std::vector<CheckpointCounts> counts;
    for (std::size_t i = 0; i < hist.size(); ++i) {
      if (hist[i].empty()) continue;
      CheckpointCounts cc{Lc[i], {}};
      for (const auto& [nc, cnt] : hist[i]) {
        int sg;
        double lchoose = nc.second == 0 || nc.second == nc.first
                             ? 0.0
                             : ::lgamma_r(nc.first + 1.0, &sg) - ::lgamma_r(nc.second + 1.0, &sg) -
                                   ::lgamma_r(nc.first - nc.second + 1.0, &sg);
        cc.cells.push_back({nc.first, nc.second, cnt * wloc[i], lchoose});  // a weighted likelihood
      }
      counts.push_back(std::move(cc));
    }
    fit_mle(counts, starts, fit.beta_binomial);
    fit.beta_binomial.points = problems;
    fit.beta_binomial.rmse_pass = rmse_on(targets, full_theta(lhat, fit.beta_binomial.theta));
  }
  if (used == AccuracyMethod::two_stage && !fit.two_stage.fitted)
    throw FitError("t2-accuracy two_stage: no pass@k targets (no checkpoint has usable outcomes)");
  fit.used = used;
  fit.theta = full_theta(lhat, used == AccuracyMethod::two_stage ? fit.two_stage.theta : fit.beta_binomial.theta);
  return fit;
}

}  // namespace t2

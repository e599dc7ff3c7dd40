// bench_coverage.cpp — how often the 95% bootstrap intervals of t2's plan contain the truth
// (issue 9, item 7). Per seed: a sweep (6 isoFLOP levels x 8 sizes, 1e18..3.2e19 FLOPs; 200
// problems x 8 samples), fit_with_bootstrap (t2-accuracy, beta-binomial, Lhat = training loss or
// answer NLL), plan() and plan_intervals() for one split deployment; then whether the truth's own
// optimum N* lies in the interval of the replicates' N*, its optimal score in the interval of the
// replicates' optimal scores, and the truth's score at the fitted plan's allocation in the interval
// of that allocation's score. Two truths:
//  well-specified: the synthetic backend (workers/synthetic), whose v1 truth is exactly the Beta law;
//  misspecified:   per-problem logit-normal difficulty fixed across checkpoints (written here):
//                  p_q(L) = theta2 * sigmoid(-theta1 (L - theta0) + sigma z_q), z_q ~ N(0, 1).
// Not a test: prints the figures that schemas/laws.md quotes. Run time ~ a few minutes on 2 cores.
#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "orchestrator/laws/fit.hpp"
#include "orchestrator/laws/planner.hpp"
#include "contract/seed.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

using namespace t2;
using clk = std::chrono::steady_clock;

namespace {

const double kTheta[5] = {3.5, 4.0, 0.85, 0.5, 0.3};  // theta0..theta4 of both truths
const double kSigma = 1.5;                             // logit-normal spread of the misspecified truth

std::vector<std::pair<double, double>> grid() {
  std::vector<std::pair<double, double>> nd;
  for (int i = 0; i < 6; ++i) {
    double c = 1e18 * std::pow(2.0, i), n_opt = std::sqrt(c / 6 / 20);
    for (int j = 0; j < 8; ++j) {
      double n = n_opt * std::pow(10.0, -1.2 + 2.4 * j / 7);
      nd.push_back({n, c / (6 * n)});
    }
  }
  return nd;
}

SyntheticTruth synthetic_truth() {
  SyntheticTruth t;  // Hoffmann's L(N, D), 1% loss noise, NLL noise 0.02
  t.theta0 = kTheta[0], t.theta1 = kTheta[1], t.theta2 = kTheta[2], t.theta3 = kTheta[3], t.theta4 = kTheta[4];
  return t;
}

// (a) The synthetic backend, as the sweep engine would store it.
FitData well_specified(std::uint64_t seed, std::uint32_t problems, std::uint32_t samples) {
  SyntheticWorkload w(synthetic_truth());
  CancelFlag cancel{false};
  FitData data;
  data.task = "t";
  std::uint32_t i = 0;
  for (auto [n, d] : grid()) {
    TrainSpec ts;
    ts.index = i, ts.n_params = n, ts.n_tokens = d, ts.seed = mix_seed(seed, std::uint64_t{i});
    TrainResult tr = w.train(ts, cancel);
    EvalSpec es;
    es.index = i, es.run = i, es.n_params = n, es.n_tokens = d, es.run_loss = tr.final_loss, es.task = "t";
    es.problems = problems, es.samples = samples, es.seed = mix_seed(seed, std::uint64_t{1000 + i});
    EvalResult er = w.evaluate(es, cancel);
    data.checkpoints.push_back({n, d, tr.final_loss, i});
    for (std::uint32_t q = 0; q < problems; ++q) {
      std::uint32_t c = 0;
      for (std::uint32_t s = 0; s < samples; ++s) c += er.correct[std::size_t(q) * samples + s];
      data.outcomes.push_back({i, q, samples, c, er.answer_nll[q]});
    }
    ++i;
  }
  return data;
}

double p_logit_normal(double L, double z) {
  double x = -kTheta[1] * (L - kTheta[0]) + kSigma * z;
  return kTheta[2] / (1 + std::exp(-x));
}

// (b) Logit-normal difficulty: problem q is equally hard (z_q) on every checkpoint.
FitData misspecified(std::uint64_t seed, std::uint32_t problems, std::uint32_t samples) {
  SyntheticTruth t = synthetic_truth();
  std::mt19937_64 rng(mix_seed(seed, std::uint64_t{77}));
  std::normal_distribution<double> z(0, 1);
  std::vector<double> zq(problems);
  for (double& v : zq) v = z(rng);
  FitData data;
  data.task = "t";
  std::uint32_t i = 0;
  for (auto [n, d] : grid()) {
    double L = t.loss(n, d);
    data.checkpoints.push_back({n, d, L * std::exp(t.loss_noise * z(rng)), i});
    for (std::uint32_t q = 0; q < problems; ++q) {
      double p = p_logit_normal(L, zq[q]);
      std::binomial_distribution<std::uint32_t> bin(samples, p);
      double nll = std::max(0.0, -std::log(p) + t.nll_noise * z(rng));
      data.outcomes.push_back({i, q, samples, bin(rng), nll});
    }
    ++i;
  }
  return data;
}

// The misspecified truth's expected pass@k, E_z[1 - (1 - p(L, z))^k], on 400 normal quantiles.
class LogitNormalTruth final : public Law {
 public:
  LogitNormalTruth() {
    boost::math::normal nd;
    for (int j = 0; j < 400; ++j) z_.push_back(boost::math::quantile(nd, (j + 0.5) / 400));
  }
  std::string name() const override { return "logit-normal truth"; }
  std::string quantity() const override { return "expected pass@k"; }
  Goal goal() const override { return Goal::maximize; }
  bool uses_k() const override { return true; }
  std::vector<ParamSpec> params() const override { return {}; }
  double predict(std::span<const double>, const LawInput& x) const override {
    double L = synthetic_truth().loss(x.n, x.d), s = 0;
    for (double z : z_) s += -std::expm1(x.k * std::log1p(-p_logit_normal(L, z)));
    return s / z_.size();
  }
  double gradient(std::span<const double> t, const LawInput& x, std::span<double>) const override { return predict(t, x); }
  std::vector<std::vector<double>> starts() const override { return {}; }

 private:
  std::vector<double> z_;
};

struct Tally {
  int seeds = 0, n_in = 0, best_in = 0, score_in = 0, failed = 0;
  std::vector<double> n_err, width;
};

}  // namespace

int main(int argc, char** argv) {
  int seeds = argc > 1 ? std::atoi(argv[1]) : 20;
  std::uint32_t reps = argc > 2 ? static_cast<std::uint32_t>(std::atoi(argv[2])) : 50;
  const std::uint32_t problems = 200, samples = 8;
  Deployment dep;
  dep.train_flops = 8e18, dep.inference_flops = 1.5e8;  // mid-sweep training; k = 7.5e7 / N
  PlanBounds bounds;
  bounds.n_min = 1e6, bounds.n_max = 1e10, bounds.d_min = 1e8, bounds.d_max = 1e12;
  SyntheticTruth st = synthetic_truth();
  FittedLaw truth_a{law_by_name("t2-accuracy"),
                    {st.E, st.A, st.B, st.alpha, st.beta, kTheta[0], kTheta[1], kTheta[2], kTheta[3], kTheta[4]}};
  FittedLaw truth_b{std::make_shared<LogitNormalTruth>(), {}};
  std::printf("bench_coverage: %d seeds, %u bootstrap replicates, 48 checkpoints x %u problems x %u samples; "
              "deployment C_train %.3g, C_inf %.3g; nominal level 95%%\n",
              seeds, reps, problems, samples, dep.train_flops, dep.inference_flops);
  struct Case {
    const char* name;
    bool misspecified;
    LhatSource lhat;
  };
  std::vector<Case> cases = {Case{"well-specified (synthetic backend), Lhat train_loss", false, LhatSource::train_loss},
                             Case{"misspecified (logit-normal), Lhat train_loss", true, LhatSource::train_loss}};
  // The paper's default Lhat (answer NLL; ~3x slower per fit): only when asked (third argument 1).
  if (argc > 3 && std::atoi(argv[3]) == 1)
    cases.push_back(Case{"well-specified (synthetic backend), Lhat answer_nll", false, LhatSource::answer_nll});
  for (Case cs : cases) {
    const FittedLaw& truth = cs.misspecified ? truth_b : truth_a;
    Plan tp = plan(truth, dep, bounds);
    std::printf("\n%s\n  truth: N* %.4g, D* %.4g, k* %.4g, pass@k %.4f\n", cs.name, tp.best.n, tp.best.d, tp.best.k,
                tp.best.score);
    Tally t;
    auto t0 = clk::now();
    for (int s = 0; s < seeds; ++s) {
      std::uint64_t seed = 1000 + s;
      FitData data = cs.misspecified ? misspecified(seed, problems, samples) : well_specified(seed, problems, samples);
      FitOptions fo;
      fo.law = "t2-accuracy";
      fo.lhat = cs.lhat;
      fo.method = AccuracyMethod::beta_binomial;
      BootstrapOptions bo;
      bo.replicates = reps, bo.seed = seed;
      LawFit r;
      try {
        r = fit_with_bootstrap(data, fo, bo);
      } catch (const std::exception& e) {
        std::printf("  seed %llu: fit failed: %s\n", static_cast<unsigned long long>(seed), e.what());
        ++t.failed;
        continue;
      }
      Plan p = plan(r.law, dep, bounds);
      PlanIntervals iv = plan_intervals(r.law, r.bootstrap.replicates, p, bounds);
      double truth_at_plan = truth.score(p.best.n, p.best.d, p.best.k);
      bool n_in = iv.n.contains(tp.best.n), best_in = iv.best_score.contains(tp.best.score),
           score_in = iv.score.contains(truth_at_plan);
      ++t.seeds, t.n_in += n_in, t.best_in += best_in, t.score_in += score_in;
      t.n_err.push_back(p.best.n / tp.best.n - 1);
      t.width.push_back(iv.n.hi / iv.n.lo);
      std::printf("  seed %llu: N* %.4g [%.4g, %.4g] %s; best pass@k %.4f [%.4f, %.4f] %s; truth at plan %.4f in [%.4f, %.4f] %s"
                  " (%u refits failed)\n",
                  static_cast<unsigned long long>(seed), p.best.n, iv.n.lo, iv.n.hi, n_in ? "in" : "OUT", p.best.score,
                  iv.best_score.lo, iv.best_score.hi, best_in ? "in" : "OUT", truth_at_plan, iv.score.lo, iv.score.hi,
                  score_in ? "in" : "OUT", r.bootstrap.failed);
      std::fflush(stdout);
    }
    double secs = std::chrono::duration<double>(clk::now() - t0).count();
    std::sort(t.n_err.begin(), t.n_err.end());
    std::sort(t.width.begin(), t.width.end());
    auto med = [](const std::vector<double>& v) { return v.empty() ? NAN : v[v.size() / 2]; };
    std::printf("  coverage over %d seeds: N* %d/%d (%.0f%%), optimal pass@k %d/%d (%.0f%%), pass@k at the plan %d/%d (%.0f%%);"
                " median N*/truth - 1 %+.3f, median interval hi/lo %.3g; %d fits failed; %.1f s\n",
                t.seeds, t.n_in, t.seeds, 100.0 * t.n_in / std::max(t.seeds, 1), t.best_in, t.seeds,
                100.0 * t.best_in / std::max(t.seeds, 1), t.score_in, t.seeds, 100.0 * t.score_in / std::max(t.seeds, 1),
                med(t.n_err), med(t.width), t.failed, secs);
  }
  return 0;
}

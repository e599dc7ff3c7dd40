// accuracy_numerics_test.cpp — the Beta accuracy law (paper §3.2) where the old four-lgamma
// formulas broke (issue 9): extreme concentration nu, tiny mu, and a beta-binomial fit on data
// where most problems are never solved, which printed "objective -5.4e6, rmse inf".
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "tests/laws/synth.hpp"
#include "contract/seed.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

using namespace t2;

TEST_CASE("the beta-binomial pmf sums to 1 and each log-pmf is <= 0 at extreme mu and nu") {
  for (double mu : {1e-12, 1e-3, 0.5, 1 - 1e-9})
    for (double nu : {1e-6, 1.0, 1e3, 1e14}) {
      double a = mu * nu, b = (1 - mu) * nu;
      for (std::uint32_t n : {1u, 20u, 1000u}) {
        double s = 0;
        for (std::uint32_t c = 0; c <= n; ++c) {
          double lp = beta_binomial_log_pmf(n, c, a, b);
          INFO("mu " << mu << " nu " << nu << " n " << n << " c " << c);
          REQUIRE(lp <= 0);
          s += std::exp(lp);
        }
        INFO("mu " << mu << " nu " << nu << " n " << n);
        CHECK(s == Approx(1).margin(1e-11));
      }
    }
}

TEST_CASE("at huge concentration the law's pass@k is the binomial limit 1 - (1 - mu)^k") {
  // nu = e^32 ~ 7.9e13: p is mu for every problem, so pass@k = 1 - (1 - mu)^k to ~ k/nu relative.
  T2AccuracyLaw law;
  ChinchillaParams c = hoffmann_2022();
  for (double theta0 : {1.0, 2.0, 2.5})
    for (double k : {1.0, 2.11, 100.0, 1e4}) {
      std::vector<double> th = {c.E, c.A, c.B, c.alpha, c.beta, theta0, 8.0, 0.9, 32.0, 0.0};
      double n = 1e8, d = 2e9;
      double L = c.loss(n, d);
      double mu = 0.9 / (1 + std::exp(8.0 * (L - theta0)));
      double want = pass_at_k_from_p(mu, k);
      double got = law.predict(th, {n, d, k});
      INFO("theta0 " << theta0 << " k " << k << " mu " << mu);
      CHECK(std::abs(got - want) <= 1e-8 * want);
      std::vector<double> g(10);
      CHECK(law.gradient(th, {n, d, k}, g) == got);
      for (double v : g) CHECK(std::isfinite(v));
    }
}

namespace {

// Counts drawn exactly from the Beta model: p_i ~ Beta(mu nu, (1-mu) nu), c_i ~ Binomial(n, p_i),
// at Lhat = the training loss (Hoffmann's law, no noise), so that Lhat train_loss is exact.
FitData beta_sweep(const double th[5], std::uint32_t problems, std::uint32_t samples, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  ChinchillaParams c = hoffmann_2022();
  FitData data;
  data.task = "t";
  std::uint32_t i = 0;
  for (auto [n, d] : test::sweep_grid(6, 8)) {
    double L = c.loss(n, d);
    double mu = th[2] / (1 + std::exp(th[1] * (L - th[0]))), nu = std::exp(th[3] + th[4] * L);
    std::gamma_distribution<double> ga(mu * nu, 1.0), gb((1 - mu) * nu, 1.0);
    data.checkpoints.push_back({n, d, L, i});
    for (std::uint32_t q = 0; q < problems; ++q) {
      double x = ga(rng), y = gb(rng);
      double p = x + y > 0 ? x / (x + y) : mu;
      std::binomial_distribution<std::uint32_t> bin(samples, p);
      data.outcomes.push_back({i, q, samples, bin(rng), -std::log(std::max(p, 1e-300))});
    }
    ++i;
  }
  return data;
}

}  // namespace

TEST_CASE("a beta-binomial fit where most problems are never solved gives a finite NLL >= 0 and a finite rmse") {
  // theta0 below most of the sweep's losses (2.6 to 5): mu is tiny on most checkpoints, and the
  // concentration is large (nu ~ e^9), where the lgamma differences had errors larger than the NLL.
  const double th[5] = {2.7, 6.0, 0.8, 9.0, 0.0};
  FitData data = beta_sweep(th, 200, 8, 5);
  std::uint32_t zero = 0;
  for (const ProblemOutcome& p : data.outcomes) zero += p.c == 0;
  REQUIRE(zero > data.outcomes.size() / 2);
  AccuracyFitOptions o;
  o.lhat = LhatSource::train_loss;
  o.method = AccuracyMethod::beta_binomial;
  AccuracyFit f = fit_accuracy_law(data, o);
  REQUIRE(f.beta_binomial.fitted);
  INFO("objective " << f.beta_binomial.objective << " rmse " << f.beta_binomial.rmse_pass << " theta "
                    << f.beta_binomial.theta[0] << " " << f.beta_binomial.theta[1] << " " << f.beta_binomial.theta[2] << " "
                    << f.beta_binomial.theta[3] << " " << f.beta_binomial.theta[4]);
  CHECK(std::isfinite(f.beta_binomial.objective));
  CHECK(f.beta_binomial.objective >= 0);
  CHECK(std::isfinite(f.beta_binomial.rmse_pass));
  CHECK(f.beta_binomial.rmse_pass < 0.05);
  CHECK(f.beta_binomial.theta[0] == Approx(2.7).margin(0.1));
  // Within the law's parameter box (T2AccuracyLaw::params()), like the two_stage fit.
  CHECK(std::abs(f.beta_binomial.theta[3]) <= 50);
  CHECK(std::abs(f.beta_binomial.theta[4]) <= 50);
  if (f.two_stage.fitted) {
    CHECK(std::isfinite(f.two_stage.objective));
    CHECK(std::isfinite(f.two_stage.rmse_pass));
  }
}

TEST_CASE("on the synthetic backend's default truth over 5M-901M models the beta-binomial fit's NLL is >= 0 and rmse finite") {
  // The case that printed "objective -3.5e4, rmse inf" before issue 9 (Lhat on answer NLL, the
  // default): 6 isoFLOP levels from 1.25e16 FLOPs x 8 sizes, 200 problems x 4 samples.
  SyntheticTruth truth;
  SyntheticWorkload w(truth);
  CancelFlag cancel{false};
  FitData data;
  data.task = "t";
  std::uint32_t i = 0;
  for (int level = 0; level < 6; ++level)
    for (int s = 0; s < 8; ++s) {
      double c = 1.25e16 * std::pow(2.0, level * 11.0 / 5), n = 5e6 * std::pow(901.0 / 5.0, s / 7.0), d = c / (6 * n);
      TrainSpec ts;
      ts.index = i, ts.n_params = n, ts.n_tokens = d, ts.seed = mix_seed(3, std::uint64_t{i});
      TrainResult tr = w.train(ts, cancel);
      EvalSpec es;
      es.index = i, es.run = i, es.n_params = n, es.n_tokens = d, es.run_loss = tr.final_loss, es.task = "t";
      es.problems = 200, es.samples = 4, es.seed = mix_seed(3, std::uint64_t{1000 + i});
      EvalResult er = w.evaluate(es, cancel);
      data.checkpoints.push_back({n, d, tr.final_loss, i});
      for (std::uint32_t q = 0; q < es.problems; ++q) {
        std::uint32_t cnt = 0;
        for (std::uint32_t k = 0; k < es.samples; ++k) cnt += er.correct[std::size_t(q) * es.samples + k];
        data.outcomes.push_back({i, q, es.samples, cnt, er.answer_nll[q]});
      }
      ++i;
    }
  AccuracyFitOptions o;  // Lhat answer_nll, automatic = beta_binomial (every problem sampled)
  o.threads = 2;
  AccuracyFit f = fit_accuracy_law(data, o);
  REQUIRE(f.used == AccuracyMethod::beta_binomial);
  INFO("objective " << f.beta_binomial.objective << " rmse " << f.beta_binomial.rmse_pass);
  CHECK(f.beta_binomial.objective >= 0);
  CHECK(std::isfinite(f.beta_binomial.rmse_pass));
  CHECK(f.beta_binomial.rmse_pass < 0.2);
  REQUIRE(f.two_stage.fitted);
  CHECK(std::isfinite(f.two_stage.rmse_pass));
}

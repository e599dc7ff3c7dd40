// pass_at_k_test.cpp — both pass@k sources and the Beta closed form (paper §3.2, Chen et al. 2021).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"

using namespace t2;

// 1 - C(n-c, k)/C(n, k) via log-gamma, as an independent reference.
static double reference(double n, double c, double k) {
  if (n - c < k) return 1.0;
  return -std::expm1(std::lgamma(n - c + 1) - std::lgamma(n - c - k + 1) - std::lgamma(n + 1) + std::lgamma(n - k + 1));
}

TEST_CASE("unbiased pass@k gives the exact values for small n, c, k") {
  CHECK(pass_at_k_unbiased(5, 2, 2) == Approx(0.7).epsilon(1e-14));   // 1 - C(3,2)/C(5,2) = 1 - 3/10
  CHECK(pass_at_k_unbiased(10, 1, 1) == Approx(0.1).epsilon(1e-14));
  CHECK(pass_at_k_unbiased(10, 3, 2) == Approx(1 - 21.0 / 45).epsilon(1e-14));
  CHECK(pass_at_k_unbiased(4, 4, 1) == 1.0);
  CHECK(pass_at_k_unbiased(4, 0, 3) == 0.0);
  CHECK(pass_at_k_unbiased(10, 3, 8) == 1.0);  // n - c < k: some correct sample is always drawn
  CHECK(std::exp(log_pass_at_k_unbiased(5, 2, 2)) == Approx(0.7).epsilon(1e-14));
  CHECK(log_pass_at_k_unbiased(5, 0, 2) == -INFINITY);
  CHECK_THROWS_AS(pass_at_k_unbiased(5, 6, 1), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k_unbiased(5, 1, 6), std::invalid_argument);
}

TEST_CASE("unbiased pass@k is stable for n = 10,000") {
  for (auto [c, k] : {std::pair{5000u, 100u}, {3u, 9000u}, {9990u, 5u}, {17u, 2500u}}) {
    double v = pass_at_k_unbiased(10000, c, k);
    INFO("c=" << c << " k=" << k);
    CHECK(std::isfinite(v));
    CHECK(v == Approx(reference(10000, c, k)).epsilon(1e-7));  // the lgamma reference's own precision
  }
  CHECK(pass_at_k_unbiased(10000, 1, 1) == Approx(1e-4).epsilon(1e-13));  // = c/n exactly
  CHECK(pass_at_k_unbiased(10000, 2, 1) == Approx(2e-4).epsilon(1e-13));
  // Tiny pass@k: the log form keeps relative precision where 1 - prod would cancel.
  double lp = log_pass_at_k_unbiased(10000, 1, 1);
  CHECK(lp == Approx(std::log(1e-4)).epsilon(1e-12));
}

TEST_CASE("likelihood pass@k is exact and -log pass@k stays finite for tiny p") {
  CHECK(pass_at_k_from_p(0.1, 3) == Approx(1 - 0.9 * 0.9 * 0.9).epsilon(1e-14));
  CHECK(pass_at_k_from_p(0.1, 2.5) == Approx(1 - std::pow(0.9, 2.5)).epsilon(1e-14));
  CHECK(neg_log_pass_at_k_from_nll(0.0, 4) == 0.0);
  CHECK(neg_log_pass_at_k_from_nll(-std::log(0.1), 3) == Approx(-std::log(1 - 0.729)).epsilon(1e-13));
  // p = e^-50: pass@k = 1 - (1-p)^k ~ k p, so -log pass@k ~ 50 - log k.
  CHECK(neg_log_pass_at_k_from_nll(50, 10) == Approx(50 - std::log(10.0)).epsilon(1e-12));
  // p underflows to 0 in double (e^-800); the answer is still finite and right.
  CHECK(neg_log_pass_at_k_from_nll(800, 4) == Approx(800 - std::log(4.0)).epsilon(1e-12));
}

TEST_CASE("Beta closed-form pass@k matches a Monte-Carlo average") {
  // E_{p~Beta(a,b)}[1 - (1-p)^k] by 400,000 draws: standard error < 8e-4, checked to 4e-3.
  std::mt19937_64 rng(42);
  for (auto [a, b, k] : {std::tuple{0.7, 2.3, 5.0}, {2.0, 8.0, 2.5}, {0.3, 0.3, 1.0}, {0.05, 3.0, 64.0}}) {
    std::gamma_distribution<double> ga(a, 1), gb(b, 1);
    double s = 0;
    const int M = 400000;
    for (int i = 0; i < M; ++i) {
      double x = ga(rng), y = gb(rng);
      s += pass_at_k_from_p(x / (x + y), k);
    }
    INFO("a=" << a << " b=" << b << " k=" << k);
    CHECK(beta_pass_at_k(a, b, k) == Approx(s / M).margin(4e-3));
  }
  CHECK(beta_pass_at_k(2, 3, 1) == Approx(0.4).epsilon(1e-13));  // pass@1 = mean = a/(a+b)
}

TEST_CASE("beta-binomial probabilities sum to one") {
  double s = 0;
  for (std::uint32_t c = 0; c <= 20; ++c) s += std::exp(beta_binomial_log_pmf(20, c, 0.6, 1.7));
  CHECK(s == Approx(1).epsilon(1e-12));
}

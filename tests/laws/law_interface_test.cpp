// law_interface_test.cpp — a new functional form is one class implementing Law: here Schaeffer et
// al. 2025's aggregate power law in k, -log pass@k = a k^-b (N, D ignored), fitted by the generic
// multi-start least squares and planned with, with no other code.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <random>

#include "orchestrator/laws/least_squares.hpp"
#include "orchestrator/laws/planner.hpp"

using namespace t2;

namespace {
class PowerKLaw final : public Law {
 public:
  std::string name() const override { return "power-k"; }
  std::string quantity() const override { return "-log pass@k (nats)"; }
  Goal goal() const override { return Goal::minimize; }
  bool uses_k() const override { return true; }
  std::vector<ParamSpec> params() const override { return {{"a", 1e-9, 1e9, true}, {"b", 0, 5, false}}; }
  double predict(std::span<const double> t, const LawInput& x) const override { return t[0] * std::pow(x.k, -t[1]); }
  double gradient(std::span<const double> t, const LawInput& x, std::span<double> g) const override {
    double v = std::pow(x.k, -t[1]);
    g[0] = v;
    g[1] = -t[0] * v * std::log(x.k);
    return t[0] * v;
  }
  std::vector<std::vector<double>> starts() const override { return {{0.1, 0.1}, {1, 1}, {10, 2}}; }
};
}  // namespace

TEST_CASE("a law added as one class is fitted by the generic least squares and planned with") {
  PowerKLaw law;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z(0, 0.002);
  std::vector<Observation> obs;
  for (double k = 1; k <= 1024; k *= 2) obs.push_back({LawInput{1e8, 1e9, k}, 3.0 * std::pow(k, -0.45) * std::exp(z(rng)), 1});
  LeastSquaresFit f = fit_least_squares(law, obs, law.starts());
  CHECK(f.starts_tried == 3);
  CHECK(f.theta[0] == Approx(3.0).epsilon(0.02));
  CHECK(f.theta[1] == Approx(0.45).margin(0.01));
  SECTION("a parameter can be held fixed") {
    LeastSquaresFit g = fit_least_squares_from(law, obs, {2.0, 0.45}, {}, {1});
    CHECK(g.theta[1] == 0.45);
    CHECK(g.theta[0] == Approx(3.0).epsilon(0.02));
  }
  SECTION("the planner uses it: more samples always help, so k* is the largest the budget allows") {
    FittedLaw fl{std::make_shared<PowerKLaw>(), f.theta};
    Deployment dep;
    dep.train_flops = 1e20;
    dep.inference_flops = 2e10;
    PlanBounds b;
    b.k_max = 1e6;
    Plan p = plan(fl, dep, b);
    REQUIRE(p.best.feasible);
    CHECK(p.best.n == Approx(b.n_min));  // smallest model -> most samples
    CHECK(p.best.k == Approx(dep.inference_flops / (2 * b.n_min)));
  }
}

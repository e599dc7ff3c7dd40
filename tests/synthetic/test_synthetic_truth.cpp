// test_synthetic_truth.cpp — the synthetic backend's v2 ground truth (fixed problems, item-response
// link), its config checks, v1 kept as it was, and the truth row beside a plan (orchestrator/truth).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <catch2/catch.hpp>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/truth/truth_law.hpp"
#include "orchestrator/truth/truth_row.hpp"
#include "contract/seed.hpp"
#include "workers/synthetic/synthetic_workload.hpp"

using namespace t2;

namespace {

std::string config_text(const std::string& synthetic, const std::string& grid = "") {
  return "[sweep]\nname = \"t\"\nseed = 7\n"
         "[grid]\n" + (grid.empty() ? "n = {from = 5e6, to = 9e8, steps = 6}\nisoflop = {from = 1.25e16, to = 2.56e19, steps = 6}\n" : grid) +
         "[eval]\ntasks = [\"arithmetic\", \"spatial\"]\nproblems = 64\nsamples = 8\n"
         "[target]\ntrain_budget = 2.56e19\ninference_budget = 2e9\n"
         "[workload]\nbackend = \"synthetic\"\n"
         "[workload.synthetic]\n" + synthetic;
}

SweepConfig config(const std::string& synthetic) { return parse_sweep_config(config_text(synthetic), "t.toml"); }

EvalSpec eval_spec(double n, double d, std::uint64_t seed, const std::string& task, std::uint32_t problems,
                   std::uint32_t samples) {
  EvalSpec s;
  s.n_params = n, s.n_tokens = d, s.seed = seed, s.task = task, s.problems = problems, s.samples = samples;
  return s;
}

std::string error_of(const std::string& synthetic) {
  try {
    config(synthetic);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = std::accumulate(a.begin(), a.end(), 0.0) / a.size(), mb = std::accumulate(b.begin(), b.end(), 0.0) / b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST_CASE("v2: problem i is the same problem in every run and whatever the problem count", "[synthetic]") {
  SyntheticTruth t = synthetic_truth_of(config("truth = \"irt\"\nnll_noise = 0\n").workload);
  REQUIRE(t.mode == SyntheticTruth::Mode::irt);
  REQUIRE(t.seed == 7);
  SyntheticWorkload w(t);
  CancelFlag cancel{false};
  // Two different models, two different run seeds, two different problem counts.
  EvalResult small = w.evaluate(eval_spec(1e7, 1e9, 111, "arithmetic", 32, 4), cancel);
  EvalResult big = w.evaluate(eval_spec(4e8, 2e10, 999, "arithmetic", 256, 4), cancel);
  double Ls = t.loss(1e7, 1e9), Lb = t.loss(4e8, 2e10);
  for (std::uint32_t i = 0; i < 32; ++i) {
    // Without NLL noise the NLL is exactly -log p, so the difficulty can be read back from it.
    double bs = -Ls - (-std::log(std::expm1(small.answer_nll[i]))) / t.slope;
    double bb = -Lb - (-std::log(std::expm1(big.answer_nll[i]))) / t.slope;
    CHECK(bs == Approx(problem_difficulty(t, "arithmetic", i)).epsilon(1e-9));
    CHECK(bb == Approx(bs).epsilon(1e-9));
  }
  // Another task has other problems; another sweep seed too.
  CHECK(problem_difficulty(t, "spatial", 3) != problem_difficulty(t, "arithmetic", 3));
  SyntheticTruth other = t;
  other.seed = 8;
  CHECK(problem_difficulty(other, "arithmetic", 3) != problem_difficulty(t, "arithmetic", 3));
  // The population follows Normal(difficulty_mean, difficulty_spread).
  std::vector<double> b = problem_difficulties(t, "arithmetic", 4000);
  double mean = std::accumulate(b.begin(), b.end(), 0.0) / b.size(), var = 0;
  for (double x : b) var += (x - mean) * (x - mean) / (b.size() - 1);
  CHECK(mean == Approx(t.difficulty_mean).margin(4 * t.difficulty_spread / std::sqrt(4000.0)));
  CHECK(std::sqrt(var) == Approx(t.difficulty_spread).epsilon(0.05));
}

TEST_CASE("v2: a problem's NLL is correlated across models (v1's is not)", "[synthetic]") {
  CancelFlag cancel{false};
  SyntheticWorkload v2(synthetic_truth_of(config("truth = \"irt\"\n").workload));
  SyntheticWorkload v1(synthetic_truth_of(config("theta0 = 3.0\n").workload));
  auto nlls = [&](SyntheticWorkload& w, double n, double d, std::uint64_t seed) {
    return w.evaluate(eval_spec(n, d, seed, "arithmetic", 400, 1), cancel).answer_nll;
  };
  CHECK(correlation(nlls(v2, 1e7, 1e9, 1), nlls(v2, 3e8, 3e10, 2)) > 0.9);
  CHECK(std::fabs(correlation(nlls(v1, 1e7, 1e9, 1), nlls(v1, 3e8, 3e10, 2))) < 0.2);
}

TEST_CASE("v2: samples are drawn with the p the NLL states, and the NLL is never clamped", "[synthetic]") {
  SyntheticTruth t = synthetic_truth_of(config("truth = \"irt\"\nnll_noise = 0\n").workload);
  SyntheticWorkload w(t);
  CancelFlag cancel{false};
  // A mid-sized model: p spans the range; 2,000 samples per problem.
  EvalResult e = w.evaluate(eval_spec(1e8, 5e9, 5, "arithmetic", 64, 2000), cancel);
  int checked = 0;
  for (std::uint32_t i = 0; i < e.problems; ++i) {
    double p = std::exp(-e.answer_nll[i]);
    double c = 0;
    for (std::uint32_t s = 0; s < e.samples; ++s) c += e.correct[std::size_t(i) * e.samples + s];
    double sd = std::sqrt(std::max(p * (1 - p), 1e-12) / e.samples);
    CHECK(std::fabs(c / e.samples - p) <= 5 * sd + 1e-12);
    checked += p > 0.01 && p < 0.99;
  }
  CHECK(checked >= 5);  // the check above tested real probabilities, not only 0s and 1s
  // A hopeless model: p ~ e^-200 would have been clamped to 1e-300 by v1's guard; v2 states it.
  t.difficulty_mean = 30;  // every problem needs a loss of -30 nats
  double L = t.loss(1e6, 1e7), x = irt_logit(t, L, 30);
  SyntheticWorkload hard(t);
  EvalResult h = hard.evaluate(eval_spec(1e6, 1e7, 5, "arithmetic", 4, 10), cancel);
  for (double nll : h.answer_nll) {
    CHECK(std::isfinite(nll));
    CHECK(nll > 100);
  }
  CHECK(softplus(-x) == Approx(-x).epsilon(1e-12));
}

TEST_CASE("v2: NLL noise is per answer token, sd nll_noise * sqrt(answer_tokens)", "[synthetic]") {
  SyntheticTruth t = synthetic_truth_of(config("truth = \"irt\"\nnll_noise = 0.1\nanswer_tokens = 9\n").workload);
  SyntheticWorkload w(t);
  CancelFlag cancel{false};
  EvalResult e = w.evaluate(eval_spec(3e7, 3e9, 5, "arithmetic", 3000, 1), cancel);
  double L = t.loss(3e7, 3e9), ss = 0;
  int m = 0;
  for (std::uint32_t i = 0; i < e.problems; ++i) {
    double exact = softplus(-irt_logit(t, L, problem_difficulty(t, "arithmetic", i)));
    if (exact < 2) continue;  // away from the floor at 0
    ss += (e.answer_nll[i] - exact) * (e.answer_nll[i] - exact), ++m;
  }
  REQUIRE(m > 1000);
  CHECK(std::sqrt(ss / m) == Approx(0.3).epsilon(0.08));
}

TEST_CASE("v1: a config with theta keys and no truth mode draws exactly what it drew before v2", "[synthetic]") {
  SyntheticTruth t = synthetic_truth_of(config("loss_noise = 0.01\ntheta0 = 3.0\ntheta1 = 3.0\n").workload);
  REQUIRE(t.mode == SyntheticTruth::Mode::beta);
  SyntheticWorkload w(t);
  CancelFlag cancel{false};
  EvalSpec spec = eval_spec(2e7, 4e9, 4242, "spatial", 16, 8);
  EvalResult e = w.evaluate(spec, cancel);
  // The v1 algorithm, written out independently of synthetic_workload.cpp.
  double L = t.loss(spec.n_params, spec.n_tokens);
  double mu = std::clamp(t.theta2 / (1 + std::exp(t.theta1 * (L - t.theta0))), 1e-9, 1 - 1e-9);
  double nu = std::exp(t.theta3 + t.theta4 * L);
  for (std::uint32_t i = 0; i < spec.problems; ++i) {
    std::mt19937_64 rng(mix_seed(mix_seed(spec.seed, spec.task), std::uint64_t{i}));
    std::gamma_distribution<double> ga(mu * nu, 1.0), gb((1 - mu) * nu, 1.0);
    double x = ga(rng), y = gb(rng);
    double p = std::clamp(x + y <= 0 ? mu : x / (x + y), 1e-300, 1.0);
    std::normal_distribution<double> noise(0.0, t.nll_noise);
    CHECK(e.answer_nll[i] == std::max(0.0, -std::log(p) + noise(rng)));
    std::bernoulli_distribution hit(p);
    for (std::uint32_t s = 0; s < spec.samples; ++s) CHECK(e.correct[i * spec.samples + s] == (hit(rng) ? 1 : 0));
  }
}

TEST_CASE("bad [workload.synthetic] truth settings name file, line, key and value", "[synthetic][config]") {
  // Line numbers: [workload.synthetic] is line 16 of config_text; its keys follow from line 17.
  SECTION("keys of both truths") {
    CHECK_THAT(error_of("truth = \"irt\"\ntheta0 = 3.0\n"),
               Catch::Contains("t.toml:18: workload.synthetic.theta0 = 3.0: is a key of truth = \"beta\""));
    CHECK_THAT(error_of("theta1 = 2.0\nslope = 4.0\n"),
               Catch::Contains("t.toml:18: workload.synthetic.slope = 4.0: is a key of truth = \"irt\"") &&
                   Catch::Contains("set truth = \"irt\""));
    CHECK_THAT(error_of("truth = \"beta\"\ndifficulty_spread = 1.0\n"),
               Catch::Contains("t.toml:18: workload.synthetic.difficulty_spread = 1.0"));
  }
  SECTION("unknown truth mode or key") {
    CHECK_THAT(error_of("truth = \"logistic\"\n"), Catch::Contains("t.toml:17: workload.synthetic.truth = \"logistic\""));
    CHECK_THAT(error_of("truth = \"irt\"\ndifficulty = 1.0\n"), Catch::Contains("workload.synthetic.difficulty"));
  }
  SECTION("spread, slope, answer length") {
    CHECK_THAT(error_of("truth = \"irt\"\ndifficulty_spread = 0\n"),
               Catch::Contains("t.toml:18: workload.synthetic.difficulty_spread = 0: must be > 0"));
    CHECK_THAT(error_of("truth = \"irt\"\ndifficulty_spread = -1.5\n"), Catch::Contains("difficulty_spread = -1.5: must be > 0"));
    CHECK_THAT(error_of("truth = \"irt\"\nslope = 0\n"), Catch::Contains("t.toml:18: workload.synthetic.slope = 0: must be > 0"));
    CHECK_THAT(error_of("truth = \"irt\"\nanswer_tokens = 0.5\n"), Catch::Contains("answer_tokens = 0.5: must be >= 1"));
  }
  SECTION("a link that makes every p 0 or 1 on the whole grid") {
    // Every problem needs a loss far below any grid model's (L is 2.6..5.2 nats here).
    CHECK_THAT(error_of("truth = \"irt\"\ndifficulty_mean = 40\n"),
               Catch::Contains("t.toml:18: workload.synthetic.difficulty_mean = 40: with slope") &&
                   Catch::Contains("every problem's p is within 1e-09 of 0 or 1 on every grid point"));
    // A step function whose problems are all easier than any grid model needs: always solved.
    CHECK_THAT(error_of("truth = \"irt\"\nslope = 1e9\ndifficulty_spread = 0.001\ndifficulty_mean = -1\n"),
               Catch::Contains("t.toml:20: workload.synthetic.difficulty_mean = -1") &&
                   Catch::Contains("far easier or far harder"));
    // A step function on a population the grid does reach: each problem is solved always or never.
    CHECK_THAT(error_of("truth = \"irt\"\nslope = 1e12\n"),
               Catch::Contains("t.toml:18: workload.synthetic.slope = 1") && Catch::Contains("step function"));
    // The defaults are far from that.
    CHECK(error_of("truth = \"irt\"\n").empty());
  }
}

namespace {

// Brute force: the best score over a dense log grid of N (D and k from the budgets, k capped).
Allocation brute_force(const FittedLaw& law, const Deployment& dep, const PlanBounds& b) {
  Allocation best;
  for (int i = 0; i <= 20000; ++i) {
    double n = b.n_min * std::pow(b.n_max / b.n_min, i / 20000.0);
    double d = dep.train_flops / (6 * n), k = std::min(dep.inference_flops / (2 * n), b.k_max);
    if (d < b.d_min || d > b.d_max || k < b.k_min) continue;
    double s = law.score(n, d, k);
    if (!best.feasible || s > best.score) best.feasible = true, best.n = n, best.d = d, best.k = k, best.score = s;
  }
  return best;
}

}  // namespace

TEST_CASE("the truth row is the exact law's brute-force optimum, and regret is measured against it", "[truth]") {
  Deployment dep;
  dep.train_flops = 2.56e19, dep.inference_flops = 2e9;
  PlanBounds b;
  b.n_min = 1e6, b.n_max = 1e10, b.k_max = 1e4;
  for (const char* synthetic : {"truth = \"irt\"\n", "theta0 = 3.0\ntheta1 = 3.0\n"}) {
    DYNAMIC_SECTION(synthetic) {
      SweepConfig c = config(synthetic);
      FittedLaw truth = *truth_law_of(c, "arithmetic");
      Allocation brute = brute_force(truth, dep, b);
      REQUIRE(brute.feasible);
      Allocation fitted;  // a plan that found the truth's optimum exactly
      fitted.feasible = true, fitted.n = brute.n, fitted.d = brute.d, fitted.k = brute.k;
      TruthComparison cmp = *truth_beside_plan(c, "arithmetic", dep, b, fitted);
      REQUIRE(cmp.optimum.feasible);
      CHECK(cmp.optimum.n == Approx(brute.n).epsilon(2e-3));
      CHECK(cmp.optimum.score >= brute.score - 1e-12);
      CHECK(cmp.optimum.score == Approx(brute.score).epsilon(1e-6));
      CHECK(cmp.regret == Approx(0).margin(1e-6));
      // The Chinchilla-like choice (10x larger model, 10x fewer tokens) is worse under the truth.
      Allocation big = fitted;
      big.n *= 10, big.d /= 10, big.k = std::min(dep.inference_flops / (2 * big.n), b.k_max);
      TruthComparison worse = compare_with_truth(truth, dep, b, big);
      CHECK(worse.regret > 1e-3);
      CHECK(worse.regret == Approx(cmp.optimum.score - truth.score(big.n, big.d, big.k)));
      nlohmann::json j;
      add_truth_json(j, worse);
      CHECK(j["truth"]["N"].get<double>() == cmp.optimum.n);
      CHECK(j["truth"]["D"].get<double>() == cmp.optimum.d);
      CHECK(j["truth"]["k"].get<double>() == cmp.optimum.k);
      CHECK(j["truth"]["score"].get<double>() == cmp.optimum.score);
      CHECK(j["regret"].get<double>() == worse.regret);
      std::string row = render_truth_row(worse);
      CHECK_THAT(row, Catch::StartsWith("  truth ") && Catch::Contains("regret ") && Catch::Contains("score "));
    }
  }
  // v2's exact law is the mean of 1 - (1 - p_i)^k over the task's problems.
  SweepConfig c = config("truth = \"irt\"\n");
  SyntheticTruth t = synthetic_truth_of(c.workload);
  FittedLaw truth = *truth_law_of(c, "spatial");
  double L = t.loss(5e7, 1e11), sum = 0;
  for (std::uint32_t i = 0; i < c.eval.problems; ++i)
    sum += pass_at_k_from_p(std::exp(-softplus(-irt_logit(t, L, problem_difficulty(t, "spatial", i)))), 7.5);
  CHECK(truth.score(5e7, 1e11, 7.5) == Approx(sum / c.eval.problems).epsilon(1e-9));
  // Not a synthetic sweep: no truth.
  SweepConfig exec = c;
  exec.workload.backend = "exec";
  CHECK_FALSE(truth_law_of(exec).has_value());
}

TEST_CASE("v2 defaults put a paper-like grid in the paper's regime", "[synthetic]") {
  // 12 sizes 5M..900M on the paper's 12 isoFLOP levels (App. C, Fig. 8), 1..5,000 tokens/param.
  SweepConfig c = parse_sweep_config(
      config_text("truth = \"irt\"\n",
                  "n = {from = 5e6, to = 9e8, steps = 12}\nisoflop = {from = 1.25e16, to = 2.56e19, steps = 12}\n"
                  "min_tokens_per_param = 1\nmax_tokens_per_param = 5000\n"),
      "t.toml");
  SyntheticTruth t = synthetic_truth_of(c.workload);
  FittedLaw truth = *truth_law_of(c, "arithmetic");
  std::vector<double> b = problem_difficulties(t, "arithmetic", 2000);  // the population, not 64 problems
  double p_lo = 1, p_hi = 0, nll_lo = 1e9, nll_hi = 0;
  for (const GridPoint& g : grid_points(c.grid)) {
    double L = t.loss(g.n, g.d);
    double p1 = irt_pass_at_k(t, L, 1, b), nll = irt_mean_nll(t, L, b);
    p_lo = std::min(p_lo, p1), p_hi = std::max(p_hi, p1), nll_lo = std::min(nll_lo, nll), nll_hi = std::max(nll_hi, nll);
  }
  CHECK(p_lo > 0.0003);
  CHECK(p_lo < 0.01);
  CHECK(p_hi > 0.2);
  CHECK(p_hi < 0.45);
  CHECK(nll_lo > 2);
  CHECK(nll_hi < 40);
  CHECK(nll_hi > 10);
  Deployment dep;
  dep.train_flops = 2.56e19, dep.inference_flops = 2e9;
  Plan p = plan(truth, dep, PlanBounds{});
  CHECK(p.best.tokens_per_param() > 10 * 20);  // far more over-trained than Chinchilla's 20
}

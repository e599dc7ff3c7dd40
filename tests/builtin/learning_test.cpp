// learning_test.cpp — the trainer learns: a ~100k-parameter model reaches >= 90% pass@1 on
// held-out 2-digit additions within a fixed token budget; and 1 and 2 threads give the same loss.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "workers/builtin/data.hpp"
#include "workers/builtin/parallel.hpp"
#include "workers/builtin/sampler.hpp"
#include "workers/builtin/trainer.hpp"

using namespace t2::builtin;

namespace {

DataOptions addition_data() {
  DataOptions d;
  d.tasks = {"arithmetic"};
  d.task_options.arithmetic = ArithmeticOptions{2, 2, true, false, false};  // a+b, both 2-digit
  return d;
}

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "t2-builtin-tests";
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  return p.string();
}

}  // namespace

// Token budget. Measured on the shared 2-core machine with batch_rows 8, lr 1e-2, seeds 7/8/9:
// greedy pass@1 1.00/1.00/0.96, temperature-1 pass@1 (mean exp(-NLL)) 0.99/0.975/0.74, after
// 1M tokens in 26-32 s wall time (about 16 s of CPU).
constexpr double kAdditionTokens = 1.0e6;

TEST_CASE("a 100k-parameter model learns 2-digit addition to >= 90% pass@1 within 1M tokens") {
  const int context = 32;
  DataStream data(addition_data(), context);
  TrainRun run;
  run.shape = shape_for_params(1e5, ParamCount::total, kVocab, context);
  run.n_tokens = kAdditionTokens;
  run.n_params = double(run.shape.params_total());
  run.seed = 7;
  run.checkpoint = temp_path("addition.ckpt");
  TrainOptions o;
  o.batch_rows = 8;  // 256 tokens per step: ~3900 steps (16 rows: 42-100% across seeds)
  o.lr = 1e-2;       // with 16 rows, 3e-3 reached only ~7% in this budget
  o.threads = 2;
  std::atomic<bool> cancel{false};
  auto t0 = std::chrono::steady_clock::now();
  TrainOutcome out = train_model(run, o, data, cancel);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(run.shape.params_total() > 80000);
  CHECK(run.shape.params_total() < 130000);

  Checkpoint c = read_checkpoint(run.checkpoint, false);
  Transformer<float> model(c.shape, 1);
  std::copy(c.params.begin(), c.params.end(), model.params.begin());
  auto task = make_arithmetic_task(addition_data().task_options.arithmetic);
  auto problems = held_out_problems(*task, 200, 1);
  Sampler sampler(model, 1);
  SampleOptions greedy;
  greedy.temperature = 0;
  int correct = 0;
  double expected = 0;  // mean exp(-NLL): pass@1 of temperature-1 sampling, exactly
  for (const auto& p : problems) {
    std::mt19937_64 rng(1);
    auto out1 = sampler.generate(encode(p.prompt), 1, greedy, rng);
    correct += Task::check(p, decode(out1[0])) ? 1 : 0;
    expected += std::exp(-answer_nll(model, encode(p.prompt), encode(p.answer)));
  }
  double greedy_pass1 = correct / 200.0, sampled_pass1 = expected / 200.0;
  std::printf("addition: %s, %.0f tokens in %.1f s, held-out loss %.3f, greedy pass@1 %.3f, T=1 pass@1 %.3f\n",
              c.shape.describe().c_str(), out.tokens_seen, seconds, out.final_loss, greedy_pass1, sampled_pass1);
  // pass@1 of greedy decoding; the temperature-1 figure is printed, not asserted (it varies with
  // the run more than the greedy one does).
  CHECK(greedy_pass1 >= 0.9);
  CHECK(sampled_pass1 >= 0.5);
}

TEST_CASE("same seed gives the same loss on 1 and 2 threads") {
  // Tolerance 1e-6 relative: the pool splits every loop into per-element work, and BLAS calls into
  // row blocks, so the sums are ordered alike; measured difference is 0.
  const int context = 32;
  DataStream data(addition_data(), context);
  TrainRun run;
  run.shape = shape_for_params(3e4, ParamCount::total, kVocab, context);
  run.n_tokens = 40000;
  run.n_params = double(run.shape.params_total());
  run.seed = 11;
  TrainOptions o;
  o.batch_rows = 16;
  std::atomic<bool> cancel{false};
  o.threads = 1;
  TrainOutcome one = train_model(run, o, data, cancel);
  o.threads = 2;
  TrainOutcome two = train_model(run, o, data, cancel);
  REQUIRE(one.loss_curve.size() == two.loss_curve.size());
  CHECK(std::abs(one.final_loss - two.final_loss) <= 1e-6 * one.final_loss);
  for (std::size_t i = 0; i < one.loss_curve.size(); ++i)
    CHECK(std::abs(one.loss_curve[i] - two.loss_curve[i]) <= 1e-6 * one.loss_curve[i]);
}

TEST_CASE("the schedule warms up linearly and decays by cosine to the end of exactly D tokens") {
  const double D = 1e6, warm = 1e5, lr = 1e-3;
  CHECK(learning_rate(0, D, warm, lr, 0) == Approx(lr / warm));
  CHECK(learning_rate(warm / 2, D, warm, lr, 0) == Approx(lr * 0.5).epsilon(1e-4));
  CHECK(learning_rate(warm, D, warm, lr, 0) == Approx(lr));
  CHECK(learning_rate(warm + (D - warm) / 2, D, warm, lr, 0) == Approx(lr / 2));
  CHECK(learning_rate(D, D, warm, lr, 0) == Approx(0).margin(1e-15));
  CHECK(learning_rate(D, D, warm, lr, 0.1) == Approx(lr * 0.1));
}

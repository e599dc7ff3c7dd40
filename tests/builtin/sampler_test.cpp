// sampler_test.cpp — KV-cached generation against recomputing the whole context, top-k, and the
// meaning of the gold-answer NLL (exp(-NLL) is the exact-match probability of one T=1 sample).
#include "workers/builtin/sampler.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <set>

#include "workers/builtin/data.hpp"
#include "workers/builtin/parallel.hpp"
#include "workers/builtin/trainer.hpp"

using namespace t2::builtin;

namespace {

// A small model trained briefly on the arithmetic mixture, so that its predictions are peaked
// and varied (an untrained model's near-uniform logits would make greedy decoding trivial).
Transformer<float>& trained_model() {
  static std::unique_ptr<Transformer<float>> model = [] {
    DataOptions d;
    d.tasks = {"arithmetic", "spatial"};
    const int context = 64;
    DataStream data(d, context);
    TrainRun run;
    run.shape = shape_for_params(5e4, ParamCount::total, kVocab, context);
    run.n_tokens = 60000;
    run.n_params = double(run.shape.params_total());
    run.seed = 3;
    run.checkpoint = (std::filesystem::temp_directory_path() / "t2-builtin-sampler-test.ckpt").string();
    std::filesystem::remove(run.checkpoint);
    TrainOptions o;
    o.threads = 2;
    std::atomic<bool> cancel{false};
    train_model(run, o, data, cancel);
    Checkpoint c = read_checkpoint(run.checkpoint, false);
    auto m = std::make_unique<Transformer<float>>(c.shape, 64);
    std::copy(c.params.begin(), c.params.end(), m->params.begin());
    return m;
  }();
  return *model;
}

}  // namespace

TEST_CASE("KV-cached generation produces exactly the tokens of full recomputation at temperature 0") {
  Transformer<float>& model = trained_model();
  Sampler sampler(model, 8);
  SampleOptions greedy;
  greedy.temperature = 0;
  greedy.max_new_tokens = 20;
  greedy.end_token = -1;  // never stop early: compare 20 tokens every time
  for (std::string prompt : {"37+48=", "The key is in the box. The box is in the", "At 3,4. Up 2. Now at", "9*"}) {
    std::mt19937_64 r1(1), r2(1);
    auto cached = sampler.generate(encode(prompt), 3, greedy, r1);
    auto full = generate_recompute(model, encode(prompt), 3, greedy, r2);
    INFO(prompt << " -> " << decode(cached[0]));
    REQUIRE(cached.size() == 3);
    CHECK(cached[0].size() == 20);
    for (int s = 0; s < 3; ++s) CHECK(cached[s] == full[s]);
  }
}

TEST_CASE("samples at temperature 1 are reproducible from the seed and differ from one another") {
  Transformer<float>& model = trained_model();
  Sampler sampler(model, 64);
  SampleOptions o;
  o.temperature = 1.5;
  std::mt19937_64 r1(5), r2(5);
  auto a = sampler.generate(encode("12+"), 64, o, r1);
  auto b = sampler.generate(encode("12+"), 64, o, r2);
  CHECK(a == b);
  std::set<std::vector<int>> distinct(a.begin(), a.end());
  CHECK(distinct.size() > 8);
}

TEST_CASE("top-k sampling only ever picks among the k largest logits") {
  std::vector<float> logits = {0.1f, 3.0f, -1.0f, 2.9f, 0.0f, 2.0f};
  SampleOptions o;
  o.top_k = 2;
  o.temperature = 5.0;  // flat: without truncation every token would appear
  std::mt19937_64 rng(2);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(pick_token(logits.data(), 6, o, rng));
  CHECK(seen == std::set<int>{1, 3});
  o.top_k = 0;
  seen.clear();
  for (int i = 0; i < 2000; ++i) seen.insert(pick_token(logits.data(), 6, o, rng));
  CHECK(seen.size() == 6);
  o.temperature = 0;
  CHECK(pick_token(logits.data(), 6, o, rng) == 1);
}

TEST_CASE("exp(-gold NLL) is the exact-match rate of temperature-1 samples") {
  Transformer<float>& model = trained_model();
  Sampler sampler(model, 64);
  SampleOptions o;  // temperature 1, no truncation, stop at newline
  // A problem whose answer the briefly trained model gets right sometimes, not always.
  Problem p{"At 3,4. Up 2. Now at", " 3,6"};
  double nll = answer_nll(model, encode(p.prompt), encode(p.answer));
  double expect = std::exp(-nll);
  int hits = 0, n = 0;
  std::mt19937_64 rng(8);
  for (int round = 0; round < 60; ++round)
    for (const auto& s : sampler.generate(encode(p.prompt), 64, o, rng)) {
      hits += Task::check(p, decode(s)) ? 1 : 0;
      ++n;
    }
  double rate = double(hits) / n, sd = std::sqrt(expect * (1 - expect) / n);
  INFO("exp(-NLL) " << expect << ", sampled exact-match rate " << rate << " over " << n);
  CHECK(std::abs(rate - expect) <= 4 * sd + 1e-3);
}

// bench_sampling.cpp — generation throughput: k = 64 samples of 64 new tokens after a 16-token
// prompt, with the KV cache (prompt once, one token per sample per step) against recomputing the
// whole context every step. Target: >= 10x. Usage: bench_sampling [threads] [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "workers/builtin/parallel.hpp"
#include "workers/builtin/sampler.hpp"
#include "workers/builtin/tasks.hpp"

using namespace t2::builtin;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : available_cores();
  double n = argc > 2 ? std::atof(argv[2]) : 1e6;
  if (threads < 1 || !(n >= 1e4 && n <= 1e8)) {
    std::fprintf(stderr, "usage: bench_sampling [threads >= 1] [N in 1e4..1e8]\n");
    return 2;
  }
  set_threads(threads);
  const int k = 64, new_tokens = 64;
  ModelShape shape = shape_for_params(n, ParamCount::total, kVocab, 128);
  Transformer<float> model(shape, k);
  model.init(1);
  std::vector<int> prompt = encode("Ann has 12 pens.");
  SampleOptions o;
  o.temperature = 1.0;
  o.max_new_tokens = new_tokens;
  o.end_token = -1;  // never stop early: exactly 64 tokens per sample

  Sampler sampler(model, k);
  std::mt19937_64 rng(1);
  sampler.generate(prompt, k, o, rng);  // warm-up
  auto t0 = clock_type::now();
  auto cached = sampler.generate(prompt, k, o, rng);
  double kv = std::chrono::duration<double>(clock_type::now() - t0).count();
  t0 = clock_type::now();
  auto full = generate_recompute(model, prompt, k, o, rng);
  double re = std::chrono::duration<double>(clock_type::now() - t0).count();
  double tokens = double(k) * new_tokens;
  std::printf("N %.3g (%s), threads %d, k=%d samples x %d tokens\n", double(shape.params_total()),
              shape.describe().c_str(), threads, k, new_tokens);
  std::printf("KV cache:  %8.0f tokens/s (%.3f s)\n", tokens / kv, kv);
  std::printf("recompute: %8.0f tokens/s (%.3f s)\n", tokens / re, re);
  std::printf("speed-up:  %8.1fx (target >= 10x)\n", re / kv);
  return cached.size() == full.size() ? 0 : 1;
}

// sampler.hpp — autoregressive generation from a trained model with a KV cache: the prompt is
// run once, its keys and values are shared by all k samples, and each step then runs one token
// per sample through the model as a batch. Also the teacher-forced NLL of a gold answer, and a
// recompute-everything generator that tests and benchmarks compare against.
// Owns inference only; training is trainer.hpp's.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "workers/builtin/model.hpp"

namespace t2::builtin {

struct SampleOptions {
  double temperature = 1.0;  // 0 = greedy (argmax; ties to the lowest token id)
  int top_k = 0;             // 0 = the whole vocabulary
  int max_new_tokens = 24;   // generation stops after this many tokens or at the end token
  int end_token = '\n';
};

// Picks the next token from one row of logits (V entries) with `rng` (unused when greedy).
int pick_token(const float* logits, int V, const SampleOptions& o, std::mt19937_64& rng);

class Sampler {
 public:
  // Buffers for up to max_samples samples of up to model.shape.context tokens.
  Sampler(const Transformer<float>& model, int max_samples);

  // k continuations of `prompt`, each up to and excluding the end token (or max_new_tokens
  // long). Samples draw from `rng` in sample order, so the result is a function of its state.
  std::vector<std::vector<int>> generate(const std::vector<int>& prompt, int k, const SampleOptions& o,
                                         std::mt19937_64& rng);
  // Tokens run through the model by the last generate() (prompt once + every decoded token).
  std::uint64_t tokens_processed() const { return processed_; }

 private:
  // Runs R rows through the model: row r is token tokens[r] of sample sample[r] at position
  // pos[r]; writes its keys/values into the cache and leaves logits for rows with want_logits.
  void run_rows(int R, const int* tokens, const int* sample, const int* pos);
  const Transformer<float>& m_;
  int S_;
  std::vector<float> kcache_, vcache_;  // [L, S, T, C]
  std::vector<float> x_, ln_, qkv_, atty_, tmp_, fch_, scores_, mean_, rstd_, logits_;
  std::uint64_t processed_ = 0;
};

// The same generation without a cache: every step runs the whole sequence (prompt and tokens so
// far) of every sample through Transformer::forward. For tests (identical tokens at
// temperature 0) and the sampling benchmark (the baseline).
std::vector<std::vector<int>> generate_recompute(Transformer<float>& model, const std::vector<int>& prompt, int k,
                                                 const SampleOptions& o, std::mt19937_64& rng);

// Teacher-forced NLL (nats) of `answer` followed by the end token, given `prompt`: the sum over
// those tokens of -log p(token | everything before). Including the end token makes exp(-NLL)
// exactly the probability that one temperature-1 sample is an exact match.
double answer_nll(Transformer<float>& model, const std::vector<int>& prompt, const std::vector<int>& answer,
                  int end_token = '\n');

}  // namespace t2::builtin

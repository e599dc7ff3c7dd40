// model.hpp — the built-in decoder-only transformer: its shape, the size ladder that maps a
// requested N to a shape, its parameters, and one forward/backward pass over a batch.
// Owns the buffers; the math of each layer is in layers.hpp. Knows nothing of tasks, optimisers
// or files (trainer.hpp: the optimiser, and the checkpoint file format).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace t2::builtin {

// Architecture (GPT-2 style, llm.c): token + learned position embeddings, `layers` pre-LayerNorm
// blocks of causal multi-head attention and a GELU MLP (hidden 4·d_model), final LayerNorm, and an
// output layer tied to the token embedding.
struct ModelShape {
  int vocab = 128;    // tokens (128 = the ASCII character tokenizer, tasks.hpp encode)
  int context = 128;  // maximum sequence length T (positions)
  int layers = 2;
  int d_model = 64;
  int heads = 2;  // d_model % heads == 0

  // Every parameter, embeddings included.
  std::size_t params_total() const;
  // Without the token and position embeddings (Kaplan et al. 2020's N).
  std::size_t params_non_embedding() const;
  std::string describe() const;  // "L=2 d=64 h=2 T=128 V=128"
};

// Which count "N" means. `total` counts every parameter (Chinchilla, Hoffmann et al. 2022; and the
// T² paper, whose Porian et al. models count embeddings, t2-paper-notes §5); `non_embedding`
// leaves the embeddings out (Kaplan et al. 2020).
enum class ParamCount { total, non_embedding };
std::size_t count_params(const ModelShape& shape, ParamCount count);

// The size ladder (schemas/workload-builtin.md): the shape whose `count` parameters are closest
// to n (in log space) among d_model in 16, 20, ..., 64 (step 4), 72, ..., 1024 (step 8), layers 1..12
// with d_model / layers in [16, 128]; heads = the fewest that divide d_model with <= 32
// dimensions each (above d_model 64, shapes whose heads would have < 16 dimensions are skipped);
// shapes within 3% of the best match go to the one nearest d_model / layers = `aspect`.
ModelShape shape_for_params(double n, ParamCount count, int vocab, int context, double aspect = 48);

// Views into one contiguous parameter (or gradient) buffer, in the llm.c order. Per-layer tensors
// are stacked over layers: qkvw is [L, 3C, C], etc.
template <class F>
struct ParamViews {
  F *wte, *wpe;            // [V, C], [T, C]
  F *ln1w, *ln1b;          // [L, C]
  F *qkvw, *qkvb;          // [L, 3C, C], [L, 3C]
  F *attprojw, *attprojb;  // [L, C, C], [L, C]
  F *ln2w, *ln2b;          // [L, C]
  F *fcw, *fcb;            // [L, 4C, C], [L, 4C]
  F *fcprojw, *fcprojb;    // [L, C, 4C], [L, C]
  F *lnfw, *lnfb;          // [C]
};
// Sizes of the 16 tensors above, in order, and whether each is a weight matrix (decayed by AdamW).
std::vector<std::size_t> param_sizes(const ModelShape& shape);
std::vector<bool> param_is_matrix();
template <class F>
ParamViews<F> param_views(F* base, const ModelShape& shape);

// A model with buffers for batches of up to max_batch sequences of up to shape.context tokens.
// forward() with targets computes the mean cross-entropy; backward() then fills grads.
template <class F>
class Transformer {
 public:
  Transformer(const ModelShape& shape, int max_batch);
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;

  // GPT-2 initialisation: weights N(0, 0.02), residual projections N(0, 0.02/sqrt(2L)),
  // LayerNorm weights 1, biases 0.
  void init(std::uint64_t seed);

  // tokens and targets are [B, T] row-major with B <= max_batch, T <= context; targets may be
  // null (then no loss: logits and probs only). Returns the mean loss (or 0 without targets).
  F forward(const int* tokens, const int* targets, int B, int T);
  void zero_grad();
  void backward();  // gradients of the mean loss of the last forward (which had targets)

  const F* logits() const { return acts_.logits.data(); }  // [B, T, V] of the last forward
  const F* probs() const { return acts_.probs.data(); }    // [B, T, V] of the last forward
  const F* losses() const { return acts_.losses.data(); }  // [B, T] of the last forward

  ModelShape shape;
  int max_batch;
  std::vector<F> params, grads;
  ParamViews<F> p, g;

 private:
  struct Activations {
    std::vector<F> encoded, ln1, ln1_mean, ln1_rstd, qkv, atty, preatt, att, attproj, residual2, ln2, ln2_mean,
        ln2_rstd, fch, fch_gelu, fcproj, residual3, lnf, lnf_mean, lnf_rstd, logits, probs, losses;
    void allocate(const ModelShape& s, int B);
  };
  Activations acts_, dacts_;
  std::vector<int> tokens_, targets_;
  int B_ = 0, T_ = 0;
};

extern template class Transformer<float>;
extern template class Transformer<double>;

}  // namespace t2::builtin

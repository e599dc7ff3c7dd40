// model.cpp — shape arithmetic, the size ladder, and the forward/backward pass of the
// transformer (see model.hpp). The pass reads like llm.c's gpt2_forward/gpt2_backward.
#include "workers/builtin/model.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "workers/builtin/layers.hpp"

namespace t2::builtin {

std::vector<std::size_t> param_sizes(const ModelShape& s) {
  std::size_t V = s.vocab, T = s.context, L = s.layers, C = s.d_model;
  return {V * C, T * C, L * C,         L * C,     L * 3 * C * C, L * 3 * C, L * C * C, L * C,
          L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C,     C,         C};
}

std::vector<bool> param_is_matrix() {
  return {true, true, false, false, true, false, true, false, false, false, true, false, true, false, false, false};
}

template <class F>
ParamViews<F> param_views(F* base, const ModelShape& shape) {
  ParamViews<F> v;
  F** slots[] = {&v.wte,  &v.wpe,  &v.ln1w, &v.ln1b, &v.qkvw,    &v.qkvb,    &v.attprojw, &v.attprojb,
                 &v.ln2w, &v.ln2b, &v.fcw,  &v.fcb,  &v.fcprojw, &v.fcprojb, &v.lnfw,     &v.lnfb};
  auto sizes = param_sizes(shape);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    *slots[i] = base;
    base += sizes[i];
  }
  return v;
}

std::size_t ModelShape::params_total() const {
  std::size_t n = 0;
  for (auto s : param_sizes(*this)) n += s;
  return n;
}

std::size_t ModelShape::params_non_embedding() const {
  return params_total() - std::size_t(vocab) * d_model - std::size_t(context) * d_model;
}

std::string ModelShape::describe() const {
  return "L=" + std::to_string(layers) + " d=" + std::to_string(d_model) + " h=" + std::to_string(heads) +
         " T=" + std::to_string(context) + " V=" + std::to_string(vocab);
}

std::size_t count_params(const ModelShape& shape, ParamCount count) {
  return count == ParamCount::total ? shape.params_total() : shape.params_non_embedding();
}

// The fewest heads that divide d_model with at most 32 dimensions each.
static int heads_for(int d) {
  int h = (d + 31) / 32;
  while (d % h != 0) ++h;
  return h;
}

ModelShape shape_for_params(double n, ParamCount count, int vocab, int context, double aspect) {
  std::vector<ModelShape> shapes;
  for (int d = 16; d <= 1024; d += (d < 64 ? 4 : 8)) {
    if (d > 64 && d / heads_for(d) < 16) continue;  // e.g. 344 = 43 heads of 8: too narrow
    for (int L = 1; L <= 12; ++L) {
      double ratio = double(d) / L;
      if (ratio >= 16 && ratio <= 128) shapes.push_back(ModelShape{vocab, context, L, d, heads_for(d)});
    }
  }
  auto size_err = [&](const ModelShape& s) { return std::abs(std::log(double(count_params(s, count)) / n)); };
  auto aspect_err = [&](const ModelShape& s) { return std::abs(std::log(double(s.d_model) / s.layers / aspect)); };
  double best = 1e300;
  for (const auto& s : shapes) best = std::min(best, size_err(s));
  // Among the shapes within 3% of the best size match, the one nearest the preferred aspect ratio.
  ModelShape pick;
  double pick_aspect = 1e300;
  for (const auto& s : shapes)
    if (size_err(s) <= best + 0.03 && aspect_err(s) < pick_aspect) {
      pick = s;
      pick_aspect = aspect_err(s);
    }
  return pick;
}

template <class F>
void Transformer<F>::Activations::allocate(const ModelShape& s, int B) {
  std::size_t L = s.layers, T = s.context, C = s.d_model, NH = s.heads, V = s.vocab, BT = std::size_t(B) * T;
  encoded.assign(BT * C, 0);
  ln1.assign(L * BT * C, 0);
  ln1_mean.assign(L * BT, 0);
  ln1_rstd.assign(L * BT, 0);
  qkv.assign(L * BT * 3 * C, 0);
  atty.assign(L * BT * C, 0);
  preatt.assign(L * B * NH * T * T, 0);
  att.assign(L * B * NH * T * T, 0);
  attproj.assign(L * BT * C, 0);
  residual2.assign(L * BT * C, 0);
  ln2.assign(L * BT * C, 0);
  ln2_mean.assign(L * BT, 0);
  ln2_rstd.assign(L * BT, 0);
  fch.assign(L * BT * 4 * C, 0);
  fch_gelu.assign(L * BT * 4 * C, 0);
  fcproj.assign(L * BT * C, 0);
  residual3.assign(L * BT * C, 0);
  lnf.assign(BT * C, 0);
  lnf_mean.assign(BT, 0);
  lnf_rstd.assign(BT, 0);
  logits.assign(BT * V, 0);
  probs.assign(BT * V, 0);
  losses.assign(BT, 0);
}

template <class F>
Transformer<F>::Transformer(const ModelShape& s, int max_batch_) : shape(s), max_batch(max_batch_) {
  if (s.vocab < 2 || s.context < 1 || s.layers < 1 || s.d_model < 1 || s.heads < 1 || s.d_model % s.heads != 0 ||
      max_batch < 1)
    throw std::invalid_argument("invalid model shape " + s.describe());
  params.assign(s.params_total(), 0);
  grads.assign(s.params_total(), 0);
  p = param_views(params.data(), s);
  g = param_views(grads.data(), s);
  acts_.allocate(s, max_batch);
  dacts_.allocate(s, max_batch);
  tokens_.assign(std::size_t(max_batch) * s.context, 0);
  targets_.assign(std::size_t(max_batch) * s.context, 0);
}

template <class F>
void Transformer<F>::init(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  auto sizes = param_sizes(shape);
  auto matrix = param_is_matrix();
  F* base = params.data();
  double proj_std = 0.02 / std::sqrt(2.0 * shape.layers);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    bool is_proj = (i == 6 || i == 12);  // attprojw, fcprojw feed the residual stream
    bool is_ln_weight = (i == 2 || i == 8 || i == 14);
    for (std::size_t j = 0; j < sizes[i]; ++j)
      base[j] = matrix[i] ? F(normal(rng) * (is_proj ? proj_std : 0.02)) : (is_ln_weight ? F(1) : F(0));
    base += sizes[i];
  }
}

template <class F>
F Transformer<F>::forward(const int* tokens, const int* targets, int B, int T) {
  if (B < 1 || B > max_batch || T < 1 || T > shape.context)
    throw std::invalid_argument("batch " + std::to_string(B) + "x" + std::to_string(T) +
                                " exceeds the model's buffers");
  const int L = shape.layers, C = shape.d_model, NH = shape.heads, V = shape.vocab, BT = B * T;
  for (int i = 0; i < BT; ++i)
    if (tokens[i] < 0 || tokens[i] >= V || (targets && (targets[i] < 0 || targets[i] >= V)))
      throw std::invalid_argument("token id out of the vocabulary (" + std::to_string(V) + ")");
  B_ = B;
  T_ = T;
  std::copy(tokens, tokens + BT, tokens_.begin());
  if (targets) std::copy(targets, targets + BT, targets_.begin());
  Activations& a = acts_;

  // x = wte[token] + wpe[position]
  encoder_forward(a.encoded.data(), tokens, p.wte, p.wpe, B, T, C);
  for (int l = 0; l < L; ++l) {
    const F* residual = l == 0 ? a.encoded.data() : a.residual3.data() + std::size_t(l - 1) * BT * C;
    std::size_t o = std::size_t(l) * BT;  // this layer's offset in [L, B, T] buffers
    F* ln1 = a.ln1.data() + o * C;
    F* qkv = a.qkv.data() + o * 3 * C;
    F* atty = a.atty.data() + o * C;
    F* preatt = a.preatt.data() + std::size_t(l) * B * NH * T * T;
    F* att = a.att.data() + std::size_t(l) * B * NH * T * T;
    F* attproj = a.attproj.data() + o * C;
    F* residual2 = a.residual2.data() + o * C;
    F* ln2 = a.ln2.data() + o * C;
    F* fch = a.fch.data() + o * 4 * C;
    F* fch_gelu = a.fch_gelu.data() + o * 4 * C;
    F* fcproj = a.fcproj.data() + o * C;
    F* residual3 = a.residual3.data() + o * C;
    std::size_t lc = std::size_t(l) * C;
    // x2 = x + Wo · attention(LN1(x))
    layernorm_forward(ln1, a.ln1_mean.data() + o, a.ln1_rstd.data() + o, residual, p.ln1w + lc, p.ln1b + lc, BT, C);
    matmul_forward(qkv, ln1, p.qkvw + lc * 3 * C, p.qkvb + lc * 3, BT, C, 3 * C);
    attention_forward(atty, preatt, att, qkv, B, T, C, NH);
    matmul_forward(attproj, atty, p.attprojw + lc * C, p.attprojb + lc, BT, C, C);
    residual_forward(residual2, residual, attproj, BT * C);
    // x3 = x2 + W2 · gelu(W1 · LN2(x2))
    layernorm_forward(ln2, a.ln2_mean.data() + o, a.ln2_rstd.data() + o, residual2, p.ln2w + lc, p.ln2b + lc, BT, C);
    matmul_forward(fch, ln2, p.fcw + lc * 4 * C, p.fcb + lc * 4, BT, C, 4 * C);
    gelu_forward(fch_gelu, fch, BT * 4 * C);
    matmul_forward(fcproj, fch_gelu, p.fcprojw + lc * 4 * C, p.fcprojb + lc, BT, 4 * C, C);
    residual_forward(residual3, residual2, fcproj, BT * C);
  }
  // logits = LNf(x) · wte^T (tied output embedding); probs = softmax(logits)
  const F* last = a.residual3.data() + std::size_t(L - 1) * BT * C;
  layernorm_forward(a.lnf.data(), a.lnf_mean.data(), a.lnf_rstd.data(), last, p.lnfw, p.lnfb, BT, C);
  matmul_forward<F>(a.logits.data(), a.lnf.data(), p.wte, nullptr, BT, C, V);
  softmax_forward(a.probs.data(), a.logits.data(), BT, V);
  if (!targets) return F(0);
  crossentropy_forward(a.losses.data(), a.probs.data(), targets, BT, V);
  double sum = 0;
  for (int i = 0; i < BT; ++i) sum += a.losses[i];
  return F(sum / BT);
}

template <class F>
void Transformer<F>::zero_grad() {
  std::fill(grads.begin(), grads.end(), F(0));
}

template <class F>
void Transformer<F>::backward() {
  const int B = B_, T = T_, L = shape.layers, C = shape.d_model, NH = shape.heads, V = shape.vocab, BT = B * T;
  Activations& a = acts_;
  Activations& d = dacts_;
  // The activation gradients are accumulated (+=) by the kernels, so they start at zero.
  auto clear = [](std::vector<F>& v, std::size_t n) { std::fill(v.begin(), v.begin() + n, F(0)); };
  clear(d.logits, std::size_t(BT) * V);
  clear(d.lnf, std::size_t(BT) * C);
  clear(d.residual3, std::size_t(L) * BT * C);
  clear(d.encoded, std::size_t(BT) * C);

  // d logits of the mean loss = (probs - onehot) / BT
  crossentropy_softmax_backward(d.logits.data(), a.probs.data(), targets_.data(), F(1) / F(BT), BT, V);
  matmul_backward<F>(d.lnf.data(), g.wte, nullptr, d.logits.data(), a.lnf.data(), p.wte, BT, C, V);
  const F* last = a.residual3.data() + std::size_t(L - 1) * BT * C;
  F* dlast = d.residual3.data() + std::size_t(L - 1) * BT * C;
  layernorm_backward(dlast, g.lnfw, g.lnfb, d.lnf.data(), last, p.lnfw, a.lnf_mean.data(), a.lnf_rstd.data(), BT, C);

  for (int l = L - 1; l >= 0; --l) {
    std::size_t o = std::size_t(l) * BT, lc = std::size_t(l) * C;
    const F* residual = l == 0 ? a.encoded.data() : a.residual3.data() + (o - BT) * C;
    F* dresidual = l == 0 ? d.encoded.data() : d.residual3.data() + (o - BT) * C;
    std::size_t att_off = std::size_t(l) * B * NH * T * T;
    // Per-layer activation gradients are recomputed from zero for this layer.
    F* dln1 = d.ln1.data() + o * C;
    F* dqkv = d.qkv.data() + o * 3 * C;
    F* datty = d.atty.data() + o * C;
    F* dpreatt = d.preatt.data() + att_off;
    F* datt = d.att.data() + att_off;
    F* dattproj = d.attproj.data() + o * C;
    F* dresidual2 = d.residual2.data() + o * C;
    F* dln2 = d.ln2.data() + o * C;
    F* dfch = d.fch.data() + o * 4 * C;
    F* dfch_gelu = d.fch_gelu.data() + o * 4 * C;
    F* dfcproj = d.fcproj.data() + o * C;
    F* dresidual3 = d.residual3.data() + o * C;
    std::fill(dln1, dln1 + std::size_t(BT) * C, F(0));
    std::fill(dqkv, dqkv + std::size_t(BT) * 3 * C, F(0));
    std::fill(datty, datty + std::size_t(BT) * C, F(0));
    std::fill(dattproj, dattproj + std::size_t(BT) * C, F(0));
    std::fill(dresidual2, dresidual2 + std::size_t(BT) * C, F(0));
    std::fill(dln2, dln2 + std::size_t(BT) * C, F(0));
    std::fill(dfch, dfch + std::size_t(BT) * 4 * C, F(0));
    std::fill(dfch_gelu, dfch_gelu + std::size_t(BT) * 4 * C, F(0));
    std::fill(dfcproj, dfcproj + std::size_t(BT) * C, F(0));

    // MLP: x3 = x2 + W2 · gelu(W1 · LN2(x2))
    residual_backward(dresidual2, dfcproj, dresidual3, BT * C);
    matmul_backward(dfch_gelu, g.fcprojw + lc * 4 * C, g.fcprojb + lc, dfcproj, a.fch_gelu.data() + o * 4 * C,
                    p.fcprojw + lc * 4 * C, BT, 4 * C, C);
    gelu_backward(dfch, a.fch.data() + o * 4 * C, a.fch_gelu.data() + o * 4 * C, dfch_gelu, BT * 4 * C);
    matmul_backward(dln2, g.fcw + lc * 4 * C, g.fcb + lc * 4, dfch, a.ln2.data() + o * C, p.fcw + lc * 4 * C, BT, C,
                    4 * C);
    layernorm_backward(dresidual2, g.ln2w + lc, g.ln2b + lc, dln2, a.residual2.data() + o * C, p.ln2w + lc,
                       a.ln2_mean.data() + o, a.ln2_rstd.data() + o, BT, C);
    // Attention: x2 = x + Wo · attention(LN1(x))
    residual_backward(dresidual, dattproj, dresidual2, BT * C);
    matmul_backward(datty, g.attprojw + lc * C, g.attprojb + lc, dattproj, a.atty.data() + o * C, p.attprojw + lc * C,
                    BT, C, C);
    attention_backward(dqkv, dpreatt, datt, datty, a.qkv.data() + o * 3 * C, a.att.data() + att_off, B, T, C, NH);
    matmul_backward(dln1, g.qkvw + lc * 3 * C, g.qkvb + lc * 3, dqkv, a.ln1.data() + o * C, p.qkvw + lc * 3 * C, BT, C,
                    3 * C);
    layernorm_backward(dresidual, g.ln1w + lc, g.ln1b + lc, dln1, residual, p.ln1w + lc, a.ln1_mean.data() + o,
                       a.ln1_rstd.data() + o, BT, C);
  }
  encoder_backward(g.wte, g.wpe, d.encoded.data(), tokens_.data(), B, T, C);
}

template ParamViews<float> param_views(float*, const ModelShape&);
template ParamViews<double> param_views(double*, const ModelShape&);
template class Transformer<float>;
template class Transformer<double>;

}  // namespace t2::builtin

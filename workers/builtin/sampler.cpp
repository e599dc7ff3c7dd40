// sampler.cpp — KV-cached generation, its recompute baseline, and gold-answer NLL (see sampler.hpp).
#include "workers/builtin/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "workers/builtin/layers.hpp"
#include "workers/builtin/parallel.hpp"

namespace t2::builtin {

int pick_token(const float* logits, int V, const SampleOptions& o, std::mt19937_64& rng) {
  if (o.temperature <= 0) return int(std::max_element(logits, logits + V) - logits);
  // Keep the top_k largest logits (all when 0), then sample softmax(logits / temperature).
  // Scratch reused across calls: no allocation per generated token.
  thread_local std::vector<float> sorted;
  thread_local std::vector<double> w;
  float cutoff = -INFINITY;
  if (o.top_k > 0 && o.top_k < V) {
    sorted.assign(logits, logits + V);
    std::nth_element(sorted.begin(), sorted.begin() + (o.top_k - 1), sorted.end(), std::greater<float>());
    cutoff = sorted[o.top_k - 1];
  }
  float maxv = *std::max_element(logits, logits + V);
  double sum = 0;
  w.assign(V, 0.0);
  for (int i = 0; i < V; ++i)
    if (logits[i] >= cutoff) sum += (w[i] = std::exp((double(logits[i]) - maxv) / o.temperature));
  double u = std::uniform_real_distribution<double>(0.0, sum)(rng);
  for (int i = 0; i < V; ++i) {
    u -= w[i];
    if (u < 0 && w[i] > 0) return i;
  }
  for (int i = V - 1; i >= 0; --i)
    if (w[i] > 0) return i;  // u landed on the rounding slack at the top
  return 0;
}

Sampler::Sampler(const Transformer<float>& model, int max_samples) : m_(model), S_(max_samples) {
  const auto& s = model.shape;
  std::size_t L = s.layers, T = s.context, C = s.d_model, R = std::max(S_, s.context);
  kcache_.assign(L * S_ * T * C, 0.f);
  vcache_.assign(L * S_ * T * C, 0.f);
  x_.assign(R * C, 0.f);
  ln_.assign(R * C, 0.f);
  qkv_.assign(R * 3 * C, 0.f);
  atty_.assign(R * C, 0.f);
  tmp_.assign(R * C, 0.f);
  fch_.assign(R * 4 * C, 0.f);
  scores_.assign(R * s.heads * T, 0.f);
  mean_.assign(R, 0.f);
  rstd_.assign(R, 0.f);
  logits_.assign(R * s.vocab, 0.f);
}

void Sampler::run_rows(int R, const int* tokens, const int* sample, const int* pos) {
  const auto& s = m_.shape;
  const auto& p = m_.p;
  const int L = s.layers, C = s.d_model, NH = s.heads, hs = C / NH, T = s.context, V = s.vocab;
  const float scale = 1.0f / std::sqrt(float(hs));
  // x = wte[token] + wpe[position]
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < C; ++i)
      x_[std::size_t(r) * C + i] = p.wte[std::size_t(tokens[r]) * C + i] + p.wpe[std::size_t(pos[r]) * C + i];
  for (int l = 0; l < L; ++l) {
    std::size_t lc = std::size_t(l) * C;
    float* kc = kcache_.data() + std::size_t(l) * S_ * T * C;
    float* vc = vcache_.data() + std::size_t(l) * S_ * T * C;
    // q, k, v = W_qkv · LN1(x); k and v go to the cache at (sample, position)
    layernorm_forward(ln_.data(), mean_.data(), rstd_.data(), x_.data(), p.ln1w + lc, p.ln1b + lc, R, C);
    matmul_forward(qkv_.data(), ln_.data(), p.qkvw + lc * 3 * C, p.qkvb + lc * 3, R, C, 3 * C);
    for (int r = 0; r < R; ++r) {
      std::size_t at = (std::size_t(sample[r]) * T + pos[r]) * C;
      std::copy_n(qkv_.data() + std::size_t(r) * 3 * C + C, C, kc + at);
      std::copy_n(qkv_.data() + std::size_t(r) * 3 * C + 2 * C, C, vc + at);
    }
    // Row r attends to its sample's cached positions 0..pos[r] (the same math as attention_forward).
    parallel_for(R * NH, double(R) * NH * hs * (pos[R - 1] + 1), [&](int lo_, int hi_) {
      for (int i_ = lo_; i_ < hi_; ++i_) {
        const int r = i_ / NH, h = i_ % NH;
        const float* q = qkv_.data() + std::size_t(r) * 3 * C + h * hs;
        float* sc = scores_.data() + (std::size_t(r) * NH + h) * T;
        const float* kbase = kc + std::size_t(sample[r]) * T * C + h * hs;
        const float* vbase = vc + std::size_t(sample[r]) * T * C + h * hs;
        float maxv = -1e30f;
        for (int t2 = 0; t2 <= pos[r]; ++t2) {
          const float* k = kbase + std::size_t(t2) * C;
          float v = 0;
          for (int i = 0; i < hs; ++i) v += q[i] * k[i];
          v *= scale;
          sc[t2] = v;
          maxv = std::max(maxv, v);
        }
        float sum = 0;
        for (int t2 = 0; t2 <= pos[r]; ++t2) {
          sc[t2] = std::exp(sc[t2] - maxv);
          sum += sc[t2];
        }
        float inv = 1.0f / sum;
        float* o = atty_.data() + std::size_t(r) * C + h * hs;
        for (int i = 0; i < hs; ++i) o[i] = 0;
        for (int t2 = 0; t2 <= pos[r]; ++t2) {
          const float* v = vbase + std::size_t(t2) * C;
          float w = sc[t2] * inv;
          for (int i = 0; i < hs; ++i) o[i] += w * v[i];
        }
      }
    });
    // x = x + Wo · attention;  x = x + W2 · gelu(W1 · LN2(x))
    matmul_forward(tmp_.data(), atty_.data(), p.attprojw + lc * C, p.attprojb + lc, R, C, C);
    for (std::size_t i = 0; i < std::size_t(R) * C; ++i) x_[i] += tmp_[i];
    layernorm_forward(ln_.data(), mean_.data(), rstd_.data(), x_.data(), p.ln2w + lc, p.ln2b + lc, R, C);
    matmul_forward(fch_.data(), ln_.data(), p.fcw + lc * 4 * C, p.fcb + lc * 4, R, C, 4 * C);
    gelu_forward(fch_.data(), fch_.data(), R * 4 * C);
    matmul_forward(tmp_.data(), fch_.data(), p.fcprojw + lc * 4 * C, p.fcprojb + lc, R, 4 * C, C);
    for (std::size_t i = 0; i < std::size_t(R) * C; ++i) x_[i] += tmp_[i];
  }
  // logits = LNf(x) · wte^T
  layernorm_forward(ln_.data(), mean_.data(), rstd_.data(), x_.data(), p.lnfw, p.lnfb, R, C);
  matmul_forward<float>(logits_.data(), ln_.data(), p.wte, nullptr, R, C, V);
  processed_ += std::uint64_t(R);
}

std::vector<std::vector<int>> Sampler::generate(const std::vector<int>& prompt, int k, const SampleOptions& o,
                                                std::mt19937_64& rng) {
  const auto& s = m_.shape;
  const int P = int(prompt.size()), V = s.vocab, C = s.d_model, T = s.context;
  if (k < 1 || k > S_) throw std::invalid_argument("samples must be in 1.." + std::to_string(S_));
  if (P < 1 || P >= T)
    throw std::invalid_argument("prompt of " + std::to_string(P) + " tokens does not fit the context " +
                                std::to_string(T));
  processed_ = 0;
  // Prefill: the prompt once, as sample 0's rows; then its keys and values are copied to every sample.
  std::vector<int> zeros(P, 0), positions(P);
  for (int i = 0; i < P; ++i) positions[i] = i;
  run_rows(P, prompt.data(), zeros.data(), positions.data());
  for (int l = 0; l < s.layers; ++l)
    for (int smp = 1; smp < k; ++smp) {
      std::size_t base = std::size_t(l) * S_ * T * C;
      std::copy_n(kcache_.data() + base, std::size_t(P) * C, kcache_.data() + base + std::size_t(smp) * T * C);
      std::copy_n(vcache_.data() + base, std::size_t(P) * C, vcache_.data() + base + std::size_t(smp) * T * C);
    }
  std::vector<float> first(logits_.begin() + std::size_t(P - 1) * V, logits_.begin() + std::size_t(P) * V);

  std::vector<std::vector<int>> out(k);
  std::vector<char> done(k, 0);
  std::vector<int> next(k), sample(k), pos(k);
  for (int smp = 0; smp < k; ++smp) sample[smp] = smp;
  const int max_new = std::min(o.max_new_tokens, T - P);
  for (int step = 0; step < max_new; ++step) {
    int live = 0;
    for (int smp = 0; smp < k; ++smp) {
      if (done[smp]) continue;
      const float* lg = step == 0 ? first.data() : logits_.data() + std::size_t(smp) * V;
      int tok = pick_token(lg, V, o, rng);
      if (tok == o.end_token) {
        done[smp] = 1;
        continue;
      }
      out[smp].push_back(tok);
      next[smp] = tok;
      ++live;
    }
    if (live == 0 || step + 1 == max_new) break;
    // Finished samples still ride along in the batch (their rows are ignored) so that every
    // live sample keeps its row index; the batch is one matrix multiply either way.
    for (int smp = 0; smp < k; ++smp) {
      pos[smp] = P + step;
      if (done[smp]) next[smp] = 0;
    }
    run_rows(k, next.data(), sample.data(), pos.data());
  }
  return out;
}

std::vector<std::vector<int>> generate_recompute(Transformer<float>& model, const std::vector<int>& prompt, int k,
                                                 const SampleOptions& o, std::mt19937_64& rng) {
  const int P = int(prompt.size()), V = model.shape.vocab, T = model.shape.context;
  if (k < 1 || k > model.max_batch) throw std::invalid_argument("samples exceed the model's batch buffers");
  if (P < 1 || P >= T) throw std::invalid_argument("prompt does not fit the context");
  std::vector<std::vector<int>> seqs(k, prompt), out(k);
  std::vector<char> done(k, 0);
  std::vector<int> tokens;
  const int max_new = std::min(o.max_new_tokens, T - P);
  for (int step = 0; step < max_new; ++step) {
    const int len = P + step;
    tokens.clear();
    for (auto& sq : seqs) tokens.insert(tokens.end(), sq.begin(), sq.end());
    model.forward(tokens.data(), nullptr, k, len);
    int live = 0;
    for (int smp = 0; smp < k; ++smp) {
      if (done[smp]) {
        seqs[smp].push_back(0);
        continue;
      }
      int tok = pick_token(model.logits() + (std::size_t(smp) * len + len - 1) * V, V, o, rng);
      if (tok == o.end_token) {
        done[smp] = 1;
        seqs[smp].push_back(0);
        continue;
      }
      out[smp].push_back(tok);
      seqs[smp].push_back(tok);
      ++live;
    }
    if (live == 0) break;
  }
  return out;
}

double answer_nll(Transformer<float>& model, const std::vector<int>& prompt, const std::vector<int>& answer,
                  int end_token) {
  std::vector<int> seq(prompt);
  seq.insert(seq.end(), answer.begin(), answer.end());
  seq.push_back(end_token);
  const int n = int(seq.size()) - 1;  // inputs seq[0..n-1], targets seq[1..n]
  if (n > model.shape.context) throw std::invalid_argument("prompt and answer exceed the context");
  model.forward(seq.data(), seq.data() + 1, 1, n);
  double nll = 0;
  for (int t = int(prompt.size()) - 1; t < n; ++t) nll += model.losses()[t];
  return nll;
}

}  // namespace t2::builtin

// layers.hpp — the transformer's kernels: forward and backward of each layer as a plain function
// over raw arrays (the llm.c layout: activations [B, T, C] row-major). Owns the math only; the
// model (model.hpp) owns the buffers and the order in which layers run. Templated on the scalar
// so that tests can check every backward pass in double precision against finite differences.
// Loops run on parallel.hpp's pool; matrix multiplies on single-threaded OpenBLAS inside it.
#pragma once

namespace t2::builtin {

// Matrix multiply through OpenBLAS, row-major: C = alpha * op(A) op(B) + beta * C.
template <class F>
void gemm(bool trans_a, bool trans_b, int M, int N, int K, F alpha, const F* A, int lda, const F* B, int ldb, F beta,
          F* C, int ldc);

// out[b,t,:] = wte[inp[b,t],:] + wpe[t,:]
template <class F>
void encoder_forward(F* out, const int* inp, const F* wte, const F* wpe, int B, int T, int C);
template <class F>
void encoder_backward(F* dwte, F* dwpe, const F* dout, const int* inp, int B, int T, int C);

// y = (x - mean) * rstd * w + b over the last axis, rstd = 1/sqrt(var + 1e-5); mean and rstd kept
// for the backward pass. N rows of C.
template <class F>
void layernorm_forward(F* out, F* mean, F* rstd, const F* inp, const F* w, const F* b, int N, int C);
template <class F>
void layernorm_backward(F* dinp, F* dw, F* db, const F* dout, const F* inp, const F* w, const F* mean, const F* rstd,
                        int N, int C);

// out[N, OC] = inp[N, C] · w[OC, C]^T + bias[OC]  (bias may be null). Backward accumulates (+=).
template <class F>
void matmul_forward(F* out, const F* inp, const F* w, const F* bias, int N, int C, int OC);
template <class F>
void matmul_backward(F* dinp, F* dw, F* dbias, const F* dout, const F* inp, const F* w, int N, int C, int OC);

// Causal multi-head attention. inp [B, T, 3C] holds q, k, v; out [B, T, C].
// preatt[b,h,t,t2] = q_t · k_t2 / sqrt(hs) for t2 <= t; att = softmax over t2; out_t = sum att v_t2.
// preatt and att are [B, NH, T, T] (att is 0 above the diagonal; preatt there is unspecified).
template <class F>
void attention_forward(F* out, F* preatt, F* att, const F* inp, int B, int T, int C, int NH);
template <class F>
void attention_backward(F* dinp, F* dpreatt, F* datt, const F* dout, const F* inp, const F* att, int B, int T, int C,
                        int NH);

// GELU, tanh approximation (Hendrycks & Gimpel 2016; GPT-2): 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))).
template <class F>
void gelu_forward(F* out, const F* inp, int N);
template <class F>
void gelu_backward(F* dinp, const F* inp, const F* out, const F* dout, int N);  // out: the forward's output

// out = a + b; backward adds dout into both.
template <class F>
void residual_forward(F* out, const F* a, const F* b, int N);
template <class F>
void residual_backward(F* da, F* db, const F* dout, int N);

// probs = softmax(logits) over V; losses[i] = -log probs[i, targets[i]]. N rows.
template <class F>
void softmax_forward(F* probs, const F* logits, int N, int V);
template <class F>
void crossentropy_forward(F* losses, const F* probs, const int* targets, int N, int V);
// d(mean loss)/d logits = (probs - onehot(target)) * dloss, with dloss = 1/N for the mean.
template <class F>
void crossentropy_softmax_backward(F* dlogits, const F* probs, const int* targets, F dloss, int N, int V);

}  // namespace t2::builtin

// layers.cpp — forward and backward of each transformer layer (see layers.hpp). Follows llm.c's
// train_gpt2.c kernel by kernel; matrix multiplies go to OpenBLAS, the rest are loops on
// parallel.hpp's pool. Results do not depend on the thread count: every output element is
// computed by one thread, in a fixed order.
#include "workers/builtin/layers.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "workers/builtin/parallel.hpp"

namespace t2::builtin {

static void blas_gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                      int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
              ldb, beta, C, ldc);
}
static void blas_gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                      int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
              ldb, beta, C, ldc);
}

// The rows of C are split into contiguous runs of 16-row blocks, one run per thread, each an
// independent single-threaded BLAS call. (With one thread: one call for all rows. The BLAS
// kernel's sum over K has the same order either way in our tests, see the thread test.)
template <class F>
void gemm(bool ta, bool tb, int M, int N, int K, F alpha, const F* A, int lda, const F* B, int ldb, F beta, F* C,
          int ldc) {
  const int per = 16;
  const int blocks = (M + per - 1) / per;
  if (threads() == 1 || blocks <= 1) {
    blas_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  parallel_for(blocks, double(M) * N * K, [&](int b0, int b1) {
    int m0 = b0 * per, m = std::min(b1 * per, M) - m0;
    // Rows m0.. of op(A): rows of A when not transposed, columns of A when transposed.
    const F* Ab = ta ? A + m0 : A + std::size_t(m0) * lda;
    blas_gemm(ta, tb, m, N, K, alpha, Ab, lda, B, ldb, beta, C + std::size_t(m0) * ldc, ldc);
  });
}
template void gemm<float>(bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*, int);
template void gemm<double>(bool, bool, int, int, int, double, const double*, int, const double*, int, double, double*,
                           int);

template <class F>
void encoder_forward(F* out, const int* inp, const F* wte, const F* wpe, int B, int T, int C) {
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      F* o = out + (std::size_t(b) * T + t) * C;
      const F* e = wte + std::size_t(inp[b * T + t]) * C;
      const F* p = wpe + std::size_t(t) * C;
      for (int i = 0; i < C; i++) o[i] = e[i] + p[i];
    }
}

template <class F>
void encoder_backward(F* dwte, F* dwpe, const F* dout, const int* inp, int B, int T, int C) {
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      const F* d = dout + (std::size_t(b) * T + t) * C;
      F* de = dwte + std::size_t(inp[b * T + t]) * C;
      F* dp = dwpe + std::size_t(t) * C;
      for (int i = 0; i < C; i++) {
        de[i] += d[i];
        dp[i] += d[i];
      }
    }
}

template <class F>
void layernorm_forward(F* out, F* mean, F* rstd, const F* inp, const F* w, const F* b, int N, int C) {
  const F eps = F(1e-5);
  parallel_for(N, double(N) * C, [&](int lo_, int hi_) {
    for (int n = lo_; n < hi_; n++) {
      const F* x = inp + std::size_t(n) * C;
      F m = 0;
      for (int i = 0; i < C; i++) m += x[i];
      m /= C;
      F v = 0;
      for (int i = 0; i < C; i++) v += (x[i] - m) * (x[i] - m);
      v /= C;
      F s = F(1) / std::sqrt(v + eps);
      F* o = out + std::size_t(n) * C;
      for (int i = 0; i < C; i++) o[i] = (x[i] - m) * s * w[i] + b[i];
      mean[n] = m;
      rstd[n] = s;
    }
  });
}

// With xhat = (x - mean) * rstd and g = dout * w:
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dw += dout * xhat,  db += dout.
template <class F>
void layernorm_backward(F* dinp, F* dw, F* db, const F* dout, const F* inp, const F* w, const F* mean, const F* rstd,
                        int N, int C) {
  parallel_for(N, double(N) * C, [&](int lo_, int hi_) {
    for (int n = lo_; n < hi_; n++) {
      const F* d = dout + std::size_t(n) * C;
      const F* x = inp + std::size_t(n) * C;
      F* dx = dinp + std::size_t(n) * C;
      F m = mean[n], s = rstd[n];
      F dnorm_mean = 0, dnorm_norm_mean = 0;
      for (int i = 0; i < C; i++) {
        F xhat = (x[i] - m) * s;
        F g = w[i] * d[i];
        dnorm_mean += g;
        dnorm_norm_mean += g * xhat;
      }
      dnorm_mean /= C;
      dnorm_norm_mean /= C;
      for (int i = 0; i < C; i++) {
        F xhat = (x[i] - m) * s;
        F g = w[i] * d[i];
        dx[i] += (g - dnorm_mean - xhat * dnorm_norm_mean) * s;
      }
    }
  });
  // Parameter gradients: each thread owns a range of columns and walks the rows in order.
  parallel_for(C, double(N) * C, [&](int lo_, int hi_) {
    for (int n = 0; n < N; n++) {
      const F* d = dout + std::size_t(n) * C;
      const F* x = inp + std::size_t(n) * C;
      for (int i = lo_; i < hi_; i++) {
        dw[i] += d[i] * (x[i] - mean[n]) * rstd[n];
        db[i] += d[i];
      }
    }
  });
}

template <class F>
void matmul_forward(F* out, const F* inp, const F* w, const F* bias, int N, int C, int OC) {
  gemm<F>(false, true, N, OC, C, F(1), inp, C, w, C, F(0), out, OC);
  if (!bias) return;
  parallel_for(N, double(N) * OC, [&](int lo_, int hi_) {
    for (int n = lo_; n < hi_; n++)
      for (int o = 0; o < OC; o++) out[std::size_t(n) * OC + o] += bias[o];
  });
}

// dinp += dout · w;  dw += dout^T · inp;  dbias += column sums of dout.
template <class F>
void matmul_backward(F* dinp, F* dw, F* dbias, const F* dout, const F* inp, const F* w, int N, int C, int OC) {
  gemm<F>(false, false, N, C, OC, F(1), dout, OC, w, C, F(1), dinp, C);
  gemm<F>(true, false, OC, C, N, F(1), dout, OC, inp, C, F(1), dw, C);
  if (!dbias) return;
  // Each thread owns a range of columns and walks the rows in order (row-major friendly).
  parallel_for(OC, double(N) * OC, [&](int lo_, int hi_) {
    for (int n = 0; n < N; n++) {
      const F* d = dout + std::size_t(n) * OC;
      for (int o = lo_; o < hi_; o++) dbias[o] += d[o];
    }
  });
}

// Per (batch, head), as matrix multiplies on strided views of inp (row stride 3C):
//   preatt = Q K^T / sqrt(hs)  [T, T];  att = causal softmax over each row;  out = att V  [T, hs].
// The full T x T product is computed and the upper triangle masked: twice the FLOPs of the causal
// half, but BLAS runs them several times faster than scalar loops (attention was a quarter of
// the training time as loops, measured).
template <class F>
void attention_forward(F* out, F* preatt, F* att, const F* inp, int B, int T, int C, int NH) {
  const int C3 = 3 * C, hs = C / NH;
  const F scale = F(1) / std::sqrt(F(hs));
  parallel_for(B * NH, double(B) * NH * T * T * hs, [&](int lo_, int hi_) {
    for (int i_ = lo_; i_ < hi_; i_++) {
      const int b = i_ / NH, h = i_ % NH;
      const F* q = inp + std::size_t(b) * T * C3 + h * hs;
      const F* k = q + C;
      const F* v = q + 2 * C;
      F* pre = preatt + std::size_t(i_) * T * T;
      F* a = att + std::size_t(i_) * T * T;
      blas_gemm(false, true, T, T, hs, scale, q, C3, k, C3, F(0), pre, T);
      for (int t = 0; t < T; t++) {
        const F* pr = pre + std::size_t(t) * T;
        F* ar = a + std::size_t(t) * T;
        F maxv = pr[0];
        for (int t2 = 1; t2 <= t; t2++) maxv = std::max(maxv, pr[t2]);
        F sum = 0;
        for (int t2 = 0; t2 <= t; t2++) sum += (ar[t2] = std::exp(pr[t2] - maxv));
        F inv = F(1) / sum;
        for (int t2 = 0; t2 <= t; t2++) ar[t2] *= inv;
        for (int t2 = t + 1; t2 < T; t2++) ar[t2] = 0;  // causal mask
      }
      blas_gemm(false, false, T, hs, T, F(1), a, T, v, C3, F(0), out + std::size_t(b) * T * C + h * hs, C);
    }
  });
}

// Backward through out = att V, att = softmax(preatt), preatt = Q K^T / sqrt(hs), per (b, h):
//   datt = dout V^T;  dV += att^T dout;  dpreatt = att * (datt - rowsum(att * datt));
//   dQ += dpreatt K / sqrt(hs);  dK += dpreatt^T Q / sqrt(hs).
// Heads write disjoint columns of dinp, so (b, h) pairs run in parallel without conflicts.
template <class F>
void attention_backward(F* dinp, F* dpreatt, F* datt, const F* dout, const F* inp, const F* att, int B, int T, int C,
                        int NH) {
  const int C3 = 3 * C, hs = C / NH;
  const F scale = F(1) / std::sqrt(F(hs));
  parallel_for(B * NH, double(B) * NH * T * T * hs, [&](int lo_, int hi_) {
    for (int i_ = lo_; i_ < hi_; i_++) {
      const int b = i_ / NH, h = i_ % NH;
      const F* q = inp + std::size_t(b) * T * C3 + h * hs;
      const F* k = q + C;
      const F* v = q + 2 * C;
      F* dq = dinp + std::size_t(b) * T * C3 + h * hs;
      F* dk = dq + C;
      F* dv = dq + 2 * C;
      const F* d = dout + std::size_t(b) * T * C + h * hs;
      const F* a = att + std::size_t(i_) * T * T;
      F* da = datt + std::size_t(i_) * T * T;
      F* dpre = dpreatt + std::size_t(i_) * T * T;
      blas_gemm(false, true, T, T, hs, F(1), d, C, v, C3, F(0), da, T);
      blas_gemm(true, false, T, hs, T, F(1), a, T, d, C, F(1), dv, C3);
      for (int t = 0; t < T; t++) {
        const F* ar = a + std::size_t(t) * T;
        const F* dar = da + std::size_t(t) * T;
        F* dp = dpre + std::size_t(t) * T;
        F dot = 0;
        for (int t2 = 0; t2 <= t; t2++) dot += ar[t2] * dar[t2];
        for (int t2 = 0; t2 <= t; t2++) dp[t2] = ar[t2] * (dar[t2] - dot);
        for (int t2 = t + 1; t2 < T; t2++) dp[t2] = 0;
      }
      blas_gemm(false, false, T, hs, T, scale, dpre, T, k, C3, F(1), dq, C3);
      blas_gemm(true, false, T, hs, T, scale, dpre, T, q, C3, F(1), dk, C3);
    }
  });
}

// Written with the logistic function, 0.5 (1 + tanh u) = sigma(2u), because exp is several
// times faster than libm's tanhf, which made GELU half of all training time (measured).
template <class F>
void gelu_forward(F* out, const F* inp, int N) {
  const F s = std::sqrt(F(2) / F(M_PI));
  parallel_for(N, 8.0 * N, [&](int lo_, int hi_) {
    for (int i = lo_; i < hi_; i++) {
      F x = inp[i];
      F u = s * (x + F(0.044715) * x * x * x);
      out[i] = x / (F(1) + std::exp(F(-2) * u));
    }
  });
}

// d/dx of x sigma(2u), u = s (x + 0.044715 x^3):  sigma + 2 x sigma (1 - sigma) du/dx
// (the same as 0.5 (1 + tanh u) + 0.5 x sech^2(u) du/dx). sigma is recovered from the forward
// output as out / x (to ~2 ulp) rather than by another exp, which cost 5% of training time.
template <class F>
void gelu_backward(F* dinp, const F* inp, const F* out, const F* dout, int N) {
  const F s = std::sqrt(F(2) / F(M_PI));
  parallel_for(N, 4.0 * N, [&](int lo_, int hi_) {
    for (int i = lo_; i < hi_; i++) {
      F x = inp[i];
      F sig = std::abs(x) > F(1e-20) ? out[i] / x : F(0.5);
      F du = s * (F(1) + F(3) * F(0.044715) * x * x);
      dinp[i] += (sig + F(2) * x * sig * (F(1) - sig) * du) * dout[i];
    }
  });
}

template <class F>
void residual_forward(F* out, const F* a, const F* b, int N) {
  parallel_for(N, double(N), [&](int lo_, int hi_) {
    for (int i = lo_; i < hi_; i++) out[i] = a[i] + b[i];
  });
}

template <class F>
void residual_backward(F* da, F* db, const F* dout, int N) {
  parallel_for(N, double(N), [&](int lo_, int hi_) {
    for (int i = lo_; i < hi_; i++) {
      da[i] += dout[i];
      db[i] += dout[i];
    }
  });
}

template <class F>
void softmax_forward(F* probs, const F* logits, int N, int V) {
  parallel_for(N, 4.0 * N * V, [&](int lo_, int hi_) {
    for (int n = lo_; n < hi_; n++) {
      const F* l = logits + std::size_t(n) * V;
      F* p = probs + std::size_t(n) * V;
      F maxv = l[0];
      for (int i = 1; i < V; i++) maxv = std::max(maxv, l[i]);
      F sum = 0;
      for (int i = 0; i < V; i++) {
        p[i] = std::exp(l[i] - maxv);
        sum += p[i];
      }
      for (int i = 0; i < V; i++) p[i] /= sum;
    }
  });
}

template <class F>
void crossentropy_forward(F* losses, const F* probs, const int* targets, int N, int V) {
  for (int n = 0; n < N; n++) losses[n] = -std::log(std::max(probs[std::size_t(n) * V + targets[n]], F(1e-30)));
}

template <class F>
void crossentropy_softmax_backward(F* dlogits, const F* probs, const int* targets, F dloss, int N, int V) {
  parallel_for(N, double(N) * V, [&](int lo_, int hi_) {
    for (int n = lo_; n < hi_; n++) {
      F* d = dlogits + std::size_t(n) * V;
      const F* p = probs + std::size_t(n) * V;
      for (int i = 0; i < V; i++) d[i] += (p[i] - (i == targets[n] ? F(1) : F(0))) * dloss;
    }
  });
}

#define T2_INSTANTIATE(F)                                                                                      \
  template void encoder_forward<F>(F*, const int*, const F*, const F*, int, int, int);                         \
  template void encoder_backward<F>(F*, F*, const F*, const int*, int, int, int);                              \
  template void layernorm_forward<F>(F*, F*, F*, const F*, const F*, const F*, int, int);                      \
  template void layernorm_backward<F>(F*, F*, F*, const F*, const F*, const F*, const F*, const F*, int, int); \
  template void matmul_forward<F>(F*, const F*, const F*, const F*, int, int, int);                            \
  template void matmul_backward<F>(F*, F*, F*, const F*, const F*, const F*, int, int, int);                   \
  template void attention_forward<F>(F*, F*, F*, const F*, int, int, int, int);                                \
  template void attention_backward<F>(F*, F*, F*, const F*, const F*, const F*, int, int, int, int);           \
  template void gelu_forward<F>(F*, const F*, int);                                                            \
  template void gelu_backward<F>(F*, const F*, const F*, const F*, int);                                       \
  template void residual_forward<F>(F*, const F*, const F*, int);                                              \
  template void residual_backward<F>(F*, F*, const F*, int);                                                   \
  template void softmax_forward<F>(F*, const F*, int, int);                                                    \
  template void crossentropy_forward<F>(F*, const F*, const int*, int, int);                                   \
  template void crossentropy_softmax_backward<F>(F*, const F*, const int*, F, int, int);

T2_INSTANTIATE(float)
T2_INSTANTIATE(double)

}  // namespace t2::builtin

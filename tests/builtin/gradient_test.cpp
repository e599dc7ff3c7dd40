// gradient_test.cpp — every layer's backward pass, and the whole model's, against central finite
// differences, in the double-precision build of the kernels. Tolerance: max |analytic - numeric|
// <= 1e-6 * max(1, |numeric|) with step 1e-6 (double differences are accurate to ~1e-9 here).
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "workers/builtin/layers.hpp"
#include "workers/builtin/model.hpp"
#include "workers/builtin/parallel.hpp"

using namespace t2::builtin;
using Vec = std::vector<double>;

namespace {

Vec random_vec(std::size_t n, std::mt19937_64& rng, double scale = 1.0) {
  std::normal_distribution<double> d(0, scale);
  Vec v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Largest |analytic - numeric| / max(1, |numeric|) over x, for the scalar function f(x).
double max_error(Vec& x, const Vec& analytic, const std::function<double()>& f) {
  const double h = 1e-6;
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double keep = x[i];
    x[i] = keep + h;
    double up = f();
    x[i] = keep - h;
    double down = f();
    x[i] = keep;
    double numeric = (up - down) / (2 * h);
    worst = std::max(worst, std::abs(analytic[i] - numeric) / std::max(1.0, std::abs(numeric)));
  }
  return worst;
}

constexpr double kTol = 1e-6;

}  // namespace

TEST_CASE("every layer's backward pass matches finite differences") {
  set_threads(2);
  std::mt19937_64 rng(3);
  const int B = 2, T = 5, C = 8, NH = 2, N = B * T, OC = 6, V = 7;

  SECTION("encoder") {
    std::vector<int> tok = {1, 3, 0, 6, 2, 2, 5, 4, 1, 0};
    Vec wte = random_vec(V * C, rng), wpe = random_vec(T * C, rng), r = random_vec(N * C, rng), out(N * C);
    auto f = [&] {
      encoder_forward(out.data(), tok.data(), wte.data(), wpe.data(), B, T, C);
      return dot(out, r);
    };
    Vec dwte(V * C, 0), dwpe(T * C, 0);
    encoder_backward(dwte.data(), dwpe.data(), r.data(), tok.data(), B, T, C);
    CHECK(max_error(wte, dwte, f) < kTol);
    CHECK(max_error(wpe, dwpe, f) < kTol);
  }
  SECTION("layernorm") {
    Vec x = random_vec(N * C, rng), w = random_vec(C, rng), b = random_vec(C, rng), r = random_vec(N * C, rng);
    Vec out(N * C), mean(N), rstd(N);
    auto f = [&] {
      layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), N, C);
      return dot(out, r);
    };
    f();
    Vec dx(N * C, 0), dw(C, 0), db(C, 0);
    layernorm_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), mean.data(), rstd.data(), N, C);
    CHECK(max_error(x, dx, f) < kTol);
    CHECK(max_error(w, dw, f) < kTol);
    CHECK(max_error(b, db, f) < kTol);
  }
  SECTION("matmul with bias") {
    Vec x = random_vec(N * C, rng), w = random_vec(OC * C, rng), b = random_vec(OC, rng), r = random_vec(N * OC, rng);
    Vec out(N * OC);
    auto f = [&] {
      matmul_forward(out.data(), x.data(), w.data(), b.data(), N, C, OC);
      return dot(out, r);
    };
    Vec dx(N * C, 0), dw(OC * C, 0), db(OC, 0);
    matmul_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), N, C, OC);
    CHECK(max_error(x, dx, f) < kTol);
    CHECK(max_error(w, dw, f) < kTol);
    CHECK(max_error(b, db, f) < kTol);
  }
  SECTION("causal multi-head attention") {
    Vec qkv = random_vec(N * 3 * C, rng), r = random_vec(N * C, rng);
    Vec out(N * C), pre(B * NH * T * T), att(B * NH * T * T);
    auto f = [&] {
      attention_forward(out.data(), pre.data(), att.data(), qkv.data(), B, T, C, NH);
      return dot(out, r);
    };
    f();
    Vec dqkv(N * 3 * C, 0), dpre(B * NH * T * T), datt(B * NH * T * T);
    attention_backward(dqkv.data(), dpre.data(), datt.data(), r.data(), qkv.data(), att.data(), B, T, C, NH);
    CHECK(max_error(qkv, dqkv, f) < kTol);
  }
  SECTION("gelu") {
    Vec x = random_vec(N * C, rng, 2.0), r = random_vec(N * C, rng), out(N * C);
    auto f = [&] {
      gelu_forward(out.data(), x.data(), N * C);
      return dot(out, r);
    };
    f();
    Vec dx(N * C, 0);
    gelu_backward(dx.data(), x.data(), out.data(), r.data(), N * C);
    CHECK(max_error(x, dx, f) < kTol);
  }
  SECTION("residual") {
    Vec a = random_vec(N * C, rng), b = random_vec(N * C, rng), r = random_vec(N * C, rng), out(N * C);
    auto f = [&] {
      residual_forward(out.data(), a.data(), b.data(), N * C);
      return dot(out, r);
    };
    Vec da(N * C, 0), db(N * C, 0);
    residual_backward(da.data(), db.data(), r.data(), N * C);
    CHECK(max_error(a, da, f) < kTol);
    CHECK(max_error(b, db, f) < kTol);
  }
  SECTION("softmax and cross-entropy (mean over rows)") {
    std::vector<int> targets = {0, 6, 3, 2, 2, 1, 5, 4, 0, 3};
    Vec logits = random_vec(N * V, rng), probs(N * V), losses(N);
    auto f = [&] {
      softmax_forward(probs.data(), logits.data(), N, V);
      crossentropy_forward(losses.data(), probs.data(), targets.data(), N, V);
      double s = 0;
      for (double l : losses) s += l;
      return s / N;
    };
    f();
    Vec dlogits(N * V, 0);
    crossentropy_softmax_backward(dlogits.data(), probs.data(), targets.data(), 1.0 / N, N, V);
    CHECK(max_error(logits, dlogits, f) < kTol);
  }
}

TEST_CASE("the whole model's gradient matches finite differences for every parameter") {
  set_threads(2);
  ModelShape shape{11, 6, 2, 8, 2};
  Transformer<double> model(shape, 2);
  model.init(5);
  // Larger weights than GPT-2's 0.02 so that every path carries a visible gradient.
  std::mt19937_64 rng(9);
  std::normal_distribution<double> d(0, 0.3);
  for (auto& p : model.params) p += d(rng);
  std::vector<int> tokens = {1, 4, 9, 0, 3, 3, 10, 2, 5, 7, 1, 8};
  std::vector<int> targets = {4, 9, 0, 3, 3, 10, 2, 5, 7, 1, 8, 6};
  model.forward(tokens.data(), targets.data(), 2, 6);
  model.zero_grad();
  model.backward();
  Vec analytic = model.grads;
  auto f = [&] { return double(model.forward(tokens.data(), targets.data(), 2, 6)); };
  CHECK(max_error(model.params, analytic, f) < kTol);
  // A shorter sequence than the buffers (as evaluation uses) gives correct gradients too.
  model.forward(tokens.data(), targets.data(), 2, 4);
  model.zero_grad();
  model.backward();
  analytic = model.grads;
  auto f4 = [&] { return double(model.forward(tokens.data(), targets.data(), 2, 4)); };
  CHECK(max_error(model.params, analytic, f4) < kTol);
}

TEST_CASE("the size ladder hits the requested N within 10% from 1e4 to 1e7") {
  for (double n : {1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7}) {
    for (ParamCount c : {ParamCount::total, ParamCount::non_embedding}) {
      ModelShape s = shape_for_params(n, c, 128, 128);
      INFO(n << " -> " << s.describe());
      CHECK(std::abs(double(count_params(s, c)) / n - 1) < 0.1);
      CHECK(s.d_model % s.heads == 0);
    }
  }
  ModelShape s = shape_for_params(1e6, ParamCount::total, 128, 128);
  CHECK(s.params_total() == s.params_non_embedding() + std::size_t(128 + 128) * s.d_model);
}

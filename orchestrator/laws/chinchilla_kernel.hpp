// chinchilla_kernel.hpp — internal to t2_laws: the Approach-3 objective's inner loop, in its own
// file because it is compiled with -ffast-math so that exp/log vectorise (glibc libmvec, AVX2 clone
// where the CPU has it). Callers guarantee finite inputs with every exponent argument in
// [-700, 700], so no inf or NaN can arise inside (fast-math assumes none).
#pragma once

#include <cstddef>

namespace t2::detail {

// sum_i w_i Huber_delta(log(e^{a - alpha x_i} + e^{b - beta y_i} + e^e) - ll_i); gradient in
// (a, b, e, alpha, beta) into grad when non-null. p = (a, b, e, alpha, beta).
double huber_lse(const double* x, const double* y, const double* ll, const double* w, std::size_t n,
                 const double* p, double delta, double* grad);

}  // namespace t2::detail

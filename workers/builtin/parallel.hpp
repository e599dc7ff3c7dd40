// parallel.hpp — the trainer's one thread pool: parallel_for over an index range, split into
// one contiguous chunk per thread. Idle threads sleep on a condition variable instead of
// spinning: OpenMP's spinning workers made 2-thread training 5x slower than 1 thread on the
// shared 2-core machine (measured), and they fought OpenBLAS's own pool. OpenBLAS is kept
// single-threaded and called from inside the chunks. Knows nothing of the model.
#pragma once

#include <functional>

namespace t2::builtin {

// Threads used by parallel_for from now on (n >= 1; 1 = run inline). Not thread-safe: call it
// between jobs, not while a parallel_for runs.
void set_threads(int n);
int threads();
// Number of cores the process may use (at least 1).
int available_cores();

// Calls fn(begin, end) on disjoint chunks covering [0, n); returns when all are done. Chunks
// are contiguous and computed by one thread each, so per-element results do not depend on the
// thread count. `work` is the loop's rough cost in scalar operations: below kMinParallelWork the
// loop runs inline as fn(0, n), because waking the pool costs more (sampling a 100k-parameter
// model ran 4x slower on 2 threads than on 1 without this, measured). Not reentrant.
constexpr double kMinParallelWork = 1 << 16;
void parallel_for(int n, double work, const std::function<void(int begin, int end)>& fn);

}  // namespace t2::builtin

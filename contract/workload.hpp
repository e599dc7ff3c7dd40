// workload.hpp — the interface every backend implements (synthetic, builtin, exec).
// A Workload runs one job at a time on the calling rank and either returns its result or
// throws JobFailure. It knows nothing of MPI, scheduling or the store.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "contract/job.hpp"

namespace t2 {

// Set by the worker loop when the coordinator asks a running job to stop (shutdown past the
// grace deadline). Long-running backends poll it and throw JobFailure(cancelled, ...).
using CancelFlag = std::atomic<bool>;

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;
  virtual TrainResult train(const TrainSpec& spec, const CancelFlag& cancel) = 0;
  virtual EvalResult evaluate(const EvalSpec& spec, const CancelFlag& cancel) = 0;
  // True when every job finishes in microseconds and never needs cancelling (the synthetic
  // backend without simulated duration): the worker then runs jobs on its messaging thread
  // instead of handing them to a job thread, which is what keeps dispatch near MPI speed.
  virtual bool quick() const { return false; }
};

}  // namespace t2

// simulation.hpp — runs a Design against a Workload in this process, batch after batch, the
// way the coordinator would (each plan sees only batches < b - lag), with no MPI and no store
// file. For tests and bench/design; the real sweep is orchestrator/sweep's coordinator.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "orchestrator/design/design.hpp"
#include "contract/workload.hpp"

namespace t2 {

struct SimulationResult {
  StoreContents contents;       // every run and eval, done (or failed if the workload threw),
                                // with BatchRecords and one "design" document per batch
  double flops = 0;             // FLOPs the workload reported (training + evals)
  std::uint32_t batches = 0;    // batches run
  std::string stop_reason;      // empty when max_batches ended the loop
};

// After each batch: the contents so far and the FLOPs spent; return false to stop early.
using BatchObserver = std::function<bool(const StoreContents&, double flops)>;

SimulationResult simulate_sweep(const SweepConfig& config, Design& design, Workload& workload,
                                std::uint32_t max_batches, const BatchObserver& after_batch = {});

}  // namespace t2

// coordinator.hpp — rank 0's loop: plans batches through the Design (refits run in a
// background thread), dispatches ready jobs to idle workers, records every event in the
// Store (a result is done once committed), retries failed attempts up to max_attempts, prints
// progress, and on USR1/TERM/INT stops in order: no new dispatch, running jobs may finish
// until shutdown_grace, then they are cancelled, the store is flushed, exit code 3.
//
// Job states: pending -> running -> done | failed; running -> pending on a retried failure
// or a cancelled attempt (its attempt given back); evals of a run that failed for good fail too.
#pragma once

#include <iosfwd>
#include <string>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/sweep/transport.hpp"

namespace t2 {

struct SweepOutcome {
  enum class End { finished, interrupted } end = End::finished;
  std::string reason;            // why it ended, one line
  std::size_t failed_jobs = 0;   // jobs failed for good
};

SweepOutcome run_coordinator(const SweepConfig& config, Store& store, Design& design, Transport& transport,
                             std::ostream& log);

}  // namespace t2

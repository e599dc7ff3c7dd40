// coordinator.hpp — rank 0's loop: plans batches through the Design (refits run in a
// background thread), dispatches ready jobs to idle workers, records every event in the
// Store (a result is done once committed), retries failed attempts up to max_attempts, prints
// progress, and on USR1/TERM/INT stops in order: no new dispatch, running jobs may finish
// until shutdown_grace, then they are cancelled, the store is flushed, exit code 3.
//
// Job states: pending -> running -> done | failed; running -> pending on a retried failure
// or a cancelled attempt (its attempt given back); evals of a run that failed for good fail too.
// Attempts count against max_attempts except those cancelled by a shutdown and those lost when
// a coordinator died while they ran (counted apart; a job lost kLostLimitFactor x max_attempts
// times fails as `lost`: it may be what takes its rank down). A bad_result (NaN loss, missing
// field) is deterministic and fails for good at once unless sweep.retry_bad_result.
//
// Stops (signals.hpp): 1st USR1/TERM/INT, no new dispatch and running jobs may finish within
// shutdown_grace, then they are cancelled; 2nd, they are cancelled now; 3rd (or 30 s after the
// cancel), the coordinator leaves at once and records the unanswered jobs as cancelled.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/sweep/retry.hpp"
#include "orchestrator/sweep/transport.hpp"

namespace t2 {

// A job lost this many times max_attempts fails for good as `lost`.
inline constexpr std::uint32_t kLostLimitFactor = 10;

struct SweepOutcome {
  enum class End { finished, interrupted } end = End::finished;
  std::string reason;            // why it ended, one line
  std::size_t failed_jobs = 0;   // jobs failed for good (this session)
};

struct CoordinatorOptions {
  // Jobs a worker may hold at once. 1 (the default) is right for real jobs: a job never waits at
  // a busy worker while another is idle. Jobs that take microseconds (Workload::quick()) are
  // pipelined with a few per worker, so dispatch is not bound by one message round trip per job.
  std::uint32_t prefetch = 1;
  // `t2 run --retry-failed`: before anything runs, jobs failed for good of these classes (empty:
  // all) get a fresh attempt budget (sweep/retry.hpp). Unset: failed jobs stay failed.
  std::optional<RetryClasses> retry_failed;
};

SweepOutcome run_coordinator(const SweepConfig& config, Store& store, Design& design, Transport& transport,
                             std::ostream& log, const CoordinatorOptions& options = {});

}  // namespace t2

// summary.hpp — what a sweep has done so far, computed from a store's contents: jobs by
// state, batches, FLOPs, throughput, failures and why, worker idle fraction. Shared by the
// coordinator's progress lines and `t2 status`, so both say the same thing.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/store/records.hpp"

namespace t2 {

struct StateCounts {
  std::size_t pending = 0, running = 0, done = 0, failed = 0;
  std::size_t total() const { return pending + running + done + failed; }
};

struct FailureLine {
  JobKind kind;
  JobIndex index;
  FailureClass cls;
  std::string reason;
  std::uint32_t attempts;
  bool final;  // failed for good (else: retried or retrying)
  bool done;   // it succeeded on a later attempt
  std::uint32_t lost = 0;     // attempts lost to a coordinator's death (not counted)
  std::uint32_t retries = 0;  // times put back by --retry-failed
};

// A job running now (from its job_started record), for `t2 status` on a live store.
struct RunningLine {
  JobKind kind;
  JobIndex index;
  std::uint32_t attempt = 0;
  std::int32_t rank = -1;
  std::string host;
  double started_at = 0;      // unix time
  double elapsed = 0;         // seconds, at `now`
  double flops = 0;           // planned
  std::string log;            // filled by the caller that can look at the run directory ("" = unknown)
};

// One batch of the design's history (from its "design" document).
struct BatchLine {
  std::uint32_t batch = 0;
  std::string mode;            // initial, space_filling, acquisition, grid, ... ("" if not said)
  std::size_t runs = 0;        // runs planned in the batch
  double n_star = 0, n_lo = 0, n_hi = 0;  // the planned optimum and its interval, if the design fitted
  bool stop = false;
  std::string reason;
};

struct SweepSummary {
  StateCounts train, eval;
  std::size_t batches = 0;
  double flops_done = 0;       // training + eval FLOPs of done jobs
  double flops_planned = 0;    // of every planned job
  std::size_t retried = 0;     // failed attempts that were retried
  std::size_t lost_attempts = 0;  // attempts lost when a coordinator died (never counted as failures)
  std::size_t retry_rounds = 0;   // jobs put back by --retry-failed, summed over jobs
  std::vector<RunningLine> running;
  std::vector<FailureLine> failures;
  std::vector<BatchLine> history;
  std::size_t sessions = 0;    // coordinator runs (1 + resumes)
  double run_seconds = 0;      // wall time of all finished sessions
  double idle_fraction = -1;   // worker idle fraction over finished sessions (-1 = unknown)
  std::string last_stop;       // why the last session ended
  std::string design_stop;     // why the design stopped planning, if it did
  bool live = false;           // the last session has not ended
  // The live session (live == true): when it started, its workers, and what it has done since.
  double session_started = 0;  // unix time
  int session_workers = 0;
  double session_flops = 0;    // FLOPs of jobs finished in the live session
  std::size_t session_jobs = 0;  // how many jobs those are
  double live_flops_rate = 0;  // session_flops / (now - session_started); 0 = unknown
  double eta_seconds = -1;     // remaining planned FLOPs / live_flops_rate; -1 = unknown
  // Makespan against its lower bound (a sweep with nothing pending or running): the sessions'
  // wall time vs max(measured job seconds / workers, the longest train + its longest eval).
  double makespan = -1;        // seconds; -1 = not finished or unknown
  double makespan_bound = -1;
  int workers = 0;             // of the last session
  std::string coordinator;     // who holds the store's lock ("pid 12 on host vm since ..."), if known
};

// `now` (unix seconds; 0 = no live figures) dates running jobs and the live rate. `store` names the
// store in the DocumentError a malformed session or design document throws.
SweepSummary summarize(const StoreContents& contents, double now = 0, const std::string& store = "");
// Multi-line human summary for `t2 status`.
std::string render_status(const SweepSummary& s, const std::string& store_path);
// The same as JSON (`t2 status --json`).
std::string render_status_json(const SweepSummary& s);

}  // namespace t2

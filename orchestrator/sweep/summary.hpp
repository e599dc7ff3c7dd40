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
  std::vector<FailureLine> failures;
  std::vector<BatchLine> history;
  std::size_t sessions = 0;    // coordinator runs (1 + resumes)
  double run_seconds = 0;      // wall time of all finished sessions
  double idle_fraction = -1;   // worker idle fraction over finished sessions (-1 = unknown)
  std::string last_stop;       // why the last session ended
  std::string design_stop;     // why the design stopped planning, if it did
  bool live = false;           // the last session has not ended
};

SweepSummary summarize(const StoreContents& contents);
// Multi-line human summary for `t2 status`.
std::string render_status(const SweepSummary& s, const std::string& store_path);
// The same as JSON (`t2 status --json`).
std::string render_status_json(const SweepSummary& s);

}  // namespace t2

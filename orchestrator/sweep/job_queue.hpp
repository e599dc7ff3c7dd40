// job_queue.hpp — which jobs are ready to dispatch, derived from the store's contents:
// pending training jobs, and pending eval jobs whose training job is done (train -> eval is
// the only dependency). Evals go first: they complete results the next refit needs and free
// checkpoints. Pure bookkeeping: no MPI, no I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "orchestrator/store/records.hpp"

namespace t2 {

struct JobRef {
  JobKind kind = JobKind::train;
  JobIndex index = 0;
  bool operator==(const JobRef&) const = default;
};

class JobQueue {
 public:
  // Rebuilds from scratch: every pending train, every pending eval whose run is done.
  void rebuild(const StoreContents& contents);
  // Adds the jobs of a newly planned batch (their trains are ready at once).
  void add_batch(const StoreContents& contents, const BatchRecord& batch);
  // A training job finished: its pending evals become ready.
  void train_done(const StoreContents& contents, JobIndex run);
  // A failed attempt that will be retried goes to the back of its queue.
  void retry(JobRef job);
  std::optional<JobRef> pop();
  std::size_t size() const { return evals_.size() + trains_.size(); }
  // The eval jobs that depend on a run (for failing them when the run fails for good).
  const std::vector<JobIndex>& evals_of(JobIndex run) const;

 private:
  void index_evals(const StoreContents& contents, JobIndex from);
  std::deque<JobIndex> trains_, evals_;
  std::vector<std::vector<JobIndex>> evals_of_run_;
};

}  // namespace t2

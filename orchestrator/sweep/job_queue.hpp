// job_queue.hpp — which jobs are ready to dispatch, derived from the store's contents:
// pending training jobs, and pending eval jobs whose training job is done (train -> eval is
// the only dependency), and in which order they go. Pure bookkeeping: no MPI, no I/O.
//
// Order: the ready job with the most work first (list scheduling by critical path, HLFET),
// where a training job's work is its own FLOPs plus those of its largest eval (what must run
// after it), and an eval's is its own. Largest-first keeps the big runs out of the sweep's
// tail, where one worker would run them while the others wait (issue 11 item 9/10). With
// `older_batches_first` (designs that plan from finished batches only) a job of an older batch
// still goes before any job of a newer one, so the results the next plan waits for come first.
// Ties: the older batch, then the lower index, so the order is deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

struct JobRef {
  JobKind kind = JobKind::train;
  JobIndex index = 0;
  bool operator==(const JobRef&) const = default;
};

// What the queue needs of the cost model (config: [eval] tokens_per_sample; paper §1:
// training 6ND, one eval 2N * T * k * P).
struct QueueCosts {
  double tokens_per_sample = kDefaultTokensPerSample;
  bool older_batches_first = false;
};

// The FLOPs a job is planned at (a done job: what it measured).
double planned_train_flops(const RunRecord& run);
double planned_eval_flops(const StoreContents& contents, const EvalRecord& eval, double tokens_per_sample);

class JobQueue {
 public:
  explicit JobQueue(QueueCosts costs = {}) : costs_(costs) {}
  // Rebuilds from scratch: every pending train, every pending eval whose run is done.
  void rebuild(const StoreContents& contents);
  // Adds the jobs of a newly planned batch (their trains are ready at once).
  void add_batch(const StoreContents& contents, const BatchRecord& batch);
  // A training job finished: its pending evals become ready.
  void train_done(const StoreContents& contents, JobIndex run);
  // A failed attempt that will be retried is ready again (in its place by work).
  void retry(const StoreContents& contents, JobRef job);
  std::optional<JobRef> pop();
  std::size_t size() const { return ready_.size(); }
  // The eval jobs that depend on a run (for failing them when the run fails for good).
  const std::vector<JobIndex>& evals_of(JobIndex run) const;
  // The dispatch priority of a job: FLOPs of the job and of the longest chain after it.
  double work(const StoreContents& contents, JobRef job) const;

 private:
  struct Entry {
    std::uint32_t batch_key;  // the batch when older_batches_first, else 0
    double work;
    std::uint32_t batch;
    JobKind kind;
    JobIndex index;
    bool operator<(const Entry& o) const;
  };
  void push(const StoreContents& contents, JobRef job);
  void index_evals(const StoreContents& contents, JobIndex from);
  QueueCosts costs_;
  std::set<Entry> ready_;
  std::vector<std::vector<JobIndex>> evals_of_run_;
};

}  // namespace t2

// job_queue.cpp — see job_queue.hpp.
#include "orchestrator/sweep/job_queue.hpp"

namespace t2 {

void JobQueue::index_evals(const StoreContents& c, JobIndex from) {
  evals_of_run_.resize(c.runs.size());
  for (JobIndex i = from; i < c.evals.size(); ++i) evals_of_run_.at(c.evals[i].plan.run).push_back(i);
}

void JobQueue::rebuild(const StoreContents& c) {
  trains_.clear();
  evals_.clear();
  evals_of_run_.assign(c.runs.size(), {});
  index_evals(c, 0);
  for (auto& r : c.runs)
    if (r.state == JobState::pending) trains_.push_back(r.index);
  for (auto& e : c.evals)
    if (e.state == JobState::pending && c.runs.at(e.plan.run).state == JobState::done) evals_.push_back(e.index);
}

void JobQueue::add_batch(const StoreContents& c, const BatchRecord& b) {
  index_evals(c, b.first_eval);
  for (JobIndex i = b.first_run; i < b.first_run + b.n_runs; ++i) trains_.push_back(i);
}

void JobQueue::train_done(const StoreContents& c, JobIndex run) {
  for (JobIndex e : evals_of(run))
    if (c.evals[e].state == JobState::pending) evals_.push_back(e);
}

void JobQueue::retry(JobRef job) { (job.kind == JobKind::train ? trains_ : evals_).push_back(job.index); }

std::optional<JobRef> JobQueue::pop() {
  if (!evals_.empty()) {
    JobRef r{JobKind::eval, evals_.front()};
    evals_.pop_front();
    return r;
  }
  if (!trains_.empty()) {
    JobRef r{JobKind::train, trains_.front()};
    trains_.pop_front();
    return r;
  }
  return std::nullopt;
}

const std::vector<JobIndex>& JobQueue::evals_of(JobIndex run) const {
  static const std::vector<JobIndex> none;
  return run < evals_of_run_.size() ? evals_of_run_[run] : none;
}

}  // namespace t2

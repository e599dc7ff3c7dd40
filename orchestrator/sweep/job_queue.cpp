// job_queue.cpp — see job_queue.hpp.
#include "orchestrator/sweep/job_queue.hpp"

#include <algorithm>
#include <tuple>

namespace t2 {

double planned_train_flops(const RunRecord& run) {
  if (run.state == JobState::done && run.result.flops > 0) return run.result.flops;
  return 6.0 * run.plan.n_params * run.plan.n_tokens;
}

double planned_eval_flops(const StoreContents& c, const EvalRecord& e, double tokens_per_sample) {
  if (e.state == JobState::done && e.result.flops > 0) return e.result.flops;
  double n = c.runs.at(e.plan.run).plan.n_params;
  return 2.0 * n * tokens_per_sample * static_cast<double>(e.plan.samples) * static_cast<double>(e.plan.problems);
}

bool JobQueue::Entry::operator<(const Entry& o) const {
  // Most work first; then the older batch, evals before trains, the lower index.
  return std::make_tuple(batch_key, -work, batch, static_cast<int>(kind) == 0, index) <
         std::make_tuple(o.batch_key, -o.work, o.batch, static_cast<int>(o.kind) == 0, o.index);
}

double JobQueue::work(const StoreContents& c, JobRef job) const {
  if (job.kind == JobKind::eval) return planned_eval_flops(c, c.evals.at(job.index), costs_.tokens_per_sample);
  double after = 0;
  for (JobIndex e : evals_of(job.index))
    after = std::max(after, planned_eval_flops(c, c.evals[e], costs_.tokens_per_sample));
  return planned_train_flops(c.runs.at(job.index)) + after;
}

void JobQueue::push(const StoreContents& c, JobRef job) {
  std::uint32_t batch = job.kind == JobKind::train ? c.runs.at(job.index).batch : c.evals.at(job.index).batch;
  ready_.insert({costs_.older_batches_first ? batch : 0u, work(c, job), batch, job.kind, job.index});
}

void JobQueue::index_evals(const StoreContents& c, JobIndex from) {
  evals_of_run_.resize(c.runs.size());
  for (JobIndex i = from; i < c.evals.size(); ++i) evals_of_run_.at(c.evals[i].plan.run).push_back(i);
}

void JobQueue::rebuild(const StoreContents& c) {
  ready_.clear();
  evals_of_run_.assign(c.runs.size(), {});
  index_evals(c, 0);
  for (auto& r : c.runs)
    if (r.state == JobState::pending) push(c, {JobKind::train, r.index});
  for (auto& e : c.evals)
    if (e.state == JobState::pending && c.runs.at(e.plan.run).state == JobState::done) push(c, {JobKind::eval, e.index});
}

void JobQueue::add_batch(const StoreContents& c, const BatchRecord& b) {
  index_evals(c, b.first_eval);
  for (JobIndex i = b.first_run; i < b.first_run + b.n_runs; ++i) push(c, {JobKind::train, i});
}

void JobQueue::train_done(const StoreContents& c, JobIndex run) {
  for (JobIndex e : evals_of(run))
    if (c.evals[e].state == JobState::pending) push(c, {JobKind::eval, e});
}

void JobQueue::retry(const StoreContents& c, JobRef job) { push(c, job); }

std::optional<JobRef> JobQueue::pop() {
  if (ready_.empty()) return std::nullopt;
  auto it = ready_.begin();
  JobRef r{it->kind, it->index};
  ready_.erase(it);
  return r;
}

const std::vector<JobIndex>& JobQueue::evals_of(JobIndex run) const {
  static const std::vector<JobIndex> none;
  return run < evals_of_run_.size() ? evals_of_run_[run] : none;
}

}  // namespace t2

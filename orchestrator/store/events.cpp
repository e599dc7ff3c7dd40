// events.cpp — the job state rules, one apply() per record type (see events.hpp).
#include "orchestrator/store/events.hpp"

#include <fmt/format.h>


namespace t2 {
namespace {

const char* table(JobKind k) { return k == JobKind::train ? "run" : "eval"; }

// The state of job `index` of `kind`, checked to exist.
template <class Rec>
Rec& job(std::vector<Rec>& rows, JobKind kind, JobIndex index, const char* event) {
  if (index >= rows.size())
    throw EventError(fmt::format("{} for {} {}, but only {} {}s are planned", event, table(kind), index,
                                 rows.size(), table(kind)));
  return rows[index];
}

void require_state(JobState s, std::initializer_list<JobState> allowed, JobKind kind, JobIndex index,
                   const char* event) {
  for (auto a : allowed)
    if (s == a) return;
  throw EventError(fmt::format("{} for {} {} which is {}{}", event, table(kind), index, to_string(s),
                               s == JobState::done ? " (no job is stored twice)" : ""));
}

template <class Rec>
void started(Rec& rec, JobKind kind, JobIndex index, JobMeta meta) {
  require_state(rec.state, {JobState::pending}, kind, index, "job_started");
  rec.state = JobState::running;
  rec.attempts += 1;
  rec.budget.charged += 1;
  rec.started = std::move(meta);
}

// A running job whose coordinator died (requeue_lost): pending again, its attempt not charged.
template <class Rec>
bool requeue_lost(Rec& rec) {
  if (rec.state != JobState::running) return false;
  rec.state = JobState::pending;
  rec.budget.lost += 1;
  if (rec.budget.charged > 0) rec.budget.charged -= 1;
  return true;
}

// `t2 run --retry-failed`: a job failed for good becomes pending with a fresh attempt budget;
// its attempt count, last failure and reason stay as history.
template <class Rec>
void retried(Rec& rec, JobKind kind, JobIndex index) {
  require_state(rec.state, {JobState::failed}, kind, index, "job_retry");
  rec.state = JobState::pending;
  rec.budget.charged = 0;
  rec.budget.retries += 1;
}

template <class Rec>
void failed(Rec& rec, JobKind kind, JobIndex index, FailureClass cls, std::string reason, const JobMeta& meta,
            bool final) {
  // A failure report can come for a job written off before it started (lost), so pending is allowed.
  require_state(rec.state, {JobState::running, JobState::pending}, kind, index, "job_failed");
  if (cls == FailureClass::cancelled && rec.attempts > 0) rec.attempts -= 1;
  if (cls == FailureClass::cancelled && rec.budget.charged > 0) rec.budget.charged -= 1;
  rec.state = final ? JobState::failed : JobState::pending;
  rec.failure = cls;
  rec.reason = std::move(reason);
  rec.meta = meta;
}

}  // namespace

void apply(StoreContents& c, const CreatedRecord& r, Dirty* dirty) {
  if (c.schema_version != 0) throw EventError("a second created record");
  if (r.schema_version == 0) throw EventError("created record with schema version 0");
  c.schema_version = r.schema_version; c.t2_version = r.t2_version;
  c.config_text = r.config_text; c.config_file = r.config_file;
  c.created_at = r.created_at;
  if (dirty) dirty->root = true;
}

namespace {
// Batch `b` of `c` plans exactly the jobs of `r`, at the same time: `r` is a copy of it.
bool same_batch(const StoreContents& c, const BatchRecord& b, const PlanBatchRecord& r) {
  if (b.planned_at != r.planned_at || b.n_runs != r.runs.size() || b.n_evals != r.evals.size()) return false;
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    auto &x = c.runs[b.first_run + i].plan, &y = r.runs[i];
    if (x.n_params != y.n_params || x.n_tokens != y.n_tokens || x.seed != y.seed || x.replicate != y.replicate)
      return false;
  }
  for (std::size_t i = 0; i < r.evals.size(); ++i) {
    auto &x = c.evals[b.first_eval + i].plan, &y = r.evals[i];
    if (x.task != y.task || x.problems != y.problems || x.samples != y.samples || x.seed != y.seed ||
        x.temperature != y.temperature || x.top_k != y.top_k || x.run != y.run)
      return false;
  }
  return true;
}
}  // namespace

void apply(StoreContents& c, const PlanBatchRecord& r, Dirty* dirty) {
  // The same batch twice (a duplicated record) would double the store and rerun every job. The
  // writer gives each batch a later planned_at than the one before (Store::plan_batch).
  for (const auto& b : c.batches)
    if (same_batch(c, b, r))
      throw EventError(fmt::format("plan_batch repeats batch {} (the same planned_at {} and the same {} runs and {} "
                                   "evals): a duplicated record",
                                   b.index, r.planned_at, r.runs.size(), r.evals.size()));
  std::size_t total_runs = c.runs.size() + r.runs.size();
  if (total_runs > 0xffffffffu || c.evals.size() + r.evals.size() > 0xffffffffu)
    throw EventError("plan_batch: more than 2^32 jobs");
  BatchRecord b;
  b.index = static_cast<std::uint32_t>(c.batches.size());
  b.planned_at = r.planned_at;
  b.first_run = static_cast<JobIndex>(c.runs.size());
  b.first_eval = static_cast<JobIndex>(c.evals.size());
  b.n_runs = static_cast<JobIndex>(r.runs.size());
  b.n_evals = static_cast<JobIndex>(r.evals.size());
  for (std::size_t i = 0; i < r.evals.size(); ++i)
    if (r.evals[i].run >= total_runs)
      throw EventError(fmt::format("plan_batch: eval {} is of run {}, but only {} runs are planned", b.first_eval + i,
                                   r.evals[i].run, total_runs));
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    RunRecord run;
    run.plan = r.runs[i];
    run.index = static_cast<JobIndex>(b.first_run + i);
    run.batch = b.index;
    if (dirty) dirty->runs.insert(run.index);
    c.runs.push_back(std::move(run));
  }
  for (std::size_t i = 0; i < r.evals.size(); ++i) {
    EvalRecord ev;
    ev.plan = r.evals[i];
    ev.index = static_cast<JobIndex>(b.first_eval + i);
    ev.batch = b.index;
    if (dirty) dirty->evals.insert(ev.index);
    c.evals.push_back(std::move(ev));
  }
  c.batches.push_back(b);
}

void apply(StoreContents& c, const JobStartedRecord& r, Dirty* dirty) {
  // Who started it: kept in memory for `t2 status` (the tables keep the finishing attempt).
  if (r.kind == JobKind::train) {
    started(job(c.runs, r.kind, r.index, "job_started"), r.kind, r.index, r.meta);
    if (dirty) dirty->runs.insert(r.index);
  } else {
    started(job(c.evals, r.kind, r.index, "job_started"), r.kind, r.index, r.meta);
    if (dirty) dirty->evals.insert(r.index);
  }
}

void apply(StoreContents& c, const TrainDoneRecord& r, Dirty* dirty) {
  auto& run = job(c.runs, JobKind::train, r.index, "train_done");
  // A result may arrive for an attempt the coordinator had already written off (pending).
  require_state(run.state, {JobState::running, JobState::pending}, JobKind::train, r.index, "train_done");
  run.state = JobState::done;
  run.result = r.result;
  run.meta = r.meta;
  if (dirty) dirty->runs.insert(r.index);
}

void apply(StoreContents& c, const EvalDoneRecord& r, Dirty* dirty) {
  auto& ev = job(c.evals, JobKind::eval, r.index, "eval_done");
  require_state(ev.state, {JobState::running, JobState::pending}, JobKind::eval, r.index, "eval_done");
  if (r.result.correct.size() != static_cast<std::uint64_t>(r.result.problems) * r.result.samples ||
      r.result.answer_nll.size() != r.result.problems)
    throw EventError(fmt::format("eval_done for eval {}: {} outcomes and {} NLLs for {} problems x {} samples", r.index,
                                 r.result.correct.size(), r.result.answer_nll.size(), r.result.problems,
                                 r.result.samples));
  if (r.result.problems != ev.plan.problems || r.result.samples != ev.plan.samples)
    throw EventError(fmt::format("eval_done for eval {}: result is {} x {}, the eval planned {} problems x {} samples",
                                 r.index, r.result.problems, r.result.samples, ev.plan.problems, ev.plan.samples));
  ev.state = JobState::done;
  ev.result = r.result;
  ev.meta = r.meta;
  if (dirty) {
    dirty->evals.insert(r.index);
    dirty->outcomes.push_back(r.index);
  }
}

void apply(StoreContents& c, const JobFailedRecord& r, Dirty* dirty) {
  if (r.kind == JobKind::train) {
    failed(job(c.runs, r.kind, r.index, "job_failed"), r.kind, r.index, r.failure, r.reason, r.meta, r.final);
    if (dirty) dirty->runs.insert(r.index);
  } else {
    failed(job(c.evals, r.kind, r.index, "job_failed"), r.kind, r.index, r.failure, r.reason, r.meta, r.final);
    if (dirty) dirty->evals.insert(r.index);
  }
}

void apply(StoreContents& c, const RequeueRunningRecord&, Dirty* dirty) {
  for (auto& run : c.runs)
    if (run.state == JobState::running) {
      run.state = JobState::pending;
      if (dirty) dirty->runs.insert(run.index);
    }
  for (auto& ev : c.evals)
    if (ev.state == JobState::running) {
      ev.state = JobState::pending;
      if (dirty) dirty->evals.insert(ev.index);
    }
}

void apply(StoreContents& c, const RequeueLostRecord&, Dirty* dirty) {
  for (auto& run : c.runs)
    if (requeue_lost(run) && dirty) dirty->runs.insert(run.index);
  for (auto& ev : c.evals)
    if (requeue_lost(ev) && dirty) dirty->evals.insert(ev.index);
}

void apply(StoreContents& c, const JobRetryRecord& r, Dirty* dirty) {
  if (r.kind == JobKind::train) {
    retried(job(c.runs, r.kind, r.index, "job_retry"), r.kind, r.index);
    if (dirty) dirty->runs.insert(r.index);
  } else {
    retried(job(c.evals, r.kind, r.index, "job_retry"), r.kind, r.index);
    if (dirty) dirty->evals.insert(r.index);
  }
}

void apply(StoreContents& c, const DocumentRecord& r, Dirty*) { c.documents.push_back(r.doc); }

void apply(StoreContents& c, const ReplaceConfigRecord& r, Dirty* dirty) {
  c.config_text = r.config_text;
  c.config_file = r.config_file;
  if (dirty) dirty->root = true;
}

namespace {
template <class Record>
void decode_and_apply(StoreContents& c, const char* payload, std::size_t length, Dirty* dirty) {
  Record r;
  decode(payload, length, r);
  apply(c, r, dirty);
}
}  // namespace

void apply_record(StoreContents& c, RecordType type, const char* payload, std::size_t length, Dirty* dirty) {
  if (type != RecordType::created && c.schema_version == 0)
    throw EventError(fmt::format("{} record before the store's created record", to_string(type)));
  try {
    switch (type) {
      case RecordType::created: return decode_and_apply<CreatedRecord>(c, payload, length, dirty);
      case RecordType::plan_batch: return decode_and_apply<PlanBatchRecord>(c, payload, length, dirty);
      case RecordType::job_started: return decode_and_apply<JobStartedRecord>(c, payload, length, dirty);
      case RecordType::train_done: return decode_and_apply<TrainDoneRecord>(c, payload, length, dirty);
      case RecordType::eval_done: return decode_and_apply<EvalDoneRecord>(c, payload, length, dirty);
      case RecordType::job_failed: return decode_and_apply<JobFailedRecord>(c, payload, length, dirty);
      case RecordType::requeue_running: return decode_and_apply<RequeueRunningRecord>(c, payload, length, dirty);
      case RecordType::document: return decode_and_apply<DocumentRecord>(c, payload, length, dirty);
      case RecordType::replace_config: return decode_and_apply<ReplaceConfigRecord>(c, payload, length, dirty);
      case RecordType::requeue_lost: return decode_and_apply<RequeueLostRecord>(c, payload, length, dirty);
      case RecordType::job_retry: return decode_and_apply<JobRetryRecord>(c, payload, length, dirty);
    }
  } catch (const RecordDecodeError& e) {
    throw EventError(e.what());
  }
  throw EventError(fmt::format("unknown record type {}", static_cast<std::uint32_t>(type)));
}

}  // namespace t2

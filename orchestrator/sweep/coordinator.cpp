// coordinator.cpp — see coordinator.hpp. One thread does all MPI and all store writes; the
// design's next_batch runs on a std::async thread with its own copy of what it may see.
#include "orchestrator/sweep/coordinator.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include "orchestrator/design/design_space.hpp"
#include "orchestrator/store/documents.hpp"
#include "orchestrator/sweep/job_queue.hpp"
#include "orchestrator/sweep/signals.hpp"

namespace t2 {

namespace {

using Clock = std::chrono::steady_clock;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string hms(double s) {
  if (!(s >= 0) || s > 1e8) return "--:--:--";
  auto t = static_cast<long long>(s + 0.5);
  return fmt::format("{:02}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
}

bool terminal(JobState s) { return s == JobState::done || s == JobState::failed; }

struct InFlight {
  JobRef job;
  Clock::time_point sent;
};

struct Slot {
  bool alive = false;          // sent Ready
  std::deque<InFlight> jobs;   // sent and not yet answered, oldest first (<= prefetch)
  Clock::time_point busy_since;  // when jobs became non-empty
  std::string host;
  bool busy() const { return !jobs.empty(); }
};

class Coordinator {
 public:
  Coordinator(const SweepConfig& config, Store& store, Design& design, Transport& transport, std::ostream& log,
              const CoordinatorOptions& options)
      : config_(config), store_(store), design_(design), transport_(transport), log_(log),
        prefetch_(std::max<std::uint32_t>(1, options.prefetch)), retry_failed_(options.retry_failed),
        queue_(QueueCosts{config.eval.tokens_per_sample, design.lag() <= 1}) {}

  SweepOutcome run();

 private:
  const StoreContents& contents() const { return store_.contents(); }
  void account_batches();
  void maybe_plan();
  void take_plan();
  void dispatch();
  void handle(const WorkerEvent& ev);
  void fail_dependents(JobIndex run, const std::string& why);
  void finished_job(JobKind kind, JobIndex index);
  void progress(bool force);
  void resume_jobs();
  void begin_stop(int requests);
  void cancel_running();
  void abandon_running();
  JobMessage make_job(JobRef ref, std::uint32_t attempt) const;
  std::string run_dir(JobIndex run) const { return fmt::format("{}.d/run-{:06}", config_.store, run); }
  std::size_t busy_workers() const {
    std::size_t n = 0;
    for (auto& s : slots_) n += s.busy();
    return n;
  }
  std::size_t jobs_in_flight() const {
    std::size_t n = 0;
    for (auto& s : slots_) n += s.jobs.size();
    return n;
  }

  const SweepConfig& config_;
  Store& store_;
  Design& design_;
  Transport& transport_;
  std::ostream& log_;
  std::uint32_t prefetch_;
  std::optional<RetryClasses> retry_failed_;

  JobQueue queue_;
  std::vector<Slot> slots_;
  std::deque<int> idle_;  // one entry per free place at a worker (prefetch_ places each)
  std::vector<std::size_t> open_in_batch_;  // non-terminal jobs per batch
  std::future<BatchPlan> plan_;
  std::uint32_t planning_batch_ = 0;
  bool design_done_ = false;
  std::string design_reason_;

  bool stopping_ = false, cancel_sent_ = false;
  int stop_requests_ = 0;  // shutdown signals acted on
  Clock::time_point grace_deadline_, hard_deadline_;
  Clock::time_point start_ = Clock::now(), last_progress_ = Clock::now();
  std::size_t done_this_session_ = 0;
  double flops_this_session_ = 0, busy_seconds_ = 0;
  std::size_t failed_for_good_ = 0;
};

void Coordinator::account_batches() {
  open_in_batch_.assign(contents().batches.size(), 0);
  for (auto& r : contents().runs)
    if (!terminal(r.state)) ++open_in_batch_.at(r.batch);
  for (auto& e : contents().evals)
    if (!terminal(e.state)) ++open_in_batch_.at(e.batch);
}

void Coordinator::maybe_plan() {
  if (design_done_ || stopping_ || plan_.valid()) return;
  // Keep the workers fed: plan ahead once fewer jobs are ready than there are workers.
  if (queue_.size() >= slots_.size()) return;
  auto b = static_cast<std::uint32_t>(contents().batches.size());
  std::uint32_t lag = design_.lag();
  std::uint32_t cutoff = b > lag ? b - lag : 0;
  for (std::uint32_t i = 0; i < cutoff; ++i)
    if (open_in_batch_[i] > 0) return;  // the plan must wait for these results
  planning_batch_ = b;
  auto seen = std::make_shared<StoreContents>(visible_to_plan(contents(), b, lag));
  plan_ = std::async(std::launch::async, [this, b, seen] { return design_.next_batch(b, *seen); });
}

void Coordinator::take_plan() {
  if (!plan_.valid() || plan_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  BatchPlan plan = plan_.get();  // a design that throws ends the sweep with its message
  DesignDocument doc;
  doc.batch = planning_batch_;
  doc.strategy = design_.name();
  doc.stop = plan.stop;
  doc.reason = plan.reason;
  if (!plan.decision_json.empty()) {
    auto d = nlohmann::json::parse(plan.decision_json, nullptr, false);
    doc.decision = d.is_discarded() ? nlohmann::json(plan.decision_json) : d;
  }
  if (plan.stop || plan.runs.empty()) {
    design_done_ = true;
    design_reason_ = plan.reason.empty() ? "the design planned an empty batch" : plan.reason;
    store_.add_document(doc.to_document(unix_now()));
    log_ << fmt::format("[t2] design: no more batches: {}\n", design_reason_) << std::flush;
    return;
  }
  auto base = static_cast<JobIndex>(contents().runs.size());
  for (auto& e : plan.evals) e.run += base;
  BatchRecord batch = store_.plan_batch(plan.runs, plan.evals);
  doc.batch = batch.index;
  store_.add_document(doc.to_document(unix_now()));
  store_.commit();
  queue_.add_batch(contents(), batch);
  open_in_batch_.push_back(batch.n_runs + batch.n_evals);
  log_ << fmt::format("[t2] batch {}: {} training and {} eval jobs planned ({})\n", batch.index, batch.n_runs,
                      batch.n_evals, design_.name())
       << std::flush;
}

JobMessage Coordinator::make_job(JobRef ref, std::uint32_t attempt) const {
  JobMessage m;
  m.kind = ref.kind;
  m.attempt = attempt;
  if (ref.kind == JobKind::train) {
    auto& r = contents().runs[ref.index];
    m.train.index = ref.index;
    m.train.n_params = r.plan.n_params;
    m.train.n_tokens = r.plan.n_tokens;
    m.train.seed = r.plan.seed;
    m.train.replicate = r.plan.replicate;
    m.train.run_dir = run_dir(ref.index);
  } else {
    auto& e = contents().evals[ref.index];
    auto& r = contents().runs[e.plan.run];
    m.eval.index = ref.index;
    m.eval.run = e.plan.run;
    m.eval.n_params = r.plan.n_params;
    m.eval.n_tokens = r.plan.n_tokens;
    m.eval.run_loss = r.result.final_loss;
    m.eval.task = e.plan.task;
    m.eval.problems = e.plan.problems;
    m.eval.samples = e.plan.samples;
    m.eval.temperature = e.plan.temperature;
    m.eval.top_k = e.plan.top_k;
    m.eval.seed = e.plan.seed;
    m.eval.checkpoint = r.result.checkpoint;
    m.eval.run_dir = run_dir(e.plan.run);
  }
  return m;
}

void Coordinator::dispatch() {
  if (stopping_) return;
  while (!idle_.empty()) {
    auto job = queue_.pop();
    if (!job) return;
    int w = idle_.front();
    idle_.pop_front();
    std::uint32_t attempt = (job->kind == JobKind::train ? contents().runs[job->index].attempts
                                                         : contents().evals[job->index].attempts) + 1;
    store_.job_started(job->kind, job->index, {attempt, w, slots_[w].host, 0, unix_now()});
    transport_.send_job(w, make_job(*job, attempt));
    auto& s = slots_[w];
    auto now = Clock::now();
    if (!s.busy()) s.busy_since = now;
    s.jobs.push_back({*job, now});
  }
}

void Coordinator::finished_job(JobKind kind, JobIndex index) {
  std::uint32_t batch = kind == JobKind::train ? contents().runs[index].batch : contents().evals[index].batch;
  --open_in_batch_.at(batch);
}

void Coordinator::fail_dependents(JobIndex run, const std::string& why) {
  for (JobIndex e : queue_.evals_of(run)) {
    if (contents().evals[e].state != JobState::pending) continue;
    store_.job_failed(JobKind::eval, e, FailureClass::error, why, {0, -1, "", 0, unix_now()}, true);
    ++failed_for_good_;
    finished_job(JobKind::eval, e);
  }
}

void Coordinator::handle(const WorkerEvent& ev) {
  if (ev.worker < 0 || static_cast<std::size_t>(ev.worker) >= slots_.size()) {
    log_ << fmt::format("[t2] warning: message from unknown worker {}\n", ev.worker);
    return;
  }
  auto& s = slots_[ev.worker];
  if (ev.type == WorkerEvent::Type::ready) {
    s.alive = true;
    s.host = ev.host;
    for (std::uint32_t i = 0; i < prefetch_; ++i) idle_.push_back(ev.worker);
    return;
  }
  const ResultMessage& r = ev.result;
  auto it = std::find_if(s.jobs.begin(), s.jobs.end(), [&](const InFlight& f) { return f.job == JobRef{r.kind, r.index}; });
  if (it == s.jobs.end()) {
    log_ << fmt::format("[t2] warning: worker {} sent a result for {} {} it was not running; ignored\n", ev.worker,
                        to_string(r.kind), r.index);
    return;
  }
  s.jobs.erase(it);
  if (!s.busy()) busy_seconds_ += seconds_since(s.busy_since);  // a worker is busy while it holds jobs
  idle_.push_back(ev.worker);
  JobMeta meta{r.attempt, ev.worker, s.host, r.wall_seconds, unix_now()};
  if (r.ok) {
    if (r.kind == JobKind::train) {
      store_.train_done(r.index, r.train, meta);
      queue_.train_done(contents(), r.index);
      flops_this_session_ += r.train.flops;
    } else {
      store_.eval_done(r.index, r.eval, meta);
      flops_this_session_ += r.eval.flops;
    }
    ++done_this_session_;
    finished_job(r.kind, r.index);
    return;
  }
  std::uint32_t attempts = r.kind == JobKind::train ? contents().runs[r.index].attempts : contents().evals[r.index].attempts;
  if (r.failure == FailureClass::cancelled) {
    store_.job_failed(r.kind, r.index, r.failure, r.reason, meta, false);
    if (!stopping_) queue_.retry(contents(), {r.kind, r.index});
    return;
  }
  // A job killed by a signal while a stop was asked for was cut short by that stop: Slurm's TERM
  // (scancel, preemption, the time limit) reaches every process of the job, the jobs' too, at the
  // same moment as the coordinator. Recorded as cancelled (the attempt is not counted; it reruns
  // on resume), like a job cancelled by the coordinator itself; not requeued, as the stop begins
  // at the loop's next turn if it has not yet.
  if (r.failure == FailureClass::signal && (stopping_ || shutdown_requests() > 0)) {
    store_.job_failed(r.kind, r.index, FailureClass::cancelled, r.reason + " during the stop (not counted)", meta,
                      false);
    log_ << fmt::format("[t2] {} {} attempt {} cut short by the stop: {} (not counted)\n", to_string(r.kind), r.index,
                        attempts, r.reason)
         << std::flush;
    return;
  }
  std::uint32_t charged = r.kind == JobKind::train ? contents().runs[r.index].budget.charged
                                                   : contents().evals[r.index].budget.charged;
  // A result that broke the contract comes back the same from the same inputs: retrying it
  // only triples the wasted compute (issue 11 item 1).
  bool deterministic = r.failure == FailureClass::bad_result && !config_.retry_bad_result;
  bool final = charged >= config_.max_attempts || deterministic;
  store_.job_failed(r.kind, r.index, r.failure, r.reason, meta, final);
  log_ << fmt::format("[t2] {} {} (N={:.3g}) attempt {} ({}/{} counted) failed: {}: {}{}\n", to_string(r.kind),
                      r.index,
                      r.kind == JobKind::train ? contents().runs[r.index].plan.n_params
                                               : contents().runs[contents().evals[r.index].plan.run].plan.n_params,
                      attempts, charged, config_.max_attempts, to_string(r.failure), r.reason,
                      !final ? ""
                      : deterministic ? " (giving up: a bad result is not retried unless sweep.retry_bad_result)"
                                      : " (giving up)")
       << std::flush;
  if (!final) {
    queue_.retry(contents(), {r.kind, r.index});
    return;
  }
  ++failed_for_good_;
  finished_job(r.kind, r.index);
  if (r.kind == JobKind::train) fail_dependents(r.index, fmt::format("training run {} failed: {}", r.index, r.reason));
}

void Coordinator::progress(bool force) {
  if (!force && seconds_since(last_progress_) < config_.progress_interval) return;
  last_progress_ = Clock::now();
  std::size_t td = 0, ed = 0, failed = 0;
  for (auto& r : contents().runs) td += r.state == JobState::done, failed += r.state == JobState::failed;
  for (auto& e : contents().evals) ed += e.state == JobState::done, failed += e.state == JobState::failed;
  std::size_t total = contents().runs.size() + contents().evals.size();
  std::size_t left = total - td - ed - failed;
  double el = seconds_since(start_);
  double rate = el > 0 ? done_this_session_ / el : 0;
  double flops = 0;
  for (auto& r : contents().runs)
    if (r.state == JobState::done) flops += r.result.flops;
  for (auto& e : contents().evals)
    if (e.state == JobState::done) flops += e.result.flops;
  log_ << fmt::format("[t2] {}/{} jobs done (train {}/{}, eval {}/{}), {} failed, {} running, {:.3g} jobs/s, "
                      "{:.3g} FLOPs done, ETA {}{}\n",
                      td + ed, total, td, contents().runs.size(), ed, contents().evals.size(), failed, jobs_in_flight(),
                      rate, flops, rate > 0 ? hms(left / rate) : "--:--:--",
                      design_done_ ? "" : " (planned batches)")
       << std::flush;
}

// What a resumed store needs before dispatch: jobs left running by a dead coordinator run
// again with their attempt counted as lost, not against max_attempts (issue 12 item 10); only
// a job lost kLostLimitFactor x max_attempts times fails, as `lost` (it may be what takes its
// rank, and so the MPI job, down; rerunning it forever would loop as long as Slurm requeues).
// Then `--retry-failed` puts failed jobs back.
void Coordinator::resume_jobs() {
  const std::uint32_t lost_limit = kLostLimitFactor * config_.max_attempts;
  std::vector<JobRef> lost;
  for (auto& r : contents().runs)
    if (r.state == JobState::running && r.budget.lost + 1 >= lost_limit) lost.push_back({JobKind::train, r.index});
  for (auto& e : contents().evals)
    if (e.state == JobState::running && e.budget.lost + 1 >= lost_limit) lost.push_back({JobKind::eval, e.index});
  for (auto& j : lost) {
    const auto& b = j.kind == JobKind::train ? contents().runs[j.index].budget : contents().evals[j.index].budget;
    std::uint32_t attempts = j.kind == JobKind::train ? contents().runs[j.index].attempts : contents().evals[j.index].attempts;
    std::uint32_t times = b.lost + 1;
    store_.job_failed(j.kind, j.index, FailureClass::lost,
                      fmt::format("was running when the coordinator died {} times (does it crash its rank?)", times),
                      {attempts, -1, "", 0, unix_now()}, true);
    ++failed_for_good_;
    log_ << fmt::format("[t2] resume: {} {} failed as lost: running when the coordinator died {} times\n",
                        to_string(j.kind), j.index, times);
  }
  if (std::size_t n = store_.requeue_running())
    log_ << fmt::format("[t2] resume: {} job(s) left running by the last coordinator will run again (their attempts "
                        "are counted as lost, not against max_attempts)\n", n);
  if (retry_failed_) {
    auto jobs = select_retry(contents(), *retry_failed_);
    for (auto& j : jobs) store_.retry_job(j.kind, j.index);
    store_.commit();
    log_ << fmt::format("[t2] --retry-failed: {} job(s) failed for good will run again ({} attempt(s) each; their "
                        "history is kept)\n", jobs.size(), config_.max_attempts);
  }
}

void Coordinator::cancel_running() {
  if (cancel_sent_) return;
  cancel_sent_ = true;
  for (std::size_t w = 0; w < slots_.size(); ++w)
    if (slots_[w].busy()) transport_.cancel(static_cast<int>(w));
}

// Leaving without the answers of some jobs: they were stopped by a known signal, not lost, so
// they are recorded as cancelled (attempt given back). A late answer has no one to go to.
void Coordinator::abandon_running() {
  for (std::size_t w = 0; w < slots_.size(); ++w) {
    for (auto& f : slots_[w].jobs) {
      std::uint32_t attempt = f.job.kind == JobKind::train ? contents().runs[f.job.index].attempts
                                                           : contents().evals[f.job.index].attempts;
      store_.job_failed(f.job.kind, f.job.index, FailureClass::cancelled,
                        "the coordinator stopped before the job answered its cancel",
                        {attempt, static_cast<std::int32_t>(w), slots_[w].host, seconds_since(f.sent), unix_now()},
                        false);
    }
    if (slots_[w].busy()) busy_seconds_ += seconds_since(slots_[w].busy_since);
    slots_[w].jobs.clear();
  }
}

// Acts on the n-th shutdown signal (signals.hpp): 1 starts the graceful stop, 2 cancels the
// running jobs now, 3 leaves now.
void Coordinator::begin_stop(int requests) {
  int sig = shutdown_signal();
  if (!stopping_) {
    stopping_ = true;
    grace_deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(config_.shutdown_grace));
    hard_deadline_ = grace_deadline_ + std::chrono::seconds(30);
    if (requests < 2)
      log_ << fmt::format("[t2] {}: stopping: no new jobs; {} running job(s) may finish within {:.0f} s (signal "
                          "again to cancel them now)\n",
                          signal_name(sig), busy_workers(), config_.shutdown_grace)
           << std::flush;
  }
  if (requests >= 2 && !cancel_sent_) {
    log_ << fmt::format("[t2] {} again: cancelling {} running job(s) now\n", signal_name(sig), busy_workers())
         << std::flush;
    cancel_running();
    hard_deadline_ = std::min(hard_deadline_, Clock::now() + std::chrono::seconds(30));
  }
  if (requests >= 3) {
    log_ << fmt::format("[t2] {} a third time: leaving now; {} unanswered job(s) recorded as cancelled\n",
                        signal_name(sig), busy_workers())
         << std::flush;
    hard_deadline_ = Clock::now();
  }
  stop_requests_ = requests;
}

SweepOutcome Coordinator::run() {
  slots_.assign(static_cast<std::size_t>(transport_.worker_count()) + 1, Slot{});
  resume_jobs();
  queue_.rebuild(contents());
  account_batches();
  // The evals of a run that failed for good fail with it. A coordinator killed between those
  // records left them pending, and nothing would ever run or fail them: the sweep would end with
  // jobs pending, or (a design with lag) wait forever for their batch to finish.
  for (auto& r : contents().runs)
    if (r.state == JobState::failed) fail_dependents(r.index, fmt::format("training run {} failed: {}", r.index, r.reason));
  for (auto& d : contents().documents)  // a resumed sweep whose design already stopped stays stopped
    if (d.kind == document_kind::kDesign) {
      DesignDocument g = DesignDocument::read(d, config_.store);
      if (g.stop) design_done_ = true, design_reason_ = g.reason;
    }
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  SessionDocument session;
  session.workers = transport_.worker_count();
  session.host = host;
  session.pid = getpid();
  store_.add_document(session.to_document(static_cast<std::uint32_t>(contents().batches.size()), unix_now()));
  store_.commit();
  log_ << fmt::format("[t2] sweep '{}': store {}, {} worker(s), strategy {}, {} runs and {} evals already planned\n",
                      config_.name, config_.store, transport_.worker_count(), design_.name(), contents().runs.size(),
                      contents().evals.size())
       << std::flush;

  std::string end_reason;
  SweepOutcome::End end = SweepOutcome::End::finished;
  for (;;) {
    if (int n = shutdown_requests(); n > stop_requests_) begin_stop(n);
    if (stopping_) {
      if (busy_workers() == 0) {
        end = SweepOutcome::End::interrupted;
        end_reason = fmt::format("stopped by {}; continue with the same t2 run command", signal_name(shutdown_signal()));
        break;
      }
      if (!cancel_sent_ && Clock::now() >= grace_deadline_) {
        log_ << fmt::format("[t2] grace period over: cancelling {} running job(s)\n", busy_workers()) << std::flush;
        cancel_running();
      }
      if (Clock::now() >= hard_deadline_) {
        end = SweepOutcome::End::interrupted;
        end_reason = fmt::format("stopped by {}; {} job(s) did not answer the cancel and will rerun on resume",
                                 signal_name(shutdown_signal()), busy_workers());
        abandon_running();
        break;
      }
    }
    take_plan();
    maybe_plan();
    dispatch();
    if (!stopping_ && design_done_ && !plan_.valid() && queue_.size() == 0 && busy_workers() == 0) {
      end_reason = design_reason_;
      break;
    }
    // Drain the messages that are already here, then commit them as one group. At most
    // kMaxDrain: workers answering quick jobs keep a message always waiting, and without a bound
    // a whole batch would pass with no commit, no progress line and no look at the signals.
    constexpr std::size_t kMaxDrain = 1024;
    WorkerEvent ev;
    std::size_t drained = 0;
    auto wait = std::chrono::microseconds(busy_workers() > 0 || plan_.valid() ? 2000 : 20000);
    while (drained < kMaxDrain && transport_.poll(ev, drained > 0 ? std::chrono::microseconds(0) : wait)) {
      handle(ev);
      ++drained;
      dispatch();  // refill the worker that just answered before committing
    }
    store_.commit();
    store_.maybe_sync_hdf5();
    progress(false);
  }
  if (plan_.valid()) plan_.wait();
  transport_.stop_all();
  progress(true);
  double el = seconds_since(start_);
  SessionDocument ended;
  ended.event = SessionDocument::Event::end;
  ended.seconds = el;
  ended.workers = transport_.worker_count();
  ended.busy_seconds = busy_seconds_;
  ended.jobs_done = done_this_session_;
  ended.reason = end_reason;
  store_.add_document(ended.to_document(static_cast<std::uint32_t>(contents().batches.size()), unix_now()));
  store_.commit();  // the caller's Store::close() brings the .h5 up to date
  double idle = el > 0 ? 1.0 - busy_seconds_ / (el * transport_.worker_count()) : 0;
  log_ << fmt::format("[t2] {}: {}; {} jobs done this session in {}, workers {:.1f}% idle\n",
                      end == SweepOutcome::End::finished ? "finished" : "interrupted", end_reason, done_this_session_,
                      hms(el), 100.0 * std::max(0.0, idle))
       << std::flush;
  return {end, end_reason, failed_for_good_};
}

}  // namespace

SweepOutcome run_coordinator(const SweepConfig& config, Store& store, Design& design, Transport& transport,
                             std::ostream& log, const CoordinatorOptions& options) {
  return Coordinator(config, store, design, transport, log, options).run();
}

}  // namespace t2

// summary.cpp — see summary.hpp.
#include "orchestrator/sweep/summary.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/store/documents.hpp"

namespace t2 {

namespace {
void count(StateCounts& c, JobState s) {
  switch (s) {
    case JobState::pending: ++c.pending; break;
    case JobState::running: ++c.running; break;
    case JobState::done: ++c.done; break;
    case JobState::failed: ++c.failed; break;
  }
}
// [eval] tokens_per_sample of the store's config (its default when absent or unreadable): a
// pending eval is planned at 2N * T * k * P FLOPs, as the config's cost model counts it.
double planned_tokens_per_sample(const std::string& config_text) {
  try {
    return toml::parse(config_text)["eval"]["tokens_per_sample"].value_or(kDefaultTokensPerSample);
  } catch (const toml::parse_error&) {
    return kDefaultTokensPerSample;
  }
}
std::string duration(double s) {
  if (s < 0) return "?";
  auto t = static_cast<long long>(s + 0.5);
  return fmt::format("{:02}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
}
// Short spans in seconds (a makespan of 0.4 s is not "00:00:00"), long ones as hh:mm:ss.
std::string span(double s) { return s >= 0 && s < 60 ? fmt::format("{:.2f} s", s) : duration(s); }
}  // namespace

SweepSummary summarize(const StoreContents& c, double now, const std::string& store) {
  SweepSummary s;
  s.batches = c.batches.size();
  const double tokens_per_sample = planned_tokens_per_sample(c.config_text);
  for (auto& r : c.runs) {
    count(s.train, r.state);
    double f = 6.0 * r.plan.n_params * r.plan.n_tokens;
    // A done job counts what it measured, in both sums (as evals do), so planned - done is the
    // work left and the ETA does not carry the gap between 6ND and a run's measured FLOPs.
    double spent = r.state == JobState::done && r.result.flops > 0 ? r.result.flops : f;
    s.flops_planned += spent;
    if (r.state == JobState::done) s.flops_done += spent;
    if (r.failure != FailureClass::none)
      s.failures.push_back({JobKind::train, r.index, r.failure, r.reason, r.attempts, r.state == JobState::failed,
                            r.state == JobState::done, r.budget.lost, r.budget.retries});
    s.lost_attempts += r.budget.lost;
    s.retry_rounds += r.budget.retries;
    if (r.state == JobState::running)
      s.running.push_back({JobKind::train, r.index, r.started.attempt, r.started.rank, r.started.host, r.started.time,
                           now > 0 ? now - r.started.time : 0, f, ""});
  }
  for (auto& e : c.evals) {
    count(s.eval, e.state);
    double n = c.runs.at(e.plan.run).plan.n_params;
    if (e.state == JobState::done) s.flops_done += e.result.flops;
    s.flops_planned += e.state == JobState::done ? e.result.flops : 2.0 * n * tokens_per_sample * e.plan.samples * e.plan.problems;
    if (e.failure != FailureClass::none)
      s.failures.push_back({JobKind::eval, e.index, e.failure, e.reason, e.attempts, e.state == JobState::failed,
                            e.state == JobState::done, e.budget.lost, e.budget.retries});
    s.lost_attempts += e.budget.lost;
    s.retry_rounds += e.budget.retries;
    if (e.state == JobState::running)
      s.running.push_back({JobKind::eval, e.index, e.started.attempt, e.started.rank, e.started.host, e.started.time,
                           now > 0 ? now - e.started.time : 0,
                           2.0 * n * tokens_per_sample * e.plan.samples * e.plan.problems, ""});
  }
  // Every failed attempt was retried except the last one of a job that failed for good; a job
  // that finished after failures had attempts - 1 failed (and retried) attempts.
  for (auto& f : s.failures) s.retried += (f.final || f.done) ? (f.attempts > 0 ? f.attempts - 1 : 0) : f.attempts;
  std::map<std::uint32_t, std::size_t> runs_in_batch;
  for (auto& b : c.batches) runs_in_batch[b.index] = b.n_runs;
  double busy = 0, capacity = 0;
  for (auto& d : c.documents) {
    if (d.kind == document_kind::kSession) {
      SessionDocument e = SessionDocument::read(d, store);
      if (e.event == SessionDocument::Event::start) {
        ++s.sessions;
        s.live = true;
        s.session_started = d.time;
        s.session_workers = e.workers;
        s.workers = s.session_workers;
      } else {
        s.live = false;
        s.run_seconds += e.seconds;
        busy += e.busy_seconds;
        capacity += e.seconds * e.workers;
        s.last_stop = e.reason;
      }
    } else if (d.kind == document_kind::kDesign) {
      DesignDocument g = DesignDocument::read(d, store);
      if (g.stop) s.design_stop = g.reason;
      BatchLine b;
      b.batch = d.batch;
      b.stop = g.stop;
      b.reason = g.reason;
      b.runs = b.stop ? 0 : runs_in_batch[d.batch];
      b.mode = g.mode;
      if (g.optimum) b.n_star = g.optimum->n_star, b.n_lo = g.optimum->n_lo, b.n_hi = g.optimum->n_hi;
      s.history.push_back(std::move(b));
    }
  }
  if (capacity > 0) s.idle_fraction = std::max(0.0, 1.0 - busy / capacity);

  // Live rate: FLOPs finished since the live session began, over its age. Only this session's
  // work counts, so a resumed sweep's rate is not inflated by results of earlier sessions.
  if (s.live && now > s.session_started && s.session_started > 0) {
    for (auto& r : c.runs)
      if (r.state == JobState::done && r.meta.time >= s.session_started) s.session_flops += r.result.flops, ++s.session_jobs;
    for (auto& e : c.evals)
      if (e.state == JobState::done && e.meta.time >= s.session_started) s.session_flops += e.result.flops, ++s.session_jobs;
    s.live_flops_rate = s.session_flops / (now - s.session_started);
    if (s.live_flops_rate > 0) s.eta_seconds = std::max(0.0, s.flops_planned - s.flops_done) / s.live_flops_rate;
  }

  // Makespan vs its lower bound, for a sweep with nothing left to run. No schedule on W workers
  // beats total job time / W, nor the longest chain (a run's training, then its longest eval).
  // From measured wall seconds of the attempts that succeeded (failed attempts are ignored, so
  // the bound is a bound on the work that had to be done).
  bool settled = s.train.pending + s.train.running + s.eval.pending + s.eval.running == 0;
  if (settled && !s.live && s.run_seconds > 0 && s.workers > 0) {
    double total = 0, longest = 0;
    std::vector<double> chain(c.runs.size(), 0);
    for (auto& r : c.runs)
      if (r.state == JobState::done) total += r.meta.wall_seconds, chain[r.index] = r.meta.wall_seconds;
    std::vector<double> eval_tail(c.runs.size(), 0);
    for (auto& e : c.evals)
      if (e.state == JobState::done) {
        total += e.meta.wall_seconds;
        eval_tail[e.plan.run] = std::max(eval_tail[e.plan.run], e.meta.wall_seconds);
      }
    for (std::size_t i = 0; i < chain.size(); ++i) longest = std::max(longest, chain[i] + eval_tail[i]);
    s.makespan = s.run_seconds;
    s.makespan_bound = std::max(total / s.workers, longest);
  }
  return s;
}

std::string render_status(const SweepSummary& s, const std::string& path) {
  std::string out;
  std::string live_note;
  if (s.live) live_note = s.coordinator.empty() ? "  (no coordinator holds the lock: the last one was killed)"
                                                : "  (live: coordinator " + s.coordinator + ")";
  out += fmt::format("store      {}{}\n", path, live_note);
  auto line = [](const char* name, const StateCounts& c) {
    return fmt::format("{:<10} {:>6} done  {:>6} running  {:>6} pending  {:>6} failed  ({} total)\n", name, c.done,
                       c.running, c.pending, c.failed, c.total());
  };
  out += line("training", s.train);
  out += line("eval", s.eval);
  out += fmt::format("batches    {} planned{}\n", s.batches, s.design_stop.empty() ? "" : "; design stopped: " + s.design_stop);
  out += fmt::format("compute    {:.3g} of {:.3g} planned FLOPs done\n", s.flops_done, s.flops_planned);
  std::size_t done = s.train.done + s.eval.done;
  if (s.run_seconds > 0)
    out += fmt::format("throughput {:.3g} jobs/s, {:.3g} FLOPs/s over {} session(s), {} wall\n", done / s.run_seconds,
                       s.flops_done / s.run_seconds, s.sessions, duration(s.run_seconds));
  if (s.idle_fraction >= 0) out += fmt::format("workers    {:.1f}% idle\n", 100.0 * s.idle_fraction);
  if (s.makespan > 0 && s.makespan_bound > 0)
    out += fmt::format("makespan   {} on {} worker(s); lower bound {} = max(job time / workers, longest train + eval) "
                       "-> {:.2f}x the bound\n",
                       span(s.makespan), s.workers, span(s.makespan_bound), s.makespan / s.makespan_bound);
  bool coordinating = s.live && !s.coordinator.empty();
  if (coordinating) {
    if (s.live_flops_rate > 0)
      // The ETA is the planned FLOPs left at this session's mean rate: a claim only as good as
      // the jobs it is averaged over, and blind to what a design has not planned yet.
      out += fmt::format("live       {:.3g} FLOPs/s this session ({:.3g} FLOPs in {} job(s) done), ETA {} at that "
                         "rate{}{}\n",
                         s.live_flops_rate, s.session_flops, s.session_jobs, duration(s.eta_seconds),
                         s.session_jobs < 3 ? " (rough: fewer than 3 jobs done)" : "",
                         s.design_stop.empty() ? ", for the planned batches only (the design may plan more)" : "");
    else
      out += "live       no job finished in this session yet: no rate or ETA\n";
  }
  if (!s.running.empty()) {
    out += fmt::format("running    {} job(s){}\n", s.running.size(),
                       coordinating ? "" : " left running by a coordinator that died (they rerun on resume)");
    if (coordinating)
      for (auto& r : s.running)
        out += fmt::format("  {} {:>5}  attempt {}  rank {} on {}  {} elapsed  {:.3g} FLOPs  log {}\n", to_string(r.kind),
                           r.index, r.attempt, r.rank, r.host.empty() ? "?" : r.host, duration(r.elapsed), r.flops,
                           r.log.empty() ? "-" : r.log);
  }
  if (!s.last_stop.empty()) out += fmt::format("last stop  {}\n", s.last_stop);
  bool fitted = false;
  for (auto& b : s.history) fitted = fitted || b.n_star > 0;
  if (fitted) {  // an adaptive design: the optimum's history, batch by batch
    out += "history    batch  mode          runs   N* (interval)\n";
    for (auto& b : s.history) {
      if (b.stop) {
        out += fmt::format("           {:>5}  stop: {}\n", b.batch, b.reason);
        continue;
      }
      out += fmt::format("           {:>5}  {:<12} {:>5}   {}\n", b.batch, b.mode, b.runs,
                         b.n_star > 0 ? fmt::format("{:.3g} ({:.3g} .. {:.3g})", b.n_star, b.n_lo, b.n_hi) : "-");
    }
  }
  std::size_t final_failures = 0;
  for (auto& f : s.failures) final_failures += f.final;
  out += fmt::format("failures   {} failed for good, {} attempts retried, {} attempt(s) lost to a coordinator's death "
                     "(not counted against max_attempts){}\n",
                     final_failures, s.retried, s.lost_attempts,
                     s.retry_rounds ? fmt::format(", {} job(s) put back by --retry-failed", s.retry_rounds) : "");
  std::size_t shown = 0;
  for (auto& f : s.failures) {
    if (shown++ == 20) {
      out += fmt::format("  ... {} more (t2 status --json lists all)\n", s.failures.size() - 20);
      break;
    }
    out += fmt::format("  {} {:>5}  {:<10} attempts {}{}  {}  {}\n", to_string(f.kind), f.index, to_string(f.cls),
                       f.attempts, f.lost ? fmt::format(" ({} lost)", f.lost) : "",
                       f.final ? "FAILED" : f.done ? "retried, then done" : "retried", f.reason);
  }
  return out;
}

std::string render_status_json(const SweepSummary& s) {
  using nlohmann::json;
  auto counts = [](const StateCounts& c) {
    return json{{"pending", c.pending}, {"running", c.running}, {"done", c.done}, {"failed", c.failed}};
  };
  json j{{"train", counts(s.train)}, {"eval", counts(s.eval)}, {"batches", s.batches},
         {"flops_done", s.flops_done}, {"flops_planned", s.flops_planned}, {"sessions", s.sessions},
         {"run_seconds", s.run_seconds}, {"retried", s.retried}, {"live", s.live},
         {"last_stop", s.last_stop}, {"design_stop", s.design_stop}};
  j["idle_fraction"] = s.idle_fraction >= 0 ? json(s.idle_fraction) : json(nullptr);
  j["lost_attempts"] = s.lost_attempts;
  j["retry_rounds"] = s.retry_rounds;
  j["coordinator"] = s.coordinator.empty() ? json(nullptr) : json(s.coordinator);
  j["workers"] = s.workers;
  j["session_flops"] = s.session_flops;
  j["session_jobs"] = s.session_jobs;
  j["live_flops_per_second"] = s.live_flops_rate > 0 ? json(s.live_flops_rate) : json(nullptr);
  j["eta_seconds"] = s.eta_seconds >= 0 ? json(s.eta_seconds) : json(nullptr);
  j["makespan_seconds"] = s.makespan > 0 ? json(s.makespan) : json(nullptr);
  j["makespan_lower_bound_seconds"] = s.makespan_bound > 0 ? json(s.makespan_bound) : json(nullptr);
  j["running"] = json::array();
  for (auto& r : s.running)
    j["running"].push_back({{"kind", to_string(r.kind)}, {"index", r.index}, {"attempt", r.attempt}, {"rank", r.rank},
                            {"host", r.host}, {"started_at", r.started_at}, {"elapsed_seconds", r.elapsed},
                            {"flops", r.flops}, {"log", r.log.empty() ? json(nullptr) : json(r.log)}});
  j["history"] = json::array();
  for (auto& b : s.history)
    j["history"].push_back({{"batch", b.batch}, {"mode", b.mode}, {"runs", b.runs}, {"n_star", b.n_star},
                            {"n_lo", b.n_lo}, {"n_hi", b.n_hi}, {"stop", b.stop}, {"reason", b.reason}});
  j["failures"] = json::array();
  for (auto& f : s.failures)
    j["failures"].push_back({{"kind", to_string(f.kind)}, {"index", f.index}, {"class", to_string(f.cls)},
                             {"reason", f.reason}, {"attempts", f.attempts}, {"final", f.final}, {"lost", f.lost},
                             {"retries", f.retries}});
  return j.dump(2);
}

}  // namespace t2

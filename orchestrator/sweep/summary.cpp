// summary.cpp — see summary.hpp.
#include "orchestrator/sweep/summary.hpp"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

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
// [eval] tokens_per_sample of the store's config (its default, 16, when absent or unreadable):
// a pending eval is planned at 2N * T * k * P FLOPs, as the config's cost model counts it.
double planned_tokens_per_sample(const std::string& config_text) {
  try {
    return toml::parse(config_text)["eval"]["tokens_per_sample"].value_or(16.0);
  } catch (const toml::parse_error&) {
    return 16.0;
  }
}
std::string duration(double s) {
  if (s < 0) return "?";
  auto t = static_cast<long long>(s + 0.5);
  return fmt::format("{:02}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
}
}  // namespace

SweepSummary summarize(const StoreContents& c) {
  SweepSummary s;
  s.batches = c.batches.size();
  const double tokens_per_sample = planned_tokens_per_sample(c.config_text);
  for (auto& r : c.runs) {
    count(s.train, r.state);
    double f = 6.0 * r.plan.n_params * r.plan.n_tokens;
    s.flops_planned += f;
    if (r.state == JobState::done) s.flops_done += r.result.flops > 0 ? r.result.flops : f;
    if (r.failure != FailureClass::none)
      s.failures.push_back({JobKind::train, r.index, r.failure, r.reason, r.attempts, r.state == JobState::failed,
                            r.state == JobState::done});
  }
  for (auto& e : c.evals) {
    count(s.eval, e.state);
    double n = c.runs.at(e.plan.run).plan.n_params;
    if (e.state == JobState::done) s.flops_done += e.result.flops;
    s.flops_planned += e.state == JobState::done ? e.result.flops : 2.0 * n * tokens_per_sample * e.plan.samples * e.plan.problems;
    if (e.failure != FailureClass::none)
      s.failures.push_back({JobKind::eval, e.index, e.failure, e.reason, e.attempts, e.state == JobState::failed,
                            e.state == JobState::done});
  }
  // Every failed attempt was retried except the last one of a job that failed for good; a job
  // that finished after failures had attempts - 1 failed (and retried) attempts.
  for (auto& f : s.failures) s.retried += (f.final || f.done) ? (f.attempts > 0 ? f.attempts - 1 : 0) : f.attempts;
  std::map<std::uint32_t, std::size_t> runs_in_batch;
  for (auto& b : c.batches) runs_in_batch[b.index] = b.n_runs;
  double busy = 0, capacity = 0;
  for (auto& d : c.documents) {
    if (d.kind == "session") {
      auto j = nlohmann::json::parse(d.json, nullptr, false);
      if (j.is_discarded()) continue;
      if (j.value("event", "") == "start") {
        ++s.sessions;
        s.live = true;
      } else if (j.value("event", "") == "end") {
        s.live = false;
        s.run_seconds += j.value("seconds", 0.0);
        busy += j.value("busy_seconds", 0.0);
        capacity += j.value("seconds", 0.0) * j.value("workers", 0);
        s.last_stop = j.value("reason", "");
      }
    } else if (d.kind == "design") {
      auto j = nlohmann::json::parse(d.json, nullptr, false);
      if (j.is_discarded()) continue;
      if (j.value("stop", false)) s.design_stop = j.value("reason", "");
      BatchLine b;
      b.batch = d.batch;
      b.stop = j.value("stop", false);
      b.reason = j.value("reason", "");
      b.runs = b.stop ? 0 : runs_in_batch[d.batch];
      if (auto dec = j.find("decision"); dec != j.end() && dec->is_object()) {
        b.mode = dec->value("mode", dec->value("strategy", ""));
        if (auto o = dec->find("optimum"); o != dec->end() && o->is_object()) {
          b.n_star = o->value("n_star", 0.0);
          b.n_lo = o->value("n_lo", 0.0);
          b.n_hi = o->value("n_hi", 0.0);
        }
      }
      s.history.push_back(std::move(b));
    }
  }
  if (capacity > 0) s.idle_fraction = std::max(0.0, 1.0 - busy / capacity);
  return s;
}

std::string render_status(const SweepSummary& s, const std::string& path) {
  std::string out;
  out += fmt::format("store      {}{}\n", path, s.live ? "  (a coordinator is running or was killed)" : "");
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
  out += fmt::format("failures   {} failed for good, {} attempts retried\n", final_failures, s.retried);
  std::size_t shown = 0;
  for (auto& f : s.failures) {
    if (shown++ == 20) {
      out += fmt::format("  ... {} more (t2 status --json lists all)\n", s.failures.size() - 20);
      break;
    }
    out += fmt::format("  {} {:>5}  {:<10} attempts {}  {}  {}\n", to_string(f.kind), f.index, to_string(f.cls),
                       f.attempts, f.final ? "FAILED" : "retried", f.reason);
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
  j["history"] = json::array();
  for (auto& b : s.history)
    j["history"].push_back({{"batch", b.batch}, {"mode", b.mode}, {"runs", b.runs}, {"n_star", b.n_star},
                            {"n_lo", b.n_lo}, {"n_hi", b.n_hi}, {"stop", b.stop}, {"reason", b.reason}});
  j["failures"] = json::array();
  for (auto& f : s.failures)
    j["failures"].push_back({{"kind", to_string(f.kind)}, {"index", f.index}, {"class", to_string(f.cls)},
                             {"reason", f.reason}, {"attempts", f.attempts}, {"final", f.final}});
  return j.dump(2);
}

}  // namespace t2

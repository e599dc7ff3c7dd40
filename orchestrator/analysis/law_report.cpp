// law_report.cpp — JSON and text renderings of fits, plans, hold-outs, selections and warnings
// (see law_report.hpp; formats in schemas/laws.md).
#include "orchestrator/analysis/law_report.hpp"

#include <cmath>

#include <fmt/format.h>

namespace t2 {

// ---- JSON ----

static nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

static nlohmann::json chinchilla_json(const ChinchillaFit& f) {
  return {{"E", f.params.E},           {"A", f.params.A},           {"B", f.params.B},
          {"alpha", f.params.alpha},   {"beta", f.params.beta},     {"objective", f.objective},
          {"points", f.points},        {"rmse_log", f.rmse_log},    {"r2_log", f.r2_log},
          {"starts", f.starts_tried},  {"starts_at_best", f.starts_at_best}};
}

static nlohmann::json theta_json(const ThetaFit& t) {
  if (!t.fitted) return nullptr;
  return {{"theta", {t.theta[0], t.theta[1], t.theta[2], t.theta[3], t.theta[4]}},
          {"objective", t.objective},
          {"points", t.points},
          {"starts", t.starts_tried},
          {"rmse_pass", num(t.rmse_pass)}};
}

nlohmann::json fit_to_json(const LawFit& r, const FitInputs& in, const BootstrapOptions* bo) {
  nlohmann::json j;
  j["law"] = r.law.law->name();
  j["quantity"] = r.law.law->quantity();
  j["task"] = r.task;
  j["source"] = to_string(r.source);
  j["method"] = r.method;
  j["inputs"] = {{"kind", in.kind}, {"path", in.path}, {"runs", r.runs}};
  nlohmann::json params = nlohmann::json::object();
  for (std::size_t i = 0; i < r.param_names.size(); ++i) {
    nlohmann::json p = {{"value", r.law.theta[i]}};
    if (i < r.intervals.size()) p["lo"] = num(r.intervals[i].lo), p["hi"] = num(r.intervals[i].hi);
    params[r.param_names[i]] = p;
  }
  j["params"] = params;
  j["theta"] = r.law.theta;
  j["fit"] = {{"objective", num(r.objective)}, {"points", r.points}, {"rmse", num(r.rmse)}, {"r2_log", num(r.r2_log)}};
  j["stages"] = nlohmann::json::array();
  for (const FitStage& st : r.stages)
    j["stages"].push_back({{"name", st.name}, {"detail", st.detail}, {"rmse_of", st.rmse_of}, {"rmse", num(st.rmse)},
                           {"r2_log", num(st.r2_log)}, {"points", st.points}});
  if (bo)
    j["bootstrap"] = {{"replicates", bo->replicates}, {"succeeded", r.bootstrap.replicates.size()},
                      {"failed", r.bootstrap.failed},  {"seed", bo->seed},
                      {"level", r.level},              {"resample", r.law.law->name() == "t2-accuracy" ? "checkpoints+problems" : "checkpoints"}};
  if (r.has_reference) j["reference"] = chinchilla_json(r.reference);
  if (r.accuracy) {
    const AccuracyFit& a = *r.accuracy;
    j["accuracy"] = {{"lhat_source", to_string(a.lhat_source)},
                     {"lhat", chinchilla_json(a.lhat)},
                     {"used", to_string(a.used)},
                     {"two_stage", theta_json(a.two_stage)},
                     {"beta_binomial", theta_json(a.beta_binomial)},
                     {"k_grid", a.k_grid}};
    // null: the paper's unweighted fit (laws/locality.hpp).
    j["accuracy"]["locality"] = a.locality.on() ? nlohmann::json{{"center_flops", a.locality.center_flops},
                                                                   {"width_decades", a.locality.width_decades},
                                                                   {"effective_runs", a.effective_runs},
                                                                   {"runs", a.runs}}
                                                : nlohmann::json(nullptr);
  }
  if (r.loss) j["loss"] = {{"k_grid", r.loss->k_grid}, {"starts", r.loss->starts_tried}, {"starts_at_best", r.loss->starts_at_best}};
  return j;
}

static nlohmann::json alloc_json(const Allocation& a) {
  if (!a.feasible) return nullptr;
  return {{"N", a.n}, {"D", a.d}, {"k", a.k}, {"tokens_per_param", a.tokens_per_param()}, {"score", num(a.score)},
          {"train_flops", a.train_flops}, {"within_budget", a.within_budget}};
}

// Printed beside every bootstrap interval (issue 9, item 7): the intervals are honest only when
// the law's form is; the figures are bench_coverage's (schemas/laws.md).
static constexpr const char* kIntervalCaveat =
    "(bootstrap percentile intervals assume the law's form is right: N* was covered on 20/20 seeds of a "
    "well-specified truth but 11/20 of a misspecified one, schemas/laws.md section 3; the hold-out error is the "
    "honest check of the form)";

static nlohmann::json interval_json(const Interval& i) { return {num(i.lo), num(i.hi)}; }

nlohmann::json plan_to_json(const Plan& p, const FittedLaw& law, const PlanBounds& b, const PlanIntervals* iv) {
  nlohmann::json j;
  j["law"] = law.law->name();
  j["goal"] = law.law->goal() == Goal::minimize ? "minimize" : "maximize";
  const Deployment& d = p.deployment;
  if (d.form == Deployment::Form::split)
    j["deployment"] = {{"form", "split"}, {"train_flops", d.train_flops}, {"inference_flops", d.inference_flops}};
  else
    j["deployment"] = {{"form", "end_to_end"}, {"total_flops", d.total_flops}, {"queries", d.queries},
                       {"tokens_per_sample", d.tokens_per_sample}};
  j["bounds"] = {{"n_min", b.n_min}, {"n_max", b.n_max}, {"d_min", b.d_min}, {"d_max", b.d_max}, {"k_min", b.k_min}, {"k_max", b.k_max}};
  j["best"] = alloc_json(p.best);
  j["best_integer_k"] = alloc_json(p.best_integer);
  j["chinchilla"] = alloc_json(p.chinchilla);
  j["advantage"] = num(plan_advantage(law, p));
  if (iv && iv->replicates > 0)
    j["intervals"] = {{"replicates", iv->replicates}, {"score", interval_json(iv->score)}, {"N", interval_json(iv->n)},
                      {"D", interval_json(iv->d)},    {"k", interval_json(iv->k)},         {"best_score", interval_json(iv->best_score)},
                      {"advantage", interval_json(iv->advantage)}, {"caveat", kIntervalCaveat}};
  return j;
}

// ---- text ----

std::string render_fit(const LawFit& r, const FitInputs& in) {
  std::string s = fmt::format("law {} ({}) fitted to {} {}{}\n", r.law.law->name(), r.law.law->quantity(), in.kind, in.path,
                              r.task.empty() ? "" : fmt::format(", task {}", r.task));
  s += fmt::format("method: {}; pass@k source: {}\n", r.method, to_string(r.source));
  if (r.accuracy)
    s += fmt::format("Lhat fitted to {}; theta fitted by {} (the other: {})\n", to_string(r.accuracy->lhat_source),
                     to_string(r.accuracy->used),
                     r.accuracy->used == AccuracyMethod::two_stage
                         ? (r.accuracy->beta_binomial.fitted ? fmt::format("beta_binomial, rmse pass@k {:.4g}", r.accuracy->beta_binomial.rmse_pass) : std::string("not possible"))
                         : (r.accuracy->two_stage.fitted ? fmt::format("two_stage, rmse pass@k {:.4g}", r.accuracy->two_stage.rmse_pass) : std::string("not possible")));
  if (r.accuracy && r.accuracy->locality.on())
    s += fmt::format("local fit: runs weighted exp(-z^2/2), z = log10(6ND / {:.3g}) / {:g}: {:.1f} effective of {} runs; "
                     "the law is claimed near that budget only\n",
                     r.accuracy->locality.center_flops, r.accuracy->locality.width_decades, r.accuracy->effective_runs,
                     r.accuracy->runs);
  bool iv = !r.intervals.empty();
  s += iv ? fmt::format("  {:<8} {:>14} {:>14} {:>14}\n", "param", "value", fmt::format("{:.0f}% lo", r.level * 100), "hi")
          : fmt::format("  {:<8} {:>14}\n", "param", "value");
  for (std::size_t i = 0; i < r.param_names.size(); ++i) {
    s += fmt::format("  {:<8} {:>14.6g}", r.param_names[i], r.law.theta[i]);
    if (iv) s += fmt::format(" {:>14.6g} {:>14.6g}", r.intervals[i].lo, r.intervals[i].hi);
    s += "\n";
  }
  // Each stage's own quality on its own line (the accuracy law's pass@k rmse is not Lhat's R^2).
  for (const FitStage& st : r.stages) {
    s += fmt::format("fit {:<10} {:<28} {:>5} points, rmse of {} {:.4g}", st.name, st.detail.empty() ? "" : "(" + st.detail + ")",
                     st.points, st.rmse_of, st.rmse);
    if (std::isfinite(st.r2_log)) s += fmt::format(", R^2 (log) {:.4f}", st.r2_log);
    s += "\n";
  }
  s += fmt::format("objective {:.6g}\n", r.objective);
  if (iv) s += fmt::format("bootstrap: {} replicates ({} failed)\n", r.bootstrap.replicates.size(), r.bootstrap.failed);
  return s;
}

static std::string alloc_line(const char* label, const Allocation& a) {
  if (!a.feasible) return fmt::format("  {:<14} infeasible within the bounds\n", label);
  return fmt::format("  {:<14} N {:>10.4g}  D {:>10.4g}  k {:>9.4g}  D/N {:>9.4g}  score {:.6g}{}\n", label, a.n, a.d, a.k,
                     a.tokens_per_param(), a.score, a.within_budget ? "" : "  (cannot serve k_min within the inference budget)");
}

std::string render_plan(const Plan& p, const FittedLaw& law, const PlanIntervals* iv) {
  const Deployment& d = p.deployment;
  std::string s = d.form == Deployment::Form::split
                      ? fmt::format("plan under {} ({} {}): C_train {:.4g} FLOPs, C_inf {:.4g} FLOPs/token\n", law.law->name(),
                                    law.law->goal() == Goal::minimize ? "minimising" : "maximising", law.law->quantity(),
                                    d.train_flops, d.inference_flops)
                      : fmt::format("plan under {} ({} {}): C {:.4g} FLOPs, Q {:.4g} queries x T {:.4g} tokens\n",
                                    law.law->name(), law.law->goal() == Goal::minimize ? "minimising" : "maximising",
                                    law.law->quantity(), d.total_flops, d.queries, d.tokens_per_sample);
  s += alloc_line("T2 optimum", p.best);
  s += alloc_line("integer k", p.best_integer);
  s += alloc_line("Chinchilla", p.chinchilla);
  double adv = plan_advantage(law, p);
  if (std::isfinite(adv)) {
    s += fmt::format("  T2 vs Chinchilla: {:+.4g} in {} under the fit (> 0: the T2 choice is better)", adv, law.law->quantity());
    if (iv && iv->replicates > 0 && std::isfinite(iv->advantage.lo))
      s += fmt::format("; 95% interval over {} bootstrap fits [{:+.4g}, {:+.4g}]{}\n", iv->replicates, iv->advantage.lo,
                       iv->advantage.hi, iv->advantage.lo > 0   ? ": the data decide for T2"
                                         : iv->advantage.hi < 0 ? ": the data decide for Chinchilla"
                                                                : ": not decided by the data");
    else
      s += "; not checked against the data's noise (no bootstrap: --bootstrap B gives its interval)\n";
  }
  if (iv && iv->replicates > 0)
    s += fmt::format("  95% intervals over {} bootstrap fits: score of this plan [{:.6g}, {:.6g}], N* [{:.4g}, {:.4g}], "
                     "k* [{:.4g}, {:.4g}]\n",
                     iv->replicates, iv->score.lo, iv->score.hi, iv->n.lo, iv->n.hi, iv->k.lo, iv->k.hi);
  if (iv && iv->replicates > 0) s += std::string("  ") + kIntervalCaveat + "\n";
  return s;
}

std::string render_frontier(const std::vector<Plan>& ps, const FittedLaw& law) {
  std::string s = fmt::format("frontier under {} ({})\n{:>11} {:>10} {:>10} {:>9} {:>9} {:>12} | {:>10} {:>9} {:>12}\n",
                              law.law->name(), law.law->quantity(), "budget", "N*", "D*", "k*", "D*/N*", "score",
                              "N chin", "D/N chin", "score chin");
  for (const Plan& p : ps) {
    double c = p.deployment.form == Deployment::Form::split ? p.deployment.train_flops : p.deployment.total_flops;
    s += fmt::format("{:>11.4g} ", c);
    if (p.best.feasible)
      s += fmt::format("{:>10.4g} {:>10.4g} {:>9.4g} {:>9.4g} {:>12.6g}", p.best.n, p.best.d, p.best.k, p.best.tokens_per_param(), p.best.score);
    else
      s += fmt::format("{:>54}", "infeasible");
    if (p.chinchilla.feasible)
      s += fmt::format(" | {:>10.4g} {:>9.4g} {:>12.6g}\n", p.chinchilla.n, p.chinchilla.tokens_per_param(), p.chinchilla.score);
    else
      s += " | \n";
  }
  return s;
}

// ---- warnings, hold-out, selection ----

nlohmann::json warnings_to_json(const std::vector<Warning>& w) {
  nlohmann::json j = nlohmann::json::array();
  for (const Warning& x : w) j.push_back({{"code", x.code}, {"message", x.message}});
  return j;
}

nlohmann::json holdout_to_json(const HoldoutResult& h) {
  nlohmann::json runs = nlohmann::json::array();
  for (const HoldoutRun& r : h.runs)
    runs.push_back({{"N", r.n}, {"D", r.d}, {"k", r.k}, {"run", r.run}, {"observed", num(r.observed)},
                    {"predicted", num(r.predicted)}, {"rel_error", num(r.rel_error)}});
  return {{"rule", h.rule},
          {"fitted_runs", h.fitted_runs},
          {"held_out_runs", h.held_out_runs},
          {"metric", h.metric},
          {"mean_abs_rel_error", num(h.mean_abs_rel_error)},
          {"mean_abs_rel_error_k_grid", num(h.mean_abs_rel_error_k_grid)},
          {"runs", runs}};
}

static nlohmann::json candidate_json(const Candidate& c) {
  nlohmann::json j = {{"name", c.name}, {"scored", c.scored}};
  if (c.name != "t2-loss") j["lhat"] = to_string(c.lhat), j["method"] = to_string(c.method);
  if (!c.error.empty()) j["error"] = c.error;
  if (c.scored || !c.holdout.runs.empty()) j["holdout"] = holdout_to_json(c.holdout);
  return j;
}

nlohmann::json selection_to_json(const Selection& s) {
  nlohmann::json j;
  j["rule"] = s.rule;
  j["default_rule"] = s.default_rule;
  j["too_few"] = s.too_few;
  j["candidates"] = nlohmann::json::array();
  for (const Candidate& c : s.candidates) j["candidates"].push_back(candidate_json(c));
  j["chosen"] = s.chosen >= 0 ? nlohmann::json(s.candidates[s.chosen].name) : nlohmann::json(nullptr);
  j["lhat"] = to_string(s.fit_options.lhat);
  j["method"] = to_string(s.fit_options.method);
  j["reason"] = s.reason;
  if (!s.too_few) j["t2_loss"] = candidate_json(s.loss);
  if (s.loss_fit) {
    j["t2_loss"]["fit"] = fit_to_json(*s.loss_fit, {}, nullptr);
    j["t2_loss"]["fit"].erase("inputs");  // the same as the enclosing fit's
  }
  return j;
}

std::string render_warnings(const std::vector<Warning>& w) {
  std::string s;
  for (const Warning& x : w) s += fmt::format("warning [{}]: {}\n", x.code, x.message);
  return s;
}

// A percentage for the tables: fixed-point while readable, else scientific (a broken candidate's
// error can be astronomically large; it must not push the table apart).
static std::string pct(double v) {
  return std::abs(100 * v) < 1e5 ? fmt::format("{:.2f}%", 100 * v) : fmt::format("{:.3g}%", 100 * v);
}

std::string render_holdout(const HoldoutResult& h, const std::string& law) {
  std::string s = fmt::format("hold-out '{}' ({}): fitted on {} runs, predicted {} held-out runs; {}\n", h.rule, law,
                              h.fitted_runs, h.held_out_runs, h.metric);
  s += fmt::format("  {:>11} {:>11} {:>9} {:>12} {:>12} {:>10}\n", "N", "D", "k", "observed", "predicted", "rel error");
  for (const HoldoutRun& r : h.runs)
    s += fmt::format("  {:>11.4g} {:>11.4g} {:>9.4g} {:>12.6g} {:>12.6g} {:>10}\n", r.n, r.d, r.k, r.observed, r.predicted,
                     pct(r.rel_error));
  s += fmt::format("  mean |relative error| {}", pct(h.mean_abs_rel_error));
  if (std::isfinite(h.mean_abs_rel_error_k_grid)) s += fmt::format(" (over the k grid: {})", pct(h.mean_abs_rel_error_k_grid));
  return s + "\n";
}

std::string render_selection(const Selection& s) {
  if (s.too_few) return fmt::format("law selection (--law auto): not possible: {}\n", s.reason);
  std::string out = fmt::format("law selection (--law auto): candidates scored on the runs held out by '{}'{}\n", s.rule,
                                s.default_rule ? " (the most over-trained quarter by D/N, at least 3 runs)" : "");
  out += fmt::format("  {:<48} {:>14} {:>14}\n", "candidate", "hold-out error", "over k grid");
  auto row = [&](const Candidate& c, bool chosen) {
    if (c.scored)
      out += fmt::format("  {:<48} {:>14} {:>14}{}\n", c.name, pct(c.holdout.mean_abs_rel_error),
                         pct(c.holdout.mean_abs_rel_error_k_grid), chosen ? "  <- chosen" : "");
    else
      out += fmt::format("  {:<48} {:>14}  ({})\n", c.name, "-", c.error);
  };
  for (std::size_t i = 0; i < s.candidates.size(); ++i) row(s.candidates[i], static_cast<int>(i) == s.chosen);
  out += fmt::format("  chosen: {} ({}), refitted on all runs\n",
                     s.chosen >= 0 ? s.candidates[s.chosen].name : std::string("none"), s.reason);
  if (s.loss.scored)
    out += fmt::format("  beside it, t2-loss (Approach 1): hold-out error {} of {} ({} over the k grid)\n",
                       pct(s.loss.holdout.mean_abs_rel_error), s.loss.holdout.metric, pct(s.loss.holdout.mean_abs_rel_error_k_grid));
  else
    out += fmt::format("  beside it, t2-loss (Approach 1): not scored ({})\n", s.loss.error);
  return out;
}

static nlohmann::json target_json(const PlanTarget& t) {
  return {{"deployment_source", t.deployment_source},
          {"bounds_source", {{"N", t.n_source}, {"D", t.d_source}, {"k", t.k_source}}}};
}

nlohmann::json fit_document(const Analysis& a) {
  nlohmann::json j = fit_to_json(a.fit, a.inputs, a.bootstrap ? &*a.bootstrap : nullptr);
  if (a.holdout) j["holdout"] = holdout_to_json(*a.holdout);
  if (a.selection) j["selection"] = selection_to_json(*a.selection);
  j["warnings"] = warnings_to_json(a.fit_warnings);
  return j;
}

nlohmann::json analysis_to_json(const Analysis& a) {
  if (!a.plan && a.frontier.empty()) return fit_document(a);
  nlohmann::json j;
  j["fit"] = fit_document(a);
  if (a.target) j["target"] = target_json(*a.target);
  if (a.plan) {
    j["plan"] = plan_to_json(*a.plan, a.fit.law, a.target->bounds, &a.intervals);
    if (a.truth) add_truth_json(j, *a.truth);
  } else {
    j["frontier"] = nlohmann::json::array();
    for (const Plan& p : a.frontier) j["frontier"].push_back(plan_to_json(p, a.fit.law, a.target->bounds, nullptr));
  }
  if (a.holdout) j["holdout"] = holdout_to_json(*a.holdout);
  if (a.selection) j["selection"] = selection_to_json(*a.selection);
  j["warnings"] = warnings_to_json(a.warnings);
  return j;
}

std::string render_analysis(const Analysis& a) {
  std::string s;
  if (a.selection) s += render_selection(*a.selection);
  s += render_fit(a.fit, a.inputs);
  if (a.holdout) s += render_holdout(*a.holdout, a.holdout_of);
  if (a.target && (a.plan || !a.frontier.empty())) {
    const PlanBounds& b = a.target->bounds;
    s += fmt::format("deployment from {}; bounds N [{:.4g}, {:.4g}] ({}), D [{:.4g}, {:.4g}] ({}), k [{:.4g}, {:.4g}] ({})\n",
                     a.target->deployment_source, b.n_min, b.n_max, a.target->n_source, b.d_min, b.d_max, a.target->d_source,
                     b.k_min, b.k_max, a.target->k_source);
  }
  if (a.plan) s += render_plan(*a.plan, a.fit.law, &a.intervals);
  if (a.truth) s += render_truth_row(*a.truth);
  else if (!a.truth_note.empty()) s += fmt::format("  truth          not available: {}\n", a.truth_note);
  else if (!a.frontier.empty()) s += render_frontier(a.frontier, a.fit.law);
  s += render_warnings(a.warnings);
  if (a.warnings.empty()) s += "no warnings\n";
  return s;
}

}  // namespace t2

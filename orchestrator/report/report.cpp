// report.cpp — `t2 report`'s driver (see report.hpp): builds the model every figure reads (fits
// and plans through orchestrator/laws), asks figures.cpp for each figure, writes report.gp, runs
// gnuplot and rsvg-convert, and writes index.html.
#include "orchestrator/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/analysis/plan_target.hpp"
#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/report/figures.hpp"
#include "orchestrator/report/gnuplot.hpp"
#include "orchestrator/store/documents.hpp"

namespace t2 {

namespace {

namespace fs = std::filesystem;
using namespace report;

std::string html(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// Where each planner bound came from (analysis/plan_target.hpp), for the captions.
std::string bounds_rule_of(const PlanTarget& t) {
  return fmt::format("N {}, D {}, k {}: the rule of `t2 plan` (analysis/plan_target.hpp)", t.n_source, t.d_source,
                     t.k_source);
}

ReportModel build_model(const StoreContents& contents, const std::optional<SweepConfig>& config, const ReportOptions& o) {
  ReportModel m;
  m.contents = &contents;
  m.store = o.store;
  m.bootstrap = o.bootstrap;
  m.runs = fit_data_from_store(contents, "");
  for (const Checkpoint& c : m.runs.checkpoints) {
    if (!(c.n > 0 && c.d > 0)) continue;
    m.n.add(c.n), m.d.add(c.d), m.tokens_per_param.add(c.d / c.n), m.train_flops.add(6 * c.n * c.d);
  }
  try {
    FitOptions fo;
    fo.law = "chinchilla";
    fo.threads = o.threads;
    m.loss_law = fit_law(m.runs, fo);
  } catch (const std::exception& e) {
    m.loss_why_not = std::string("the loss law could not be fitted (") + e.what() + ")";
  }
  if (config) m.target = deployment_from_target(config->target), m.strategy = config->design.strategy;
  // The one deployment-and-bounds model of `t2 plan` (flags none here): [target], else the runs
  // widened 10x; each task's analysis below refines k to what its law was fitted at.
  const SweepConfig* cfg = config ? &*config : nullptr;
  if (!m.runs.checkpoints.empty()) {
    PlanTarget pt = plan_target(std::nullopt, cfg, m.runs, 0, {});
    m.bounds = pt.bounds, m.bounds_rule = bounds_rule_of(pt);
  }

  std::vector<std::string> tasks = tasks_of(contents);
  if (!o.task.empty()) {
    if (std::find(tasks.begin(), tasks.end(), o.task) == tasks.end())
      throw ReportError(fmt::format("--task {}: no finished evals of that task in the store (tasks: {})", o.task,
                                    tasks.empty() ? "none" : fmt::format("{}", fmt::join(tasks, ", "))));
    tasks = {o.task};
  }
  for (const std::string& task : tasks) {
    TaskModel t;
    t.task = task;
    t.data = fit_data_from_store(contents, task);
    // The one fitting path of `t2 plan` (analysis.hpp), with its defaults (--law auto) unless the
    // report's flags say otherwise, so the report shows what `t2 plan STORE` plans with.
    try {
      LoadedInputs in = law_inputs_from_store(contents, "the store", task);
      AnalysisRequest rq;
      rq.fit = o.fit;
      rq.fit.threads = o.threads;
      rq.bootstrap = o.bootstrap;
      rq.seed = o.seed;
      rq.plan = m.target.has_value();
      Analysis a = analyse(in, rq);
      t.fit = a.fit;
      t.warnings = a.warnings;
      if (a.selection) t.selection = a.selection->reason;
      if (a.plan) {
        t.target_plan = a.plan;
        if (a.intervals.replicates > 0) t.target_intervals = a.intervals;
      }
      if (a.target) m.bounds = a.target->bounds, m.bounds_rule = bounds_rule_of(*a.target);
    } catch (const std::exception& e) {
      t.why_not = std::string("the T² accuracy law could not be fitted (") + e.what() + ")";
    }
    // A negative log-likelihood of discrete data cannot be negative, and an rmse cannot be
    // infinite: either means the fit's numbers (and every curve drawn from it) are not usable.
    if (t.fit && (!std::isfinite(t.fit->rmse) || !std::isfinite(t.fit->objective) ||
                  (t.fit->method == "beta_binomial" && t.fit->objective < 0)))
      t.unusable = fmt::format("this fit is not usable (objective {:.4g}, rmse {:.4g}); its curves, bands and plan are "
                               "drawn as fitted, not as trustworthy", t.fit->objective, t.fit->rmse);
    m.tasks.push_back(std::move(t));
  }
  return m;
}

// The figures in the index's order; each one not drawn goes to `skipped` with its reason.
std::vector<Figure> all_figures(const ReportModel& m, std::vector<Skipped>& skipped) {
  std::vector<Figure> figs;
  auto take = [&](const std::string& name, std::optional<Figure> f, const std::string& why) {
    if (f) figs.push_back(std::move(*f));
    else skipped.push_back({name, why});
  };
  std::string why;
  auto f = loss_vs_d(m, why);
  take("loss_vs_d", std::move(f), why);
  f = isoflop(m, why);
  take("isoflop", std::move(f), why);
  for (const TaskModel& t : m.tasks) {
    const std::string part = file_part(t.task);
    f = pass_at_k(m, t, why);
    take("pass_at_k_" + part, std::move(f), why);
    Frontier fr = frontier(m, t);
    f = frontier_n(m, t, fr, why);
    take("frontier_n_" + part, std::move(f), why);
    f = tokens_per_param(m, t, fr, why);
    take("tokens_per_param_" + part, std::move(f), why);
  }
  if (m.tasks.empty()) skipped.push_back({"pass_at_k, frontier_n, tokens_per_param", "no finished evals in the store"});
  f = history(m, why);
  take("history", std::move(f), why);
  return figs;
}

std::string fit_and_plan(const ReportModel& m, const TaskModel& t);

// The task's section: the fit and plan, then every warning `t2 plan STORE` would print for it
// (silence in the index means checked and fine, as on the command line).
std::string fit_summary(const ReportModel& m, const TaskModel& t) {
  std::string s = "<h3>Task " + html(t.task) + "</h3>\n";
  if (!t.selection.empty()) s += "<p>Law selection (--law auto): " + html(t.selection) + "</p>\n";
  s += fit_and_plan(m, t);
  if (t.fit) {
    if (t.warnings.empty()) {
      s += "<p>Warnings: none (parameters, bounds, extrapolation and fit quality were checked).</p>\n";
    } else {
      s += "<p>Warnings:</p>\n<ul>\n";
      for (const Warning& w : t.warnings) s += "<li><code>" + html(w.code) + "</code>: " + html(w.message) + "</li>\n";
      s += "</ul>\n";
    }
  }
  return s;
}

std::string fit_and_plan(const ReportModel& m, const TaskModel& t) {
  std::string s;
  if (!t.fit) return s + "<p>" + html(t.why_not) + ".</p>\n";
  const LawFit& f = *t.fit;
  s += fmt::format("<p>{} law (orchestrator/laws, method {}, pass@k source {}, {} points): rmse {:.3g}", html(f.law.law->name()),
                   html(f.method), to_string(f.source), f.points, f.rmse);
  for (const auto& st : f.stages)
    s += fmt::format("; stage {} ({}): rmse of {} {:.3g}{}", html(st.name), html(st.detail), html(st.rmse_of), st.rmse,
                     std::isfinite(st.r2_log) ? fmt::format(", R² (log) {:.3f}", st.r2_log) : "");
  s += ".";
  if (!f.bootstrap.replicates.empty())
    s += fmt::format(" Intervals: 95% percentile bootstrap, {} refits ({} failed).", f.bootstrap.replicates.size(), f.bootstrap.failed);
  if (!t.unusable.empty()) s += " <b>Warning: " + html(t.unusable) + "</b>.";
  s += "</p>\n<table border=\"1\" cellpadding=\"3\"><tr><th>parameter</th><th>value</th><th>95% interval</th><th>note</th></tr>\n";
  const std::vector<ParamSpec> specs = f.law.law->params();
  for (std::size_t i = 0; i < f.param_names.size(); ++i) {
    // A value on its bound is not a measurement: the data did not pin it (say so beside it).
    std::string note;
    if (i < specs.size()) {
      const double v = f.law.theta[i], tol = 1e-6 * std::max(1.0, std::abs(v));
      if (std::abs(v - specs[i].lower) <= tol) note = fmt::format("on its lower bound {:g}: not identified by the data", specs[i].lower);
      if (std::abs(v - specs[i].upper) <= tol) note = fmt::format("on its upper bound {:g}: not identified by the data", specs[i].upper);
    }
    s += fmt::format("<tr><td>{}</td><td>{:.4g}</td><td>{}</td><td>{}</td></tr>\n", html(f.param_names[i]), f.law.theta[i],
                     i < f.intervals.size() ? fmt::format("[{:.4g}, {:.4g}]", f.intervals[i].lo, f.intervals[i].hi) : "–",
                     html(note));
  }
  s += "</table>\n";
  if (!m.target) return s + "<p>No [target] in the store's config: no plan (see `t2 plan --help`).</p>\n";
  if (!t.target_plan || !t.target_plan->best.feasible)
    return s + "<p>The configured [target] is infeasible within the planner bounds (" + html(m.bounds_rule) + ").</p>\n";
  const Plan& p = *t.target_plan;
  auto row = [&](const char* name, const Allocation& a, bool k_matters) {
    if (!a.feasible) return fmt::format("<tr><td>{}</td><td colspan=\"5\">infeasible</td></tr>\n", name);
    std::string on;
    if (a.n <= m.bounds.n_min * 1.001 || a.n >= m.bounds.n_max * 0.999) on += " N on a bound;";
    if (a.d <= m.bounds.d_min * 1.001 || a.d >= m.bounds.d_max * 0.999) on += " D on a bound;";
    if (k_matters && a.k >= m.bounds.k_max * 0.999) on += " k at k_max;";
    if (!m.n.contains(a.n) || !m.tokens_per_param.contains(a.d / a.n)) on += " outside the fitted runs (extrapolation);";
    return fmt::format("<tr><td>{}</td><td>{:.4g}</td><td>{:.4g}</td><td>{:.4g}</td><td>{:.4g}</td><td>{:.4g}</td><td>{}</td></tr>\n",
                       name, a.n, a.d, a.k, a.d / a.n, a.score, html(on));
  };
  s += "<p>Plan for the store's [target] (the planner of `t2 plan`; bounds: " + html(m.bounds_rule) +
       fmt::format("; N in [{:.3g}, {:.3g}], D in [{:.3g}, {:.3g}], k ≤ {:.3g}):</p>\n", m.bounds.n_min, m.bounds.n_max,
                   m.bounds.d_min, m.bounds.d_max, m.bounds.k_max);
  s += "<table border=\"1\" cellpadding=\"3\"><tr><th></th><th>N</th><th>D</th><th>k</th><th>D/N</th><th>predicted pass@k</th><th>notes</th></tr>\n";
  s += row("T² optimum", p.best, true) + row("integer k", p.best_integer, true) + row("Chinchilla", p.chinchilla, false);
  s += "</table>\n";
  if (t.target_intervals && t.target_intervals->replicates > 0) {
    const PlanIntervals& iv = *t.target_intervals;
    s += fmt::format("<p>Bootstrap ({} replicates), 95%: N* in [{:.3g}, {:.3g}], D* in [{:.3g}, {:.3g}], k* in [{:.3g}, {:.3g}]; "
                     "score of the chosen allocation in [{:.3g}, {:.3g}].</p>\n",
                     iv.replicates, iv.n.lo, iv.n.hi, iv.d.lo, iv.d.hi, iv.k.lo, iv.k.hi, iv.score.lo, iv.score.hi);
  }
  return s;
}

// The config the store was created with gives the target and the grid; a store without one
// (an import) still gets its data figures and fits. A config that cannot be read is said in `note`.
std::optional<SweepConfig> stored_config(const StoreContents& contents, const ReportOptions& o, std::string& note) {
  if (contents.config_text.empty() || created_by_import(contents, o.store)) return std::nullopt;
  try {
    return parse_sweep_config(contents.config_text, contents.config_file.empty() ? "store config" : contents.config_file);
  } catch (const std::exception& e) {
    note = std::string("The stored config could not be read, so there is no [target] plan: ") + e.what();
    return std::nullopt;
  }
}

// DIR/report.gp: every figure's script after its terminal and output lines (rerun it to redraw).
void write_script(const std::string& out_dir, const std::vector<Figure>& figs, ReportFiles& files) {
  files.script = (fs::path(out_dir) / "report.gp").string();
  std::ofstream gp(files.script);
  if (!gp) throw ReportError(fmt::format("{}: cannot write", files.script));
  gp << "# Generated by t2 report; rerun with: gnuplot report.gp (from this directory)\n";
  for (const Figure& f : figs) {
    files.figures.push_back((fs::path(out_dir) / (f.name + ".svg")).string());
    // noenhanced: labels are plain text ("pass@k", "C ≈ …", "C_inf" print as written).
    gp << "reset\nset encoding utf8\nset terminal svg size 1000,560 dynamic noenhanced font 'sans,11' background '#ffffff'\n"
       << "set output " << quote(f.name + ".svg") << "\nset grid\nset key outside right top font ',9' spacing 1.1\n"
       << f.script << "unset output\n\n";
  }
}

// Runs gnuplot on report.gp, checks every SVG was written, and renders each to PNG (rsvg).
void draw(const std::string& out_dir, const std::vector<Figure>& figs, const ReportOptions& options, ReportFiles& files) {
  const std::string log = "gnuplot.log";
  std::remove((fs::path(out_dir) / log).c_str());
  run_program(options.gnuplot, {"report.gp"}, out_dir, log, "install Debian's gnuplot-nox");
  for (const std::string& f : files.figures)
    if (!fs::exists(f) || fs::file_size(f) == 0) throw ReportError(fmt::format("{}: gnuplot wrote no figure", f));
  if (options.rsvg.empty()) return;
  for (const Figure& f : figs) {
    run_program(options.rsvg, {"--background-color=white", "-o", f.name + ".png", f.name + ".svg"}, out_dir, "rsvg.log",
                "install Debian's librsvg2-bin, or pass --no-png");
    files.pngs.push_back((fs::path(out_dir) / (f.name + ".png")).string());
  }
}

// DIR/index.html: the store in one line, each task's fits and plan, the figures with their
// captions, and the figures not drawn with why.
void write_index(const std::string& out_dir, const ReportModel& m, const std::vector<Figure>& figs,
                 const std::vector<Skipped>& skipped, const std::string& config_note, const ReportOptions& options,
                 ReportFiles& files) {
  files.index = (fs::path(out_dir) / "index.html").string();
  std::ofstream out(files.index);
  if (!out) throw ReportError(fmt::format("{}: cannot write", files.index));
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>t2 report</title></head><body>\n<h1>t2 report</h1>\n";
  out << fmt::format("<p>{} finished runs; tasks: {}; {} batch(es).</p>\n", m.runs.checkpoints.size(),
                     m.tasks.empty() ? "none" : html(fmt::format("{}", fmt::join(tasks_of(*m.contents), ", "))),
                     m.contents->batches.size());
  if (!config_note.empty()) out << "<p>" << html(config_note) << "</p>\n";
  out << "<h2>Fits and plans</h2>\n";
  for (const TaskModel& t : m.tasks) out << fit_summary(m, t);
  for (const Figure& f : figs) {
    out << fmt::format("<h2 id=\"{0}\">{1}</h2>\n<p>{2}</p>\n<p><a href=\"{0}.svg\"><img src=\"{3}\" width=\"1000\" alt=\"{1}\"></a>"
                       " (<a href=\"{0}.svg\">SVG</a>{4})</p>\n",
                       f.name, html(f.title), html(f.caption), options.rsvg.empty() ? f.name + ".svg" : f.name + ".png",
                       options.rsvg.empty() ? "" : ", <a href=\"" + f.name + ".png\">PNG</a>");
  }
  if (!skipped.empty()) {
    out << "<h2>Figures not drawn</h2>\n<ul>\n";
    for (const Skipped& s : skipped) out << "<li>" << html(s.name) << ": " << html(s.why) << "</li>\n";
    out << "</ul>\n";
  }
  out << "</body></html>\n";
}

}  // namespace

ReportFiles write_report(const StoreContents& contents, const std::string& out_dir, const ReportOptions& options) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) throw ReportError(fmt::format("{}: cannot create the output directory ({})", out_dir, ec.message()));
  std::string config_note;
  const std::optional<SweepConfig> config = stored_config(contents, options, config_note);
  const ReportModel m = build_model(contents, config, options);
  std::vector<Skipped> skipped;
  const std::vector<Figure> figs = all_figures(m, skipped);
  ReportFiles files;
  write_script(out_dir, figs, files);
  draw(out_dir, figs, options, files);
  for (const Skipped& s : skipped) files.skipped.push_back(s.name + ": " + s.why);
  write_index(out_dir, m, figs, skipped, config_note, options, files);
  return files;
}

}  // namespace t2

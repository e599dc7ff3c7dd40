// figures.cpp — one function per figure of `t2 report` (see figures.hpp). Every curve, band and
// frontier comes from orchestrator/laws (the fits and planner of `t2 fit` / `t2 plan`); the
// measured points come from the stored outcomes. Text is drawn `noenhanced` (report.cpp), so
// labels are plain UTF-8.
#include "orchestrator/report/figures.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "orchestrator/laws/pass_at_k.hpp"
#include "orchestrator/report/gnuplot.hpp"
#include "orchestrator/store/documents.hpp"

namespace t2::report {

namespace {

std::string sci(double x) { return fmt::format("{:.2g}", x); }

double geomean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::log(x);
  return v.empty() ? kNaN : std::exp(s / v.size());
}

// Runs grouped by model size: N within 0.1 % (log10 to 3 decimals) is one size.
std::map<long, std::vector<const Checkpoint*>> by_size(const FitData& runs) {
  std::map<long, std::vector<const Checkpoint*>> g;
  for (const Checkpoint& c : runs.checkpoints)
    if (std::isfinite(c.loss) && c.n > 0 && c.d > 0) g[std::lround(1000 * std::log10(c.n))].push_back(&c);
  return g;
}

std::string loss_fit_note(const ReportModel& m) {
  if (!m.loss_law) return " No law is drawn: " + m.loss_why_not + ".";
  const LawFit& f = *m.loss_law;
  const auto& t = f.law.theta;
  return fmt::format(" Lines: the Chinchilla law L(N, D) = E + A/N^α + B/D^β fitted to every run (Approach 3, "
                     "orchestrator/laws): E = {:.3g}, A = {:.3g}, B = {:.3g}, α = {:.3g}, β = {:.3g}; rmse of log L "
                     "{:.3g}, R² (log) {:.3f}.", t[0], t[1], t[2], t[3], t[4], f.rmse, f.r2_log);
}

// A log axis over less than two decades gets one or two labelled ticks from gnuplot; label the
// values the runs used instead (at most 12 of them), which is what a reader looks for.
std::string value_ticks(const char* axis, std::vector<double> values, const Range& r) {
  if (r.empty() || r.hi > 100 * r.lo) return "";
  std::sort(values.begin(), values.end());
  std::vector<double> distinct;
  for (double v : values)
    if (distinct.empty() || v > distinct.back() * 1.01) distinct.push_back(v);
  if (distinct.size() > 12) return "";
  std::string t = fmt::format("set {}tics (", axis);
  for (std::size_t i = 0; i < distinct.size(); ++i) t += fmt::format("{}{} {}", i ? ", " : "", quote(sci(distinct[i])), fmt_g(distinct[i]));
  return t + ")\n";
}

}  // namespace

std::string file_part(const std::string& task) {
  std::string s;
  for (char c : task) s += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return s.empty() ? "task" : s;
}

// --- loss vs D, one series per N ---
std::optional<Figure> loss_vs_d(const ReportModel& m, std::string& why) {
  auto groups = by_size(m.runs);
  if (groups.empty()) {
    why = "no finished runs with a loss";
    return std::nullopt;
  }
  std::string pts, law, plot;
  std::vector<double> ds;
  for (const Checkpoint& c : m.runs.checkpoints) ds.push_back(c.d);
  int i = 0;
  for (auto& [key, cs] : groups) {
    std::vector<double> ns;
    for (auto* c : cs) pts += fmt_g(c->d) + " " + fmt_g(c->loss) + "\n", ns.push_back(c->n);
    pts += "\n\n";
    const double n = geomean(ns);
    if (m.loss_law)
      for (double d : logspace(m.d.lo, m.d.hi, 60)) law += fmt_g(d) + " " + fmt_g(m.loss_law->law.score(n, d)) + "\n";
    law += "\n\n";
    const std::string c = sequential(i, static_cast<int>(groups.size()));
    plot += fmt::format("{}$pts index {} with points pt 7 ps 0.8 lc rgb '{}' title {}", i ? ", " : "", i, c,
                        quote("N = " + sci(n)));
    if (m.loss_law) plot += fmt::format(", $law index {} with lines lw 2 lc rgb '{}' notitle", i, c);
    ++i;
  }
  if (m.loss_law) plot += ", keyentry with lines lw 2 lc rgb 'black' title 'fitted L(N, D)'";
  Figure f;
  f.name = "loss_vs_d";
  f.title = "Training loss vs D for each model size N";
  f.caption = fmt::format("Final training loss (nats/token) of every finished run against its training tokens D, one "
                          "colour per model size N, dark to light with growing N ({} runs).", m.runs.checkpoints.size()) + loss_fit_note(m);
  f.script = datablock("pts", pts) + datablock("law", m.loss_law ? law : "") +
             fmt::format("set xrange [{}:{}]\n", fmt_g(m.d.lo / 1.3), fmt_g(m.d.hi * 1.3)) +
             value_ticks("x", ds, m.d) +
             "set logscale x\nset xlabel 'training tokens D'\nset ylabel 'loss (nats/token)'\n"
             "set title 'Training loss vs D per model size N'\nplot " + plot + "\n";
  return f;
}

// --- IsoFLOP profiles: loss vs N along groups of equal training compute ---
std::optional<Figure> isoflop(const ReportModel& m, std::string& why) {
  // Bins of 6ND per quarter decade; coarser (half, whole decades) when that would give more than
  // 24 bins, so the legend stays readable.
  std::map<long, std::vector<const Checkpoint*>> by_c;
  int per_decade = 4;
  for (; per_decade >= 1; per_decade /= 2) {
    by_c.clear();
    for (const Checkpoint& c : m.runs.checkpoints)
      if (std::isfinite(c.loss) && c.n > 0 && c.d > 0) by_c[std::lround(per_decade * std::log10(6 * c.n * c.d))].push_back(&c);
    if (by_c.size() <= 24 || per_decade == 1) break;
  }
  if (by_c.empty()) {
    why = "no finished runs with a loss";
    return std::nullopt;
  }
  std::string pts, law, plot;
  int i = 0;
  for (auto& [bin, cs] : by_c) {
    const double c = std::pow(10.0, double(bin) / per_decade);
    for (auto* r : cs) pts += fmt_g(r->n) + " " + fmt_g(r->loss) + "\n";
    pts += "\n\n";
    if (m.loss_law)
      for (double n : logspace(m.n.lo, m.n.hi, 60)) law += fmt_g(n) + " " + fmt_g(m.loss_law->law.score(n, c / (6 * n))) + "\n";
    law += "\n\n";
    const std::string col = sequential(i, static_cast<int>(by_c.size()));
    plot += fmt::format("{}$pts index {} with points pt 7 ps 0.8 lc rgb '{}' title {}", i ? ", " : "", i, col,
                        quote(fmt::format("C ≈ {} FLOPs ({} run{})", sci(c), cs.size(), cs.size() == 1 ? "" : "s")));
    if (m.loss_law) plot += fmt::format(", $law index {} with lines lw 2 lc rgb '{}' notitle", i, col);
    ++i;
  }
  if (m.loss_law) plot += ", keyentry with lines lw 2 lc rgb 'black' title 'fitted L(N, C/6N)'";
  Figure f;
  f.name = "isoflop";
  f.title = "IsoFLOP profiles";
  f.caption = fmt::format("Final training loss against model size N for runs of similar training compute C = 6ND "
                          "(binned per {} decade, the finest of quarter, half and whole decades giving at most 24 bins; "
                          "dark to light with growing C; the legend gives each bin's centre and its number of runs). A "
                          "grid sweep's bins hold few runs each; an IsoFLOP design fills them.",
                          per_decade == 4 ? "quarter" : per_decade == 2 ? "half a" : "one") + loss_fit_note(m) +
              " Each line is the law along D = C/6N at the bin's centre.";
  f.script = datablock("pts", pts) + datablock("law", m.loss_law ? law : "") +
             fmt::format("set xrange [{}:{}]\n", fmt_g(m.n.lo / 1.3), fmt_g(m.n.hi * 1.3)) +
             value_ticks("x", [&] {
               std::vector<double> ns;
               for (const Checkpoint& c : m.runs.checkpoints) ns.push_back(c.n);
               return ns;
             }(), m.n) +
             "set logscale x\nset xlabel 'parameters N'\nset ylabel 'loss (nats/token)'\n"
             "set title 'IsoFLOP profiles: loss vs N at similar 6ND'\nplot " + plot + "\n";
  return f;
}

// --- pass@k vs k for a few models of one task: measured from samples, the law, its band ---
namespace {

// A model the pass@k figure shows: its checkpoint, its problems' outcomes, their fewest samples.
struct Shown {
  const Checkpoint* c;
  std::vector<const ProblemOutcome*> outcomes;
  std::uint32_t n_min;
};

// Up to 6 models spread over the loss range, best first, among the checkpoints whose every
// problem has samples (n > 0): pass@k is measured for k <= min n only. Empty: none has samples.
std::vector<Shown> models_shown(const TaskModel& t) {
  std::map<std::uint32_t, std::vector<const ProblemOutcome*>> of;
  for (const ProblemOutcome& o : t.data.outcomes) of[o.checkpoint].push_back(&o);
  std::vector<Shown> usable;
  for (auto& [idx, os] : of) {
    std::uint32_t n_min = UINT32_MAX;
    for (auto* o : os) n_min = std::min(n_min, o->n);
    if (n_min > 0 && n_min != UINT32_MAX) usable.push_back({&t.data.checkpoints[idx], os, n_min});
  }
  std::sort(usable.begin(), usable.end(), [](const Shown& a, const Shown& b) { return a.c->loss < b.c->loss; });
  std::vector<Shown> shown;
  const std::size_t want = std::min<std::size_t>(6, usable.size());
  for (std::size_t i = 0; i < want; ++i) shown.push_back(usable[want == 1 ? 0 : i * (usable.size() - 1) / (want - 1)]);
  return shown;
}

std::string pass_at_k_caption(const TaskModel& t, std::size_t models, bool band, bool extend, double k_ext) {
  std::string caption = fmt::format(
      "Task {}: pass@k against the number of samples k for {} models spread over the loss range. Points: "
      "measured from the stored samples with the unbiased estimator 1 − C(n−c, k)/C(n, k) averaged over problems, "
      "for k up to the n samples each problem has (never beyond). ", t.task, models);
  if (t.fit) {
    caption += fmt::format("Lines: the T² accuracy law fitted by orchestrator/laws ({}, pass@k source {}), at each "
                           "model's (N, D). ", t.fit->method, to_string(t.fit->source));
    caption += band ? fmt::format("Shaded: its 95% bootstrap band ({} refits, checkpoints and problems resampled). ",
                                  t.fit->bootstrap.replicates.size())
                    : std::string("No band: the report was made without bootstrap refits. ");
    if (extend)
      caption += fmt::format("Dashed: the law beyond the measured k, out to the planned k* = {:.3g} of the "
                             "configured target (an extrapolation). ", k_ext);
  } else {
    caption += "No law is drawn: " + t.why_not + ".";
  }
  if (!t.unusable.empty()) caption = "Warning: " + t.unusable + ". " + caption;
  return caption;
}

}  // namespace

std::optional<Figure> pass_at_k(const ReportModel&, const TaskModel& t, std::string& why) {
  const std::vector<Shown> shown = models_shown(t);
  if (shown.empty()) {
    why = "no per-sample outcomes for this task (the workload reported NLLs only), so pass@k cannot be measured "
          "from samples";
    return std::nullopt;
  }

  std::uint32_t k_hi = 1;
  for (const Shown& s : shown) k_hi = std::max(k_hi, s.n_min);
  // The law beyond the measured k, dashed, as far as the configured plan's k* reaches.
  double k_ext = k_hi;
  if (t.target_plan && t.target_plan->best.feasible) k_ext = std::max(k_ext, t.target_plan->best.k);
  const bool extend = t.fit && k_ext > 1.01 * k_hi;
  const bool band = t.fit && !t.fit->bootstrap.replicates.empty();

  std::string measured, law, ext, bands, plot;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const Shown& s = shown[i];
    std::vector<std::uint32_t> ks;
    for (std::uint32_t k = 1; k <= s.n_min; k *= 2) ks.push_back(k);
    if (ks.back() != s.n_min) ks.push_back(s.n_min);
    for (std::uint32_t k : ks) {
      double sum = 0;  // Chen et al.'s unbiased estimator per problem, averaged over problems
      for (auto* o : s.outcomes) sum += pass_at_k_unbiased(o->n, o->c, k);
      measured += fmt::format("{} {}\n", k, fmt_g(sum / s.outcomes.size()));
    }
    measured += "\n\n";
    if (t.fit) {
      for (double k : logspace(1, k_hi, 40)) {
        law += fmt_g(k) + " " + fmt_g(t.fit->law.score(s.c->n, s.c->d, k)) + "\n";
        if (band) {
          Interval iv = prediction_interval(t.fit->law, t.fit->bootstrap.replicates, LawInput{s.c->n, s.c->d, k}, 0.95);
          bands += fmt_g(k) + " " + fmt_g(iv.lo) + " " + fmt_g(iv.hi) + "\n";
        }
      }
      if (extend)
        for (double k : logspace(k_hi, k_ext, 20)) ext += fmt_g(k) + " " + fmt_g(t.fit->law.score(s.c->n, s.c->d, k)) + "\n";
    }
    law += "\n\n", ext += "\n\n", bands += "\n\n";
    const std::string c = colour(static_cast<int>(i));
    if (band) plot += fmt::format("$band index {} using 1:2:3 with filledcurves fc rgb '{}' fs transparent solid 0.18 noborder notitle, ", i, c);
    plot += fmt::format("$measured index {} with points pt 7 ps 1 lc rgb '{}' title {}", i, c,
                        quote(fmt::format("N = {}, D = {} (n = {})", sci(s.c->n), sci(s.c->d), s.n_min)));
    if (t.fit) plot += fmt::format(", $law index {} with lines lw 2 lc rgb '{}' notitle", i, c);
    if (extend) plot += fmt::format(", $ext index {} with lines lw 2 dt 2 lc rgb '{}' notitle", i, c);
    plot += ", ";
  }
  plot += "keyentry with points pt 7 lc rgb 'black' title 'measured from samples (k ≤ n)'";
  if (t.fit) plot += ", keyentry with lines lw 2 lc rgb 'black' title 'fitted T² accuracy law'";
  if (band)
    plot += fmt::format(", keyentry with filledcurves fc rgb 'black' fs transparent solid 0.18 noborder title "
                        "'95% bootstrap band (B = {})'", t.fit->bootstrap.replicates.size());
  if (extend) plot += ", keyentry with lines lw 2 dt 2 lc rgb 'black' title 'law beyond the measured k'";

  Figure f;
  f.name = "pass_at_k_" + file_part(t.task);
  f.title = "pass@k vs k, task " + t.task;
  f.caption = pass_at_k_caption(t, shown.size(), band, extend, k_ext);
  f.script = datablock("measured", measured) + datablock("law", t.fit ? law : "") + datablock("band", band ? bands : "") +
             datablock("ext", extend ? ext : "") +
             fmt::format("set logscale x 2\nset xrange [0.9:{}]\nset yrange [0:1]\nset xlabel 'samples per problem k'\n"
                         "set ylabel 'pass@k'\nset title {}\nplot {}\n",
                         fmt_g(k_ext * 1.15), quote("pass@k vs k, task " + t.task), plot);
  return f;
}

// --- the frontier, once for both of its figures ---
namespace {

FrontierPoint classify(const ReportModel& m, const Allocation& a, double budget, bool k_matters) {
  FrontierPoint p;
  p.budget = budget, p.n = a.n, p.d = a.d, p.k = a.k;
  const PlanBounds& b = m.bounds;
  const double tol = 1e-3;  // the planner's searches end within this of a bound they press against
  std::vector<std::string> on;
  if (a.n <= b.n_min * (1 + tol)) on.push_back("N at n_min");
  if (a.n >= b.n_max * (1 - tol)) on.push_back("N at n_max");
  if (a.d <= b.d_min * (1 + tol)) on.push_back("D at d_min");
  if (a.d >= b.d_max * (1 - tol)) on.push_back("D at d_max");
  if (k_matters && a.k >= b.k_max * (1 - tol)) on.push_back("k at k_max");
  if (!on.empty()) {
    p.kind = FrontierPoint::Kind::bound;
    p.why = fmt::format("{}", fmt::join(on, ", "));
  } else if (!m.n.contains(a.n) || !m.d.contains(a.d) || !m.tokens_per_param.contains(a.d / a.n)) {
    p.kind = FrontierPoint::Kind::extrapolated;
    std::vector<std::string> out;
    if (!m.n.contains(a.n)) out.push_back("N beyond the fitted runs");
    if (!m.d.contains(a.d)) out.push_back("D beyond the fitted runs");
    if (!m.tokens_per_param.contains(a.d / a.n)) out.push_back("D/N beyond the fitted runs");
    p.why = fmt::format("{}", fmt::join(out, ", "));
  }
  return p;
}

}  // namespace

Frontier frontier(const ReportModel& m, const TaskModel& t) {
  Frontier f;
  if (!t.fit || m.train_flops.empty()) return f;
  const FittedLaw& law = t.fit->law;
  const ChinchillaParams* ref = t.fit->has_reference ? &t.fit->reference.params : nullptr;
  const int steps = 25;
  // One plan() per budget (what plan_frontier does), so a budget the planner refuses (below what
  // the bounds allow) drops that point only.
  auto plans_over = [&](const Deployment& base, double from, double to) {
    std::vector<Plan> plans;
    for (double c : logspace(from, to, steps)) {
      Deployment dep = base;
      (dep.form == Deployment::Form::split ? dep.train_flops : dep.total_flops) = c;
      try {
        plans.push_back(plan(law, dep, m.bounds, ref));
      } catch (const std::exception&) {
      }
    }
    return plans;
  };
  auto add = [&](const std::string& title, const std::vector<Plan>& plans, bool chinchilla) {
    FrontierSeries s;
    s.title = title;
    for (const Plan& p : plans) {
      const Allocation& a = chinchilla ? p.chinchilla : p.best;
      if (!a.feasible || !(a.n > 0)) continue;
      const double budget = p.deployment.form == Deployment::Form::split ? p.deployment.train_flops : p.deployment.total_flops;
      s.points.push_back(classify(m, a, budget, !chinchilla && law.law->uses_k()));
    }
    if (!s.points.empty()) f.series.push_back(std::move(s));
  };
  {
    if (m.target && m.target->form == Deployment::Form::end_to_end) {
      const Deployment& base = *m.target;
      const double to = std::max(m.train_flops.hi, 10 * base.total_flops);
      f.budget_label = "total budget C = 6ND + 2N·T·k·Q (FLOPs)";
      auto plans = plans_over(base, m.train_flops.lo, to);
      add(fmt::format("T², end to end, Q = {:g} queries, T = {:g} tokens/sample", base.queries, base.tokens_per_sample), plans, false);
      if (ref) add("Chinchilla (loss-optimal N, D for the same training spend)", plans, true);
    } else {
      // The paper's split form (§3.3) for three inference budgets per served token around the
      // configured one: each fixes k = C_inf/2N, so a smaller model gets more samples.
      double c_inf = 0;
      std::vector<double> ns;
      for (const Checkpoint& c : m.runs.checkpoints) ns.push_back(c.n);
      if (m.target) c_inf = m.target->inference_flops;
      if (!(c_inf > 0)) c_inf = 2 * geomean(ns) * 16;  // no target: the median model sampled 16 times
      double to = m.train_flops.hi;
      if (m.target) to = std::max(to, 10 * m.target->train_flops);
      f.budget_label = "training budget C_train = 6ND (FLOPs)";
      for (double x : {0.1, 1.0, 10.0}) {
        Deployment base;
        base.inference_flops = x * c_inf;
        auto plans = plans_over(base, m.train_flops.lo, to);
        add(fmt::format("T², C_inf = {} FLOPs/token (k = C_inf/2N)", sci(x * c_inf)), plans, false);
        if (x == 1.0 && ref) add(fmt::format("Chinchilla (loss-optimal N, D; C_inf = {})", sci(c_inf)), plans, true);
      }
    }
  }
  return f;
}

namespace {

// The frontier's series as gnuplot data and plot clauses: y(point) per series (N*, or D*/N*
// with `ratio`), drawn in stretches of one kind (solid inside the fitted runs, dashed
// extrapolated, dotted with open circles on a planner bound), with the kinds drawn and, per
// series, why its points are not interior.
struct FrontierLines {
  std::string rows, plot;
  std::set<FrontierPoint::Kind> kinds;
  std::vector<std::string> notes;
};

FrontierLines frontier_lines(const Frontier& fr, bool ratio) {
  FrontierLines out;
  std::string& rows = out.rows;
  std::string& plot = out.plot;
  int index = 0;
  for (std::size_t si = 0; si < fr.series.size(); ++si) {
    const FrontierSeries& s = fr.series[si];
    const std::string c = colour(static_cast<int>(si));
    std::set<std::string> reasons;
    std::size_t i = 0;
    while (i < s.points.size()) {
      std::size_t j = i;
      while (j + 1 < s.points.size() && s.points[j + 1].kind == s.points[i].kind) ++j;
      // A stretch starts at the previous stretch's last point, so the line stays unbroken.
      for (std::size_t q = i ? i - 1 : 0; q <= j; ++q)
        rows += fmt_g(s.points[q].budget) + " " + fmt_g(ratio ? s.points[q].d / s.points[q].n : s.points[q].n) + "\n";
      rows += "\n\n";
      const auto kind = s.points[i].kind;
      out.kinds.insert(kind);
      for (std::size_t q = i; q <= j; ++q)
        for (std::size_t at = 0; at < s.points[q].why.size();) {  // one entry per reason
          std::size_t comma = s.points[q].why.find(", ", at);
          if (comma == std::string::npos) comma = s.points[q].why.size();
          reasons.insert(s.points[q].why.substr(at, comma - at));
          at = comma + 2;
        }
      const char* style = kind == FrontierPoint::Kind::interior       ? "lines lw 2"
                          : kind == FrontierPoint::Kind::extrapolated ? "lines lw 2 dt 2"
                                                                      : "linespoints lw 1.5 dt 3 pt 6 ps 0.8";
      plot += fmt::format("$front index {} with {} lc rgb '{}' notitle, ", index++, style, c);
      i = j + 1;
    }
    plot += fmt::format("keyentry with lines lw 2 lc rgb '{}' title {}, ", c, quote(s.title));
    if (!reasons.empty()) out.notes.push_back(fmt::format("{}: {}", s.title, fmt::join(reasons, ", ")));
  }
  return out;
}

std::string frontier_caption(const ReportModel& m, const TaskModel& t, const Frontier& fr, bool ratio) {
  const Range& band = ratio ? m.tokens_per_param : m.n;
  return fmt::format(
      "Task {}: {} of the T² accuracy law fitted by orchestrator/laws against the budget, from the planner of "
      "`t2 plan` (one optimum per budget). {} Grey band: the {} range of the fitted runs ({:.3g} to {:.3g}). "
      "Solid: optimum inside the fitted runs' N, D and D/N ranges; dashed: extrapolated beyond them; dotted with "
      "open circles: the optimum sits on a planner bound, so the true optimum may lie beyond it. Bounds: N in "
      "[{:.3g}, {:.3g}], D in [{:.3g}, {:.3g}], k ≤ {:.3g} ({}).",
      t.task, ratio ? "the tokens per parameter D*/N* at the optimum" : "the compute-optimal model size N*",
      fr.series.size() > 1 && m.target && m.target->form == Deployment::Form::end_to_end
          ? "Series: the configured end-to-end deployment and the Chinchilla (loss-optimal) choice."
          : "Series: three inference budgets per served token C_inf (k = C_inf/2N, the paper's split form §3.3) and "
            "the Chinchilla (loss-optimal) choice.",
      ratio ? "D/N" : "N", band.lo, band.hi, m.bounds.n_min, m.bounds.n_max, m.bounds.d_min, m.bounds.d_max,
      m.bounds.k_max, m.bounds_rule);
}

// One frontier figure: N* (or D*/N* with `ratio`) against the budget, per series, with the
// plan for [target] as a cross.
std::optional<Figure> frontier_figure(const ReportModel& m, const TaskModel& t, const Frontier& fr, bool ratio,
                                      std::string& why) {
  if (fr.series.empty()) {
    why = t.fit ? "the planner found no feasible optimum at any budget within the bounds" : t.why_not;
    return std::nullopt;
  }
  FrontierLines lines = frontier_lines(fr, ratio);
  std::string& plot = lines.plot;
  const std::set<FrontierPoint::Kind>& kinds = lines.kinds;
  if (kinds.count(FrontierPoint::Kind::interior))
    plot += "keyentry with lines lw 2 lc rgb 'black' title 'within the fitted runs (N, D, D/N)', ";
  if (kinds.count(FrontierPoint::Kind::extrapolated))
    plot += "keyentry with lines lw 2 dt 2 lc rgb 'black' title 'extrapolated beyond the fitted runs', ";
  if (kinds.count(FrontierPoint::Kind::bound))
    plot += "keyentry with linespoints lw 1.5 dt 3 pt 6 lc rgb 'black' title 'optimum on a planner bound', ";
  std::string target_rows;
  if (t.target_plan && t.target_plan->best.feasible) {
    const Allocation& a = t.target_plan->best;
    const Deployment& dep = t.target_plan->deployment;
    const double x = dep.form == Deployment::Form::split ? dep.train_flops : dep.total_flops;
    target_rows = fmt_g(x) + " " + fmt_g(ratio ? a.d / a.n : a.n) + "\n";
    plot += fmt::format("$target with points pt 3 ps 2.5 lw 2 lc rgb 'black' title {}, ",
                        quote(ratio ? fmt::format("plan for [target]: D*/N* = {:.3g}", a.d / a.n)
                                    : fmt::format("plan for [target]: N* = {:.3g}", a.n)));
  }
  plot.resize(plot.size() - 2);
  const Range& band = ratio ? m.tokens_per_param : m.n;
  Figure f;
  f.name = (ratio ? "tokens_per_param_" : "frontier_n_") + file_part(t.task);
  f.title = (ratio ? "Tokens per parameter D*/N* at the optimum, task " : "Compute-optimal N*, task ") + t.task;
  f.caption = frontier_caption(m, t, fr, ratio);
  if (!t.unusable.empty()) f.caption = "Warning: " + t.unusable + ". " + f.caption;
  if (!target_rows.empty()) f.caption += " Cross: the plan for the store's [target], as `t2 plan` prints it.";
  if (!lines.notes.empty()) f.caption += fmt::format(" Where: {}.", fmt::join(lines.notes, " | "));
  f.script = datablock("front", lines.rows) + datablock("target", target_rows) +
             (band.empty() ? std::string()
                           : fmt::format("set object 1 rect from graph 0, first {} to graph 1, first {} behind fc rgb "
                                         "'#e6e6e6' fs solid 1.0 noborder\n", fmt_g(band.lo), fmt_g(band.hi))) +
             "set logscale xy\nset xlabel " + quote(fr.budget_label) + "\nset ylabel " +
             quote(ratio ? "tokens per parameter D*/N*" : "compute-optimal parameters N*") + "\nset title " +
             quote((ratio ? "Tokens per parameter at the optimum, task " : "Compute-optimal N*, task ") + t.task) +
             "\nplot " + plot + "\n";
  return f;
}

}  // namespace

std::optional<Figure> frontier_n(const ReportModel& m, const TaskModel& t, const Frontier& fr, std::string& why) {
  return frontier_figure(m, t, fr, false, why);
}

std::optional<Figure> tokens_per_param(const ReportModel& m, const TaskModel& t, const Frontier& fr, std::string& why) {
  return frontier_figure(m, t, fr, true, why);
}

// --- per-batch history of the adaptive design's planned optimum ---
std::optional<Figure> history(const ReportModel& m, std::string& why) {
  std::string rows;
  double y_lo = 1e300, y_hi = 0, x_lo = 1e300, x_hi = -1;
  std::size_t docs = 0;
  for (const Document& d : m.contents->documents) {
    if (d.kind != document_kind::kDesign) continue;
    ++docs;
    const std::optional<DesignOptimum> o = DesignDocument::read(d, m.store).optimum;
    if (!o) continue;
    rows += fmt::format("{} {} {} {} {}\n", d.batch, fmt_g(o->n_median), fmt_g(o->n_lo), fmt_g(o->n_hi), fmt_g(o->n_star));
    for (double v : {o->n_lo, o->n_hi, o->n_star, o->n_median})
      if (v > 0) y_lo = std::min(y_lo, v), y_hi = std::max(y_hi, v);
    x_lo = std::min(x_lo, double(d.batch)), x_hi = std::max(x_hi, double(d.batch));
  }
  if (rows.empty() || !(y_hi > 0)) {
    why = fmt::format("only the adaptive design plans an optimum after each batch, and this store's design{} "
                      "recorded none ({} design documents without one)",
                      m.strategy.empty() ? "" : " (" + m.strategy + ")", docs);
    return std::nullopt;
  }
  Figure f;
  f.name = "history";
  f.title = "Planned optimum per batch (adaptive design)";
  f.caption = "The adaptive design's planned N* after each batch (schemas/design.md): the median of its bootstrap "
              "ensemble with the 95% interval (bars) and the N* of its plain fit (open circles). These are the "
              "design's own decisions as stored, made while the sweep ran.";
  f.script = datablock("hist", rows) +
             fmt::format("set logscale y\nset xrange [{}:{}]\nset yrange [{}:{}]\n", x_lo - 0.5, x_hi + 0.5,
                         fmt_g(y_lo / 1.5), fmt_g(y_hi * 1.5)) +
             "set xtics 1\nset xlabel 'batch'\nset ylabel 'planned N*'\nset title 'Planned optimum per batch'\n"
             "plot $hist using 1:2:3:4 with yerrorbars pt 7 lc rgb '#0072B2' title 'ensemble median N*, 95% interval', "
             "$hist using 1:5 with points pt 6 ps 1.2 lc rgb '#D55E00' title 'N* of the plain fit'\n";
  return f;
}

}  // namespace t2::report

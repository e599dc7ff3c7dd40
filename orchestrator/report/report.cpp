// report.cpp — figures via a generated gnuplot script, and the index page (see report.hpp).
#include "orchestrator/report/report.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/refit.hpp"

extern char** environ;

namespace t2 {

namespace {

namespace fs = std::filesystem;

struct Figure {
  std::string name, caption;
  std::string script;  // gnuplot commands after `set output`
};

// log-spaced values from lo to hi inclusive
std::vector<double> logspace(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / std::max(1, n - 1)));
  return v;
}

// A gnuplot datablock: $name << EOD ... EOD. Blocks separated by two blank lines are gnuplot
// "indices" (one per series).
std::string datablock(const std::string& name, const std::string& rows) {
  return "$" + name + " << EOD\n" + rows + "EOD\n";
}

std::string fmt_g(double x) { return fmt::format("{:.6g}", x); }

// What a figure without data plots: a message in an empty frame (gnuplot refuses a plot whose
// points are all undefined, so it draws a constant outside the visible range).
std::string empty_plot(const std::string& message) {
  return "unset logscale\nset xrange [0:1]\nset yrange [0:1]\nset label 1 '" + message +
         "' at 0.5,0.5 center\nplot 2 notitle\n";
}

void run_gnuplot(const std::string& program, const std::string& script, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw ReportError(fmt::format("{}: cannot run it ({}); install Debian's gnuplot-nox", program, std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line)) if (!line.empty()) last = line;
    std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                        : fmt::format("killed by signal {}", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    throw ReportError(fmt::format("{} {}: failed with {} (see {}){}", program, script, how, log,
                                  last.empty() ? "" : ": " + last));
  }
}

}  // namespace

ReportFiles write_report(const StoreContents& contents, const std::string& out_dir, const ReportOptions& options) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) throw ReportError(fmt::format("{}: cannot create the output directory ({})", out_dir, ec.message()));

  // The config the store was created with gives the target; a store without one still gets data figures.
  SweepConfig config;
  bool have_config = false;
  std::string config_note;
  if (!contents.config_text.empty()) {
    try {
      config = parse_sweep_config(contents.config_text, contents.config_file.empty() ? "store config" : contents.config_file);
      have_config = true;
    } catch (const std::exception& e) {
      config_note = std::string("the stored config could not be read: ") + e.what();
    }
  }
  const std::vector<RunObservation> obs = observations(contents);
  FitResult fit = fit_law(obs, make_resample(obs, options.seed, 0));

  double n_lo = 1e300, n_hi = 0, d_lo = 1e300, d_hi = 0, c_lo = 1e300, c_hi = 0;
  for (const RunObservation& o : obs) {
    n_lo = std::min(n_lo, o.n); n_hi = std::max(n_hi, o.n);
    d_lo = std::min(d_lo, o.d); d_hi = std::max(d_hi, o.d);
    c_lo = std::min(c_lo, 6 * o.n * o.d); c_hi = std::max(c_hi, 6 * o.n * o.d);
  }
  if (obs.empty()) { n_lo = 1e6; n_hi = 1e9; d_lo = 1e8; d_hi = 1e11; c_lo = 1e16; c_hi = 1e20; }
  double plan_lo = n_lo, plan_hi = n_hi;
  if (have_config) planner_bounds(config, plan_lo, plan_hi);
  if (!(plan_lo > 0)) { plan_lo = n_lo; plan_hi = n_hi; }

  std::vector<Figure> figs;
  const std::string fit_note = fit.ok ? "" : " (too few results to fit: data only)";

  // --- loss vs D per N ---
  {
    std::map<double, std::vector<const RunObservation*>> by_n;
    for (const RunObservation& o : obs) by_n[o.n].push_back(&o);
    std::string data, curves, plot;
    int idx = 0;
    for (auto& [n, runs] : by_n) {
      for (auto* r : runs) data += fmt_g(r->d) + " " + fmt_g(r->loss) + "\n";
      data += "\n\n";
      if (fit.ok)
        for (double d : logspace(d_lo, d_hi, 60)) curves += fmt_g(d) + " " + fmt_g(fit.law.loss(n, d)) + "\n";
      curves += "\n\n";
      plot += fmt::format("{}$pts index {} with points pt 7 ps 0.6 lc {} title 'N = {:.3g}'", plot.empty() ? "" : ", ", idx, idx + 1, n);
      if (fit.ok) plot += fmt::format(", $fit index {} with lines lc {} notitle", idx, idx + 1);
      ++idx;
    }
    const std::string body = plot.empty() ? empty_plot("no finished runs") : "plot " + plot + "\n";
    figs.push_back({"loss_vs_d", "Training loss vs D for each model size N, with the fitted L(N, D)" + fit_note,
                    datablock("pts", data.empty() ? "\n" : data) + datablock("fit", curves.empty() ? "\n" : curves) +
                        "set logscale x\nset xlabel 'training tokens D'\nset ylabel 'loss (nats/token)'\n"
                        "set title 'Loss vs D per N'\nset key top left font ',9'\n" + body});
  }
  // --- IsoFLOP profiles ---
  {
    std::map<long, std::vector<const RunObservation*>> by_c;  // quarter-decade bins of 6ND
    for (const RunObservation& o : obs) by_c[std::lround(4 * std::log10(6 * o.n * o.d))].push_back(&o);
    std::string data, curves, plot;
    int idx = 0;
    for (auto& [bin, runs] : by_c) {
      double c = std::pow(10.0, bin / 4.0);
      for (auto* r : runs) data += fmt_g(r->n) + " " + fmt_g(r->loss) + "\n";
      data += "\n\n";
      if (fit.ok)
        for (double n : logspace(n_lo, n_hi, 60)) curves += fmt_g(n) + " " + fmt_g(fit.law.loss(n, c / (6 * n))) + "\n";
      curves += "\n\n";
      plot += fmt::format("{}$pts index {} with points pt 7 ps 0.6 lc {} title 'C ~ {:.2g}'", plot.empty() ? "" : ", ", idx, idx + 1, c);
      if (fit.ok) plot += fmt::format(", $fit index {} with lines lc {} notitle", idx, idx + 1);
      ++idx;
    }
    const std::string body = plot.empty() ? empty_plot("no finished runs") : "plot " + plot + "\n";
    figs.push_back({"isoflop", "IsoFLOP profiles: loss vs N for runs of similar training compute 6ND (quarter-decade bins), with the fitted law along D = C/6N" + fit_note,
                    datablock("pts", data.empty() ? "\n" : data) + datablock("fit", curves.empty() ? "\n" : curves) +
                        "set logscale x\nset xlabel 'parameters N'\nset ylabel 'loss (nats/token)'\n"
                        "set title 'IsoFLOP profiles'\nset key top left font ',9'\n" + body});
  }
  // --- pass@k vs k per model ---
  {
    std::vector<const RunObservation*> with_p;
    for (const RunObservation& o : obs) if (!o.p.empty()) with_p.push_back(&o);
    std::sort(with_p.begin(), with_p.end(), [](auto* a, auto* b) { return a->loss < b->loss; });
    std::vector<const RunObservation*> shown;
    const std::size_t want = std::min<std::size_t>(6, with_p.size());
    for (std::size_t i = 0; i < want; ++i) shown.push_back(with_p[want == 1 ? 0 : i * (with_p.size() - 1) / (want - 1)]);
    std::uint32_t k_max = 1;
    for (const EvalRecord& e : contents.evals) if (e.state == JobState::done) k_max = std::max(k_max, e.result.samples);
    k_max = std::max<std::uint32_t>(k_max, 64);
    std::string data, curves, plot;
    int idx = 0;
    for (auto* r : shown) {
      for (std::uint32_t k = 1; k <= k_max; k *= 2) {
        // Likelihood source (paper §3.2): pass@k = mean_i 1 - (1 - p_i)^k.
        double s = 0;
        for (double p : r->p) s += -std::expm1(k * std::log1p(-p));
        data += fmt_g(k) + " " + fmt_g(s / r->p.size()) + "\n";
      }
      data += "\n\n";
      if (fit.ok)
        for (double k : logspace(1, k_max, 50)) curves += fmt_g(k) + " " + fmt_g(fit.law.accuracy(r->n, r->d, k)) + "\n";
      curves += "\n\n";
      plot += fmt::format("{}$pts index {} with points pt 7 ps 0.7 lc {} title 'N={:.2g} D={:.2g}'", plot.empty() ? "" : ", ", idx,
                          idx + 1, r->n, r->d);
      if (fit.ok) plot += fmt::format(", $fit index {} with lines lc {} notitle", idx, idx + 1);
      ++idx;
    }
    const std::string body = plot.empty() ? empty_plot("no finished evals") : "plot " + plot + "\n";
    figs.push_back({"pass_at_k", "pass@k vs k per model: points from the per-problem answer likelihoods (paper §3.2), lines the fitted Beta law" + fit_note,
                    datablock("pts", data.empty() ? "\n" : data) + datablock("fit", curves.empty() ? "\n" : curves) +
                        "set logscale x 2\nset xlabel 'samples k'\nset ylabel 'pass@k'\nset yrange [0:1]\n"
                        "set title 'pass@k vs k'\nset key top left font ',9'\n" + body});
  }
  // --- frontiers ---
  {
    double c_top = c_hi;
    if (have_config && config.target.form == TargetConfig::Form::split) c_top = std::max(c_top, 10 * config.target.train_budget);
    if (have_config && config.target.form == TargetConfig::Form::end_to_end) c_top = std::max(c_top, 10 * config.target.budget);
    const double tokens = have_config && config.target.tokens_per_query > 0 ? config.target.tokens_per_query : 100.0;
    std::string n_rows, r_rows, n_plot, r_plot;
    int idx = 0;
    auto series = [&](const std::string& title, auto n_of_c) {
      for (double c : logspace(c_lo, c_top, 30)) {
        double n = 0, d = 0;
        if (!n_of_c(c, n, d)) continue;
        n_rows += fmt_g(c) + " " + fmt_g(n) + "\n";
        r_rows += fmt_g(c) + " " + fmt_g(d / n) + "\n";
      }
      n_rows += "\n\n";
      r_rows += "\n\n";
      n_plot += fmt::format("{}$frontier_n index {} with linespoints pt 7 ps 0.4 lc {} title '{}'", n_plot.empty() ? "" : ", ", idx, idx + 1, title);
      r_plot += fmt::format("{}$frontier_r index {} with linespoints pt 7 ps 0.4 lc {} title '{}'", r_plot.empty() ? "" : ", ", idx, idx + 1, title);
      ++idx;
    };
    if (fit.ok) {
      series("Chinchilla only (min loss)", [&](double c, double& n, double& d) {
        n = chinchilla_n(fit.law, c, plan_lo, plan_hi); d = c / (6 * n); return true; });
      // The paper's split form (§3.3) for three inference budgets per served token: each fixes
      // k = C_inf / 2N, so a smaller model gets more samples.
      const double c_inf = have_config && config.target.inference_budget > 0 ? config.target.inference_budget : 2e9;
      for (double f : {0.1, 1.0, 10.0})
        series(fmt::format("T2, C_inf = {:.2g} (k = C_inf/2N)", f * c_inf), [&, f](double c, double& n, double& d) {
          TargetConfig t;
          t.form = TargetConfig::Form::split;
          t.train_budget = c;
          t.inference_budget = f * c_inf;
          Optimum o = plan_optimum(fit.law, t, plan_lo, plan_hi);
          n = o.n; d = o.d;
          return o.ok;
        });
      for (double q : {1e6, 1e9, 1e12})
        series(fmt::format("T2 end to end, Q = {:g} queries x {:g} tokens", q, tokens), [&, q](double c, double& n, double& d) {
          TargetConfig t;
          t.form = TargetConfig::Form::end_to_end;
          t.budget = c;
          t.queries = q;
          t.tokens_per_query = tokens;
          t.k_max = 1e4;
          Optimum o = plan_optimum(fit.law, t, plan_lo, plan_hi);
          n = o.n; d = o.d;
          return o.ok;
        });
    }
    const std::string n_body = n_plot.empty() ? empty_plot("too few results to fit") : "plot " + n_plot + "\n";
    const std::string r_body = r_plot.empty() ? empty_plot("too few results to fit") : "plot " + r_plot + "\n";
    const std::string common = "set logscale xy\nset xlabel 'budget C (FLOPs; training, or total for end to end)'\nset key top left font ',9'\n";
    figs.push_back({"frontier_n", "Compute-optimal model size N*(C) of the T² accuracy law: split form for three inference budgets C_inf (k = C_inf/2N) and end to end for three query volumes, next to the Chinchilla-only (loss-optimal) frontier; curves end where the planner's N bounds bind",
                    datablock("frontier_n", n_rows.empty() ? "\n" : n_rows) + common +
                        "set ylabel 'N*'\nset title 'Compute-optimal N*'\n" + n_body});
    figs.push_back({"tokens_per_param", "Tokens per parameter D*/N* at the optimum, same curves",
                    datablock("frontier_r", r_rows.empty() ? "\n" : r_rows) + common +
                        "set ylabel 'D*/N*'\nset title 'Tokens per parameter at the optimum'\n" + r_body});
  }
  // --- per-batch history of the planned optimum ---
  {
    std::string rows;
    double y_lo = 1e300, y_hi = 0, x_lo = 1e300, x_hi = -1;
    for (const Document& d : contents.documents) {
      if (d.kind != "design") continue;
      auto j = nlohmann::json::parse(d.json, nullptr, false);
      if (j.is_discarded() || !j.contains("optimum")) continue;
      const auto& o = j["optimum"];
      rows += fmt::format("{} {} {} {} {}\n", d.batch, fmt_g(o.value("n_median", 0.0)), fmt_g(o.value("n_lo", 0.0)),
                          fmt_g(o.value("n_hi", 0.0)), fmt_g(o.value("n_star", 0.0)));
      for (const char* key : {"n_lo", "n_hi", "n_star", "n_median"}) {
        double v = o.value(key, 0.0);
        if (v > 0) { y_lo = std::min(y_lo, v); y_hi = std::max(y_hi, v); }
      }
      x_lo = std::min(x_lo, double(d.batch));
      x_hi = std::max(x_hi, double(d.batch));
    }
    std::string body = rows.empty()
                           ? empty_plot("no adaptive design decisions in this store")
                           : fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", x_lo - 0.5, x_hi + 0.5,
                                         fmt_g(y_lo / 1.5), fmt_g(y_hi * 1.5)) +
                             "plot $hist using 1:2:3:4 with yerrorbars pt 7 lc 1 title 'ensemble median N*, 95% interval', "
                             "$hist using 1:5 with points pt 6 lc 2 title 'N* of the plain fit'\n";
    figs.push_back({"history", "Per-batch history of the planned optimum N* (adaptive design): bootstrap median and 95% interval, and the plain fit",
                    datablock("hist", rows.empty() ? "\n" : rows) +
                        "set logscale y\nset xlabel 'batch'\nset ylabel 'N*'\nset title 'Planned optimum per batch'\n"
                        "set key top left font ',9'\n" + body});
  }

  ReportFiles files;
  files.script = (fs::path(out_dir) / "report.gp").string();
  {
    std::ofstream gp(files.script);
    if (!gp) throw ReportError(fmt::format("{}: cannot write", files.script));
    gp << "# Generated by t2 report; rerun with: gnuplot report.gp (from this directory)\n";
    for (const Figure& f : figs) {
      const std::string out = (fs::path(out_dir) / (f.name + ".svg")).string();
      files.figures.push_back(out);
      gp << "reset\nset terminal svg size 900,560 dynamic enhanced font 'sans,11'\nset output '" << f.name
         << ".svg'\nset grid\n" << f.script << "unset output\n\n";
    }
  }
  // gnuplot resolves output names against its working directory: run it from out_dir.
  {
    const fs::path here = fs::current_path();
    fs::current_path(out_dir);
    try {
      run_gnuplot(options.gnuplot, "report.gp", "gnuplot.log");
    } catch (...) {
      fs::current_path(here);
      throw;
    }
    fs::current_path(here);
  }
  for (const std::string& f : files.figures)
    if (!fs::exists(f) || fs::file_size(f) == 0) throw ReportError(fmt::format("{}: gnuplot wrote no figure", f));

  files.index = (fs::path(out_dir) / "index.html").string();
  std::ofstream html(files.index);
  if (!html) throw ReportError(fmt::format("{}: cannot write", files.index));
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>t2 report</title></head><body>\n<h1>t2 report</h1>\n";
  html << fmt::format("<p>{} runs ({} with evals), {} batches, {} design decisions.</p>\n", obs.size(),
                      std::count_if(obs.begin(), obs.end(), [](auto& o) { return !o.p.empty(); }), contents.batches.size(),
                      std::count_if(contents.documents.begin(), contents.documents.end(), [](auto& d) { return d.kind == "design"; }));
  if (!config_note.empty()) html << "<p>" << config_note << "</p>\n";
  if (fit.ok) {
    const LawParams& l = fit.law;
    html << fmt::format("<p>Fit (design refit, schemas/design.md): L(N,D) = {:.4g} + {:.4g}/N^{:.4g} + {:.4g}/D^{:.4g}; "
                        "accuracy links theta = ({:.4g}, {:.4g}, {:.4g}, {:.4g}, {:.4g}); log-loss rms {:.3g}.</p>\n",
                        l.E, l.A, l.alpha, l.B, l.beta, l.theta0, l.theta1, l.theta2, l.theta3, l.theta4, fit.loss_log_rmse);
    if (have_config && config.target.form != TargetConfig::Form::none) {
      Optimum o = plan_optimum(l, config.target, plan_lo, plan_hi);
      if (o.ok)
        html << fmt::format("<p>Planned optimum for the configured target: N* = {:.4g}, D* = {:.4g} ({:.1f} tokens/parameter), "
                            "k* = {:.3g}, predicted pass@k = {:.4f}.</p>\n", o.n, o.d, o.d / o.n, o.k, o.accuracy);
    }
  } else {
    html << "<p>Too few finished results to fit the laws (5 distinct (N, D) and 3 evaluated runs needed).</p>\n";
  }
  for (const Figure& f : figs)
    html << fmt::format("<h2>{}</h2>\n<p>{}</p>\n<p><a href=\"{}.svg\"><img src=\"{}.svg\" width=\"900\"></a></p>\n", f.name, f.caption,
                        f.name, f.name);
  html << "</body></html>\n";
  return files;
}

}  // namespace t2

// report.hpp — `t2 report`: figures of a sweep (SVG drawn by Debian's gnuplot from a generated
// script with inline data blocks, and a PNG beside each from rsvg-convert) and an index.html.
// Reads StoreContents only (never the store file, never MPI). Fits and plans through
// orchestrator/laws with the defaults of `t2 fit` / `t2 plan` (one estimator: the report's N*
// is the one `t2 plan` prints for the same bounds). The figures are listed in figures.hpp.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/laws/fit.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// A report that could not be written: bad output directory, unknown task, gnuplot or
// rsvg-convert missing or failing. what() is one line naming the file or program and the problem.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReportOptions {
  std::string gnuplot = "gnuplot";      // program run (PATH lookup) to draw the SVG figures
  std::string rsvg = "rsvg-convert";    // program that renders each SVG to PNG ("" = no PNG)
  std::string task;                     // only this task's figures ("" = every task, each its own)
  std::string store = "the store";      // the store's name in errors (a malformed document names it)
  std::uint32_t bootstrap = 100;        // bootstrap refits for the bands and intervals (0 = none)
  std::uint64_t seed = 1;               // bootstrap seed
  int threads = 0;                      // fit threads (0 = all cores)
  FitOptions fit = auto_law();          // the law and its options, as `t2 plan`'s flags (default --law auto)
  static FitOptions auto_law() {
    FitOptions f;
    f.law = "auto";
    return f;
  }
};

struct ReportFiles {
  std::string index;                 // DIR/index.html
  std::string script;                // DIR/report.gp (rerun it with gnuplot to redraw)
  std::vector<std::string> figures;  // DIR/<name>.svg, in the order of the index
  std::vector<std::string> pngs;     // DIR/<name>.png beside each (empty without rsvg)
  std::vector<std::string> skipped;  // "<name>: why" for each figure not drawn (nothing to show)
};

// Writes into `out_dir` (created if missing), for every task T (or only options.task):
//  loss_vs_d            training loss vs D per N, with the fitted Chinchilla L(N, D)
//  isoflop              loss vs N along IsoFLOP bins (6ND per quarter decade), with the law
//  pass_at_k_T          pass@k measured from samples (k <= n) for up to 6 models, the fitted
//                       T² accuracy law and its 95% bootstrap band
//  frontier_n_T         compute-optimal N*(C) (three C_inf, or the end-to-end target) next to the
//                       Chinchilla choice; stretches on a planner bound dotted, extrapolated dashed
//  tokens_per_param_T   D*/N* along the same frontier
//  history              the adaptive design's per-batch N* (only for stores with design decisions)
//  index.html           the figures with captions, the fits and the plan for [target]
// A figure with nothing to draw is not written; the index and ReportFiles::skipped say why.
ReportFiles write_report(const StoreContents& contents, const std::string& out_dir, const ReportOptions& options = {});

}  // namespace t2

// report.hpp — `t2 report`: figures of a sweep (SVG, drawn by Debian's gnuplot from a generated
// script with inline data blocks) and an index.html linking them. Reads StoreContents only
// (never the store file, never MPI); fits with the adaptive design's fast refit
// (orchestrator/design/refit.hpp), so the curves are what the design planned with.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/store/records.hpp"

namespace t2 {

// A report that could not be written: bad output directory, gnuplot missing or failing.
// what() is one line naming the file or program and the problem.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReportOptions {
  std::string gnuplot = "gnuplot";  // program run (PATH lookup) to draw the figures
  std::uint64_t seed = 1;           // bootstrap seed of the refit shown (0 = none)
};

struct ReportFiles {
  std::string index;                 // DIR/index.html
  std::string script;                // DIR/report.gp (rerun it with gnuplot to redraw)
  std::vector<std::string> figures;  // DIR/<name>.svg, in the order of the index
};

// Writes into `out_dir` (created if missing):
//  loss_vs_d.svg        training loss vs D for each N, with the fitted L(N, D) curves
//  isoflop.svg          loss vs N along IsoFLOP groups (6ND binned per quarter decade), with fits
//  pass_at_k.svg        pass@k vs k for up to 6 models (likelihood source, paper §3.2) and the law
//  frontier_n.svg       compute-optimal N*(C): fixed k = 1, 8, 64; end to end for three query
//                       counts; the Chinchilla-only (loss-optimal) frontier
//  tokens_per_param.svg D*/N* vs C for the same curves
//  history.svg          per-batch planned N* of the adaptive design with its bootstrap interval
//  index.html
// Throws ReportError; with too few results to fit, the figures show the data without curves.
ReportFiles write_report(const StoreContents& contents, const std::string& out_dir, const ReportOptions& options = {});

}  // namespace t2

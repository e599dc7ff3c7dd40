// gnuplot.hpp — the pieces of a generated gnuplot script (inline data blocks, quoted labels,
// colours) and running the two external programs of `t2 report`: gnuplot (SVG) and rsvg-convert
// (PNG beside it). Knows no store, no law; figures.cpp decides what is drawn.
#pragma once

#include <string>
#include <vector>

namespace t2::report {

// A gnuplot datablock `$name << EOD … EOD`. Rows are "x y [z]\n"; two blank lines separate
// gnuplot "indices" (one per series). An empty block gets one blank line (gnuplot needs a body).
std::string datablock(const std::string& name, const std::string& rows);

// A gnuplot string literal in single quotes ('' stands for a quote). Every figure is drawn with
// `noenhanced` text, so "pass@k", "C ≈ 1e18" and "C_inf" print as written.
std::string quote(const std::string& text);

std::string fmt_g(double x);                        // 6 significant digits, gnuplot-readable
std::string colour(int series);                     // Okabe-Ito palette (colour-blind safe), cycled
// For ordered series (model sizes, compute bins): viridis from dark purple (i = 0) to yellow
// (i = n - 1), so many series stay distinguishable and their order readable.
std::string sequential(int i, int n);
std::vector<double> logspace(double lo, double hi, int n);  // inclusive, n >= 2

// Runs `program args…` with stdout and stderr into `log`, from the working directory `dir`.
// Throws ReportError naming the program, how it failed and the log's last line.
void run_program(const std::string& program, const std::vector<std::string>& args, const std::string& dir,
                 const std::string& log, const std::string& install_hint);

}  // namespace t2::report

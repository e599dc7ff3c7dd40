// cmd_report.cpp — `t2 report STORE --out DIR`: figures (SVG via gnuplot) and index.html of a
// live or finished store. Reads the store without its lock; writes only into DIR.
#include <iostream>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/report/report.hpp"
#include "orchestrator/store/store.hpp"

namespace t2 {

namespace {

int report_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("store", po::value<std::string>()->required(), "the store (.h5)")
      ("out", po::value<std::string>()->required(), "output directory (created if missing)")
      ("gnuplot", po::value<std::string>()->default_value("gnuplot"), "gnuplot program to draw with (default: gnuplot on PATH)");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  int rc = parse_args("report", "STORE --out DIR [--gnuplot PROGRAM]",
                      "Writes DIR/index.html and SVG figures: loss vs D per N with the fitted law, IsoFLOP profiles,\n"
                      "pass@k vs k per model, compute-optimal N*(C) and D*/N* next to the Chinchilla-only frontier,\n"
                      "and the adaptive design's per-batch optimum with its interval (schemas/design.md).",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  return guarded("report", [&] {
    ReportOptions options;
    options.gnuplot = vm["gnuplot"].as<std::string>();
    ReportFiles files = write_report(read_store(vm["store"].as<std::string>()), vm["out"].as<std::string>(), options);
    std::cout << "wrote " << files.index << " and " << files.figures.size() << " figures\n";
    return kExitOk;
  });
}

}  // namespace

extern const Command kReportCommand{"report", "figures and an index page of a store", report_command};

}  // namespace t2

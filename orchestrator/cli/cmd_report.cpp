// cmd_report.cpp — `t2 report STORE --out DIR`: figures (SVG via gnuplot, PNG via rsvg-convert)
// and index.html of a live or finished store. Reads the store without its lock; writes only into DIR.
#include <iostream>

#include <fmt/format.h>

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
      ("task", po::value<std::string>()->default_value(""), "only this task's figures (default: every task, each its own)")
      ("bootstrap", po::value<long long>()->default_value(100), "bootstrap refits for the bands and plan intervals (0 = none)")
      ("seed", po::value<long long>()->default_value(1), "bootstrap seed (>= 0)")
      ("threads", po::value<int>()->default_value(0), "fit threads (0 = all cores)")
      ("law", po::value<std::string>()->default_value("auto"), "law, as `t2 plan --law` (default auto: the same fit `t2 plan STORE` plans with)")
      ("lhat", po::value<std::string>()->default_value("answer_nll"), "t2-accuracy: answer_nll | train_loss, as `t2 plan --lhat`")
      ("method", po::value<std::string>()->default_value("automatic"), "t2-accuracy: automatic | two_stage | beta_binomial | moments")
      ("no-png", "SVG only (no rsvg-convert)")
      ("gnuplot", po::value<std::string>()->default_value("gnuplot"), "gnuplot program to draw with (default: gnuplot on PATH)")
      ("rsvg", po::value<std::string>()->default_value("rsvg-convert"), "SVG-to-PNG program (default: rsvg-convert on PATH)");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  int rc = parse_args("report", "STORE --out DIR [--task T] [--bootstrap B] [--no-png]",
                      "Writes DIR/index.html and figures (SVG, and PNG beside each): loss vs D per N and IsoFLOP\n"
                      "profiles with the fitted loss law; per task, pass@k measured from samples with the fitted T²\n"
                      "law and its bootstrap band, and the compute-optimal N*(C) and D*/N* frontiers (planner bounds\n"
                      "and extrapolation drawn differently) next to the Chinchilla choice; the adaptive design's\n"
                      "per-batch optimum when there is one. Fits and plans are those of `t2 fit` / `t2 plan`.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  return guarded("report", [&] {
    ReportOptions options;
    options.gnuplot = vm["gnuplot"].as<std::string>();
    options.rsvg = vm.count("no-png") ? "" : vm["rsvg"].as<std::string>();
    options.task = vm["task"].as<std::string>();
    const long long b = vm["bootstrap"].as<long long>(), seed = vm["seed"].as<long long>();
    if (b < 0 || b > 100000) throw ReportError(fmt::format("--bootstrap {}: expected 0 to 100000 refits", b));
    if (seed < 0) throw ReportError(fmt::format("--seed {}: expected an integer >= 0", seed));
    options.bootstrap = static_cast<std::uint32_t>(b);
    options.seed = static_cast<std::uint64_t>(seed);
    options.threads = vm["threads"].as<int>();
    options.fit.law = vm["law"].as<std::string>();
    if (options.fit.law != "auto") {
      try {
        law_by_name(options.fit.law);
      } catch (const std::invalid_argument&) {
        throw ReportError(fmt::format("--law {}: expected chinchilla, t2-loss, t2-accuracy or auto", options.fit.law));
      }
    }
    try {
      options.fit.lhat = lhat_source_from_string(vm["lhat"].as<std::string>());
    } catch (const std::invalid_argument&) {
      throw ReportError(fmt::format("--lhat {}: expected answer_nll or train_loss", vm["lhat"].as<std::string>()));
    }
    try {
      options.fit.method = accuracy_method_from_string(vm["method"].as<std::string>());
    } catch (const std::invalid_argument&) {
      throw ReportError(fmt::format("--method {}: expected automatic, two_stage, beta_binomial or moments",
                                    vm["method"].as<std::string>()));
    }
    options.store = vm["store"].as<std::string>();
    ReportFiles files = write_report(read_store(options.store), vm["out"].as<std::string>(), options);
    std::cout << "wrote " << files.index << ", " << files.figures.size() << " figures (SVG"
              << (files.pngs.empty() ? "" : " and PNG") << ")\n";
    for (const std::string& s : files.skipped) std::cout << "  not drawn: " << s << "\n";
    return kExitOk;
  });
}

}  // namespace

extern const Command kReportCommand{"report", "figures and an index page of a store", report_command};

}  // namespace t2

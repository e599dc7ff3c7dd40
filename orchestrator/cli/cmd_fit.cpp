// cmd_fit.cpp — `t2 fit STORE|CSV`: fits a law (schemas/laws.md) with optional bootstrap intervals
// and hold-out validation, prints parameters, each stage's quality and every warning, and stores
// the fit in the store as a "fit" document naming its inputs (not when the command fails).
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_report.hpp"
#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/law_flags.hpp"

namespace t2 {

namespace po = boost::program_options;

namespace {

int fit_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "this help")("input", po::value<std::string>(), "STORE (.h5) or CSV (.csv)")(
      "json", "machine-readable output (schemas/laws.md)")("no-store", "do not record the fit in the store");
  add_fit_flags(opts, "t2-accuracy");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const char* usage =
      "usage: t2 fit STORE|CSV [--law NAME] [--source likelihood|sampled] [--holdout RULE] [--bootstrap B] [--seed S]\n"
      "                        [--strict] [--json]";
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "t2 fit: " << e.what() << "\n" << usage << "\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n\nFits a T² law to a store's results or a results CSV and prints its parameters (with\n"
                          "bootstrap percentile intervals when --bootstrap B > 0), each fit stage's quality and every\n"
                          "warning. --holdout RULE also fits on the runs RULE leaves and reports the error predicting the\n"
                          "others. A fit of a store is recorded in it as a \"fit\" document (unless --no-store or the\n"
                          "command fails). Exit 2 for a RULE that does not parse, 1 for one leaving too few runs.\n\n"
              << opts << "\n";
    return kExitOk;
  }
  if (!vm.count("input")) {
    std::cerr << "t2 fit: missing STORE or CSV\n" << usage << "\n";
    return kExitUsage;
  }
  try {
    FitFlags flags = read_fit_flags(vm);
    const std::string path = vm["input"].as<std::string>();
    LoadedInputs in = load_law_inputs(path, flags.task);
    AnalysisRequest rq;
    rq.fit = flags.fit;
    rq.bootstrap = flags.bootstrap;
    rq.seed = flags.seed;
    rq.holdout = flags.holdout;
    Analysis a = analyse(in, rq);
    if (vm.count("json")) std::cout << analysis_to_json(a).dump(2) << "\n";
    else std::cout << render_analysis(a);
    const int rc = strict_exit("fit", flags.strict, a.warnings.size());
    if (rc == kExitOk && in.inputs.kind == "store" && !vm.count("no-store")) {
      std::string why = record_fit(path, fit_document(a).dump());
      // The fit itself succeeded; say why it was not recorded (e.g. a running sweep holds the lock).
      if (!why.empty()) std::cerr << "t2 fit: fit not recorded in the store: " << why << "\n";
    }
    return rc;
  } catch (const std::exception& e) {  // InputError: one line per bad row
    return report_law_error("fit", e);
  }
}

}  // namespace

extern const Command kFitCommand{"fit", "fit a T² law (with bootstrap intervals) to a store or CSV", fit_command};

}  // namespace t2

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
  opts.add_options()("input", po::value<std::string>(), "STORE (.h5) or CSV (.csv)")(
      "json", "machine-readable output (schemas/laws.md)")("no-store", "do not record the fit in the store");
  add_fit_flags(opts, "t2-accuracy");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const char* usage =
      "STORE|CSV [--law NAME] [--source likelihood|sampled] [--holdout RULE] [--bootstrap B] [--seed S] [--strict] [--json]";
  int rc = parse_args("fit", usage,
                      "Fits a T² law to a store's results or a results CSV and prints its parameters (with\n"
                      "bootstrap percentile intervals when --bootstrap B > 0), each fit stage's quality and every\n"
                      "warning. --holdout RULE also fits on the runs RULE leaves and reports the error predicting the\n"
                      "others. A fit of a store is recorded in it as a \"fit\" document (unless --no-store or the\n"
                      "command fails). Exit 2 for a RULE that does not parse, 1 for one leaving too few runs.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  if (!vm.count("input")) return usage_error("fit", usage, "missing STORE or CSV");
  try {
    FitFlags flags = read_fit_flags(vm);
    const std::string path = vm["input"].as<std::string>();
    LoadedInputs in = load_command_inputs(vm, flags.task);
    Analysis a = analyse(in, fit_request(flags));
    if (vm.count("json")) std::cout << analysis_to_json(a).dump(2) << "\n";
    else std::cout << render_analysis(a);
    rc = strict_exit("fit", flags.strict, a.warnings.size());
    if (rc == kExitOk && in.inputs.kind == "store" && !vm.count("no-store")) {
      std::string why = record_fit(path, FitDocument::from_fit(fit_document(a), path));
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

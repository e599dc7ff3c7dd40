// cmd_fit.cpp — `t2 fit STORE|CSV`: fits a law (schemas/laws.md) with optional bootstrap intervals,
// prints parameters and fit quality, and stores the fit in the store as a "fit" document naming
// its inputs. Also defines load_law_inputs (law_inputs.hpp), shared with `t2 plan`.
#include <ctime>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/law_inputs.hpp"
#include "orchestrator/store/store.hpp"

namespace t2 {

namespace po = boost::program_options;

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

LoadedInputs load_law_inputs(const std::string& path, const std::string& task) {
  LoadedInputs l;
  l.inputs.path = path;
  if (ends_with(path, ".csv") || ends_with(path, ".CSV")) {
    l.inputs.kind = "csv";
    CsvTable t = read_results_csv(path);
    l.data = fit_data_from_csv(t, choose_task(tasks_of(t), task, path));
  } else {
    l.inputs.kind = "store";
    StoreContents s = read_store(path);
    l.data = fit_data_from_store(s, choose_task(tasks_of(s), task, path));
  }
  return l;
}

namespace {

int fit_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "this help")("input", po::value<std::string>(), "STORE (.h5) or CSV (.csv)")(
      "json", "machine-readable output (schemas/laws.md)")("no-store", "do not record the fit in the store");
  add_fit_flags(opts);
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const char* usage = "usage: t2 fit STORE|CSV [--law NAME] [--source likelihood|sampled] [--bootstrap B] [--seed S] [--json]";
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "t2 fit: " << e.what() << "\n" << usage << "\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n\nFits a T² law to a store's results or a results CSV and prints its parameters (with\n"
                          "bootstrap percentile intervals when --bootstrap B > 0) and fit quality. A fit of a store is\n"
                          "recorded in it as a \"fit\" document (unless --no-store).\n\n"
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
    if (in.data.outcomes.empty() && flags.fit.law != "chinchilla")
      throw InputError({fmt::format("{}: no task results (per-problem outcomes) to fit --law {} to; --law chinchilla "
                                    "fits the training losses alone", in.inputs.path, flags.fit.law)});
    BootstrapOptions bo;
    bo.replicates = flags.bootstrap;
    bo.seed = flags.seed;
    bo.threads = flags.fit.threads;
    LawFit r = flags.bootstrap > 0 ? fit_with_bootstrap(in.data, flags.fit, bo) : fit_law(in.data, flags.fit);
    nlohmann::json j = fit_to_json(r, in.inputs, flags.bootstrap > 0 ? &bo : nullptr);
    if (vm.count("json")) std::cout << j.dump(2) << "\n";
    else std::cout << render_fit(r, in.inputs);
    if (in.inputs.kind == "store" && !vm.count("no-store")) {
      try {
        Store store = Store::open(path);
        Document doc;
        doc.kind = "fit";
        doc.batch = static_cast<std::uint32_t>(store.contents().batches.size());
        doc.time = static_cast<double>(std::time(nullptr));
        doc.json = j.dump();
        store.add_document(doc);
        store.close();
      } catch (const StoreError& e) {
        // The fit itself succeeded; say why it was not recorded (e.g. a running sweep holds the lock).
        std::cerr << "t2 fit: fit not recorded in the store: " << e.what() << "\n";
      }
    }
    return kExitOk;
  } catch (const std::exception& e) {  // InputError: one line per bad row
    return report_error("fit", e);
  }
}

}  // namespace

extern const Command kFitCommand{"fit", "fit a T² law (with bootstrap intervals) to a store or CSV", fit_command};

}  // namespace t2

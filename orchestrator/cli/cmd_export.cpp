// cmd_export.cpp — `t2 export STORE --out FILE.h5 | --csv DIR`: a clean dataset for other programs.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/store/export.hpp"
#include "orchestrator/store/store.hpp"

namespace t2 {

namespace {

int export_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("store", po::value<std::string>()->required(), "the store (.h5)")(
      "out", po::value<std::string>(), "write an HDF5 dataset (schemas/export-layout.md)")(
      "csv", po::value<std::string>(), "write runs.csv, evals.csv (pass@k for k = 1, 2, 4, ..., k_max) and results.csv (per problem; what t2 import reads) into DIR");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  int rc = parse_args("export", "STORE (--out FILE.h5 | --csv DIR)",
                      "Exports the done jobs of a store as a clean dataset that h5py, pandas and h5dump read without t2.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  if (!vm.count("out") && !vm.count("csv")) {
    std::cerr << "t2 export: usage error: give --out FILE.h5, --csv DIR, or both\n";
    return kExitUsage;
  }
  return guarded("export", [&] {
    auto contents = read_store(vm["store"].as<std::string>());
    if (vm.count("out")) {
      export_hdf5(contents, vm["out"].as<std::string>());
      std::cout << fmt::format("wrote {}\n", vm["out"].as<std::string>());
    }
    if (vm.count("csv")) {
      export_csv(contents, vm["csv"].as<std::string>());
      std::filesystem::path dir = vm["csv"].as<std::string>();
      std::cout << fmt::format("wrote {}, {} and {}\n", (dir / "runs.csv").string(), (dir / "evals.csv").string(),
                               (dir / "results.csv").string());
    }
    return kExitOk;
  });
}

}  // namespace

extern const Command kExportCommand{"export", "export a store to HDF5 or CSV for other programs", export_command};

}  // namespace t2

// cmd_validate.cpp — `t2 validate SWEEP.toml|STORE`: checks a config (every key, type, range,
// and the workload backend's settings) or a store (schemas/store-layout.md) without changing it.
// `t2 validate --repair STORE` salvages a store with a damaged journal (store.hpp repair_store).
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/store/store.hpp"
#include "workers/workload_settings.hpp"

namespace t2 {

namespace {

bool looks_like_store(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {0};
  in.read(magic, 8);
  // The HDF5 signature, or the seal in a t2 view's user block (schemas/store-layout.md).
  if (in.gcount() == 8 && (std::string(magic, 8) == "\x89HDF\r\n\x1a\n" || std::string(magic, 8) == "T2VIEW01"))
    return true;
  auto ends = [&](const char* s) {
    std::string e(s);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  return ends(".h5") || ends(".hdf5") || std::ifstream(path + ".journal").good();
}

int validate_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("path", po::value<std::string>()->required(), "a sweep config (.toml) or a store (.h5)")(
      "repair",
      "salvage a store whose journal is damaged: keep the longest consistent prefix of its records, keep the "
      "originals beside it (STORE.journal.damaged-TIME, STORE.damaged-TIME), rebuild the view, and list what was "
      "lost (schemas/store-layout.md, \"Damage and repair\")");
  po::positional_options_description pos;
  pos.add("path", 1);
  po::variables_map vm;
  int rc = parse_args("validate", "SWEEP.toml|STORE",
                      "Checks a sweep config or a store and reports every problem; changes nothing (unless --repair).",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  return guarded("validate", [&] {
    auto path = vm["path"].as<std::string>();
    if (vm.count("repair")) {
      RepairReport rep = repair_store(path);
      if (!rep.repaired) {
        std::cout << fmt::format("{}: nothing to repair (its journal reads in full and agrees with its view)\n", path);
        return kExitOk;
      }
      std::cout << fmt::format("{}: repaired. Damage: {}\n", path, rep.damage);
      std::cout << fmt::format("kept records 0 to {}; lost {} committed record(s)\n", rep.kept_records - 1,
                               rep.lost_records);
      std::cout << fmt::format("the damaged journal is kept as {}\n", rep.damaged_journal);
      if (!rep.damaged_view.empty()) std::cout << fmt::format("the old view is kept as {}\n", rep.damaged_view);
      std::cout << fmt::format("lost ({} line(s)):\n", rep.lost.size());
      for (auto& l : rep.lost) std::cout << "  " << l << "\n";
      return kExitOk;
    }
    if (looks_like_store(path)) {
      auto problems = validate_store(path);
      if (problems.empty()) {
        auto c = read_store(path);
        std::cout << fmt::format("{}: valid store (schema {}, {} runs, {} evals, {} batches)\n", path, c.schema_version,
                                 c.runs.size(), c.evals.size(), c.batches.size());
        return kExitOk;
      }
      for (auto& p : problems) std::cerr << p << "\n";  // each already names its file
      return kExitFailure;
    }
    auto config = load_sweep_config(path);
    make_design(config);
    auto pts = grid_points(config.grid);
    for (auto& w : workload_warnings(config.workload)) std::cerr << w << "\n";
    std::cout << fmt::format("{}: valid sweep config '{}': {} grid points x {} replicate(s), backend {}, strategy {}\n",
                             path, config.name, pts.size(), config.replicates, config.workload.backend,
                             config.design.strategy);
    return kExitOk;
  });
}

}  // namespace

extern const Command kValidateCommand{"validate", "check a sweep config or a store", validate_command};

}  // namespace t2

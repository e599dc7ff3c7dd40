// cmd_status.cpp — `t2 status STORE`: jobs by state, batches, throughput, failures and why.
// Works on a live store (it reads the journal, which a running coordinator keeps appending).
#include <iostream>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/sweep/summary.hpp"

namespace t2 {

namespace {

int status_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("store", po::value<std::string>()->required(), "the store (.h5)")("json", "machine-readable output");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  int rc = parse_args("status", "STORE [--json]",
                      "Summarises a store, live or finished: jobs by state, batches, compute, throughput, worker idle\n"
                      "fraction, and every failure with its class and reason.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  return guarded("status", [&] {
    auto path = vm["store"].as<std::string>();
    auto summary = summarize(read_store(path));
    if (vm.count("json")) std::cout << render_status_json(summary) << "\n";
    else std::cout << render_status(summary, path);
    return kExitOk;
  });
}

}  // namespace

extern const Command kStatusCommand{"status", "summarise a live or finished store", status_command};

}  // namespace t2

// cmd_status.cpp — `t2 status STORE|SWEEP.toml`: jobs by state, batches, throughput, failures
// and why; on a live store also who coordinates (the lock's holder), the running jobs with
// rank, host, elapsed time and log, the live FLOP rate and ETA. Reads the journal, which a
// running coordinator keeps appending, so it never disturbs the writer.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/sweep/summary.hpp"

namespace t2 {

namespace {

namespace fs = std::filesystem;

bool is_config(const std::string& path) { return fs::path(path).extension() == ".toml"; }

// The newest log of a running job: the exec backend writes RUN_DIR/<stem>.attempt-K.log
// (train, or eval-<index>) under STORE.d/run-NNNNNN (coordinator.cpp run_dir). Other backends
// write none; then the run directory itself, if it exists, else nothing.
std::string newest_log(const std::string& store, const StoreContents& c, const RunningLine& r) {
  JobIndex run = r.kind == JobKind::train ? r.index : c.evals.at(r.index).plan.run;
  fs::path dir = fmt::format("{}.d/run-{:06}", store, run);
  std::string stem = r.kind == JobKind::train ? "train" : fmt::format("eval-{}", r.index);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "";
  std::string best;
  long best_k = -1;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    std::string prefix = stem + ".attempt-";
    if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 5 || name.substr(name.size() - 4) != ".log") continue;
    std::string k = name.substr(prefix.size(), name.size() - prefix.size() - 4);
    if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos) continue;
    long v = std::stol(k);
    if (v > best_k) best_k = v, best = entry.path().string();
  }
  return best.empty() ? dir.string() : best;
}

int status_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("store", po::value<std::string>()->required(), "the store (.h5), or the sweep config (.toml) naming it")(
      "json", "machine-readable output");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  int rc = parse_args("status", "STORE|SWEEP.toml [--json]",
                      "Summarises a store, live or finished: jobs by state, batches, compute, throughput, worker idle\n"
                      "fraction, makespan against its lower bound, attempts lost to a coordinator's death, and every\n"
                      "failure with its class and reason. On a live store also the coordinator's pid and host, the\n"
                      "running jobs (rank, host, elapsed time, log) and the live FLOP rate and ETA. Given a sweep\n"
                      "config, reads the store its sweep.store names.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  return guarded("status", [&] {
    auto path = vm["store"].as<std::string>();
    if (is_config(path)) path = load_sweep_config(path).store;
    auto contents = read_store(path);
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto summary = summarize(contents, now, path);
    summary.coordinator = store_lock_holder(path);
    for (auto& r : summary.running) r.log = newest_log(path, contents, r);
    if (vm.count("json")) std::cout << render_status_json(summary) << "\n";
    else std::cout << render_status(summary, path);
    return kExitOk;
  });
}

}  // namespace

extern const Command kStatusCommand{"status", "summarise a live or finished store", status_command};

}  // namespace t2

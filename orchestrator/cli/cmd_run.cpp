// cmd_run.cpp — `t2 run SWEEP.toml`: rank 0 coordinates, ranks 1..P-1 work; with no MPI
// launcher the one process does both. Creates the store or resumes it.
#include <mpi.h>

#include <csignal>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <iostream>

#include <fmt/format.h>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_report.hpp"
#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/sweep/coordinator.hpp"
#include "orchestrator/sweep/signals.hpp"
#include "orchestrator/sweep/summary.hpp"
#include "workers/factory.hpp"
#include "contract/protocol.hpp"
#include "workers/worker_loop.hpp"

namespace t2 {

namespace {

// Started by mpirun/srun? (Open MPI and PMIx set these; a plain `t2 run` sets none.)
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

struct MpiSession {
  bool on = false;
  int rank = 0, size = 1;
  explicit MpiSession(bool use) : on(use) {
    if (!on) return;
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
  [[noreturn]] void abort(int code) {
    if (on) MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }
  ~MpiSession() {
    if (on) MPI_Finalize();
  }
};

int run_worker_rank(Workload& workload, MpiSession& mpi) {
  try {
    run_worker(workload);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("t2 run: rank {}: error: {}\n", mpi.rank, e.what());
    mpi.abort(kExitFailure);
  }
  return kExitOk;
}

// Under MPI every rank reads the config (and a worker rank builds its workload) before anything else; one
// collective then tells every rank whether all could. A bad config is then one message (rank
// 0's, or that of each worker rank that alone failed) and a clean exit 1 on every rank, rather
// than one message per rank under Open MPI's MPI_Abort banner. Returns false if any rank failed.
bool mpi_startup_agrees(MpiSession& mpi, const std::string& error) {
  int ok = error.empty() ? 1 : 0, root_ok = ok, all_ok = 0;
  MPI_Bcast(&root_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (all_ok) return true;
  if (mpi.rank == 0 && !ok) std::cerr << fmt::format("t2 run: error: {}\n", error);
  if (mpi.rank != 0 && !ok && root_ok) std::cerr << fmt::format("t2 run: rank {}: error: {}\n", mpi.rank, error);
  return false;
}

// Rank 0 failed before the coordinator started (store locked, damaged, config changed): the
// workers are idle, waiting for their first message, so a Stop ends them cleanly.
void stop_idle_workers(const MpiSession& mpi) {
  char none = 0;
  for (int w = 1; w < mpi.size; ++w) MPI_Send(&none, 0, MPI_BYTE, w, static_cast<int>(MessageTag::stop), MPI_COMM_WORLD);
}

// The end of a finished sweep: the laws fitted to the first task through the same library call
// as `t2 plan STORE` (analysis.hpp: --law auto, the config's [target], bounds from [target] or
// the data), printed as `t2 plan` prints it, and the fit stored as a "fit" document. A fit the
// data cannot support is a note, not a failure of the sweep.
void report_fit_and_plan(const SweepConfig& config) {
  std::cout << "\n";
  try {
    LoadedInputs in = law_inputs_from_store(read_store(config.store), config.store, config.eval.tasks.front());
    in.config = config;  // the config this run used (the store's, or the --force'd new one)
    AnalysisRequest rq;
    rq.fit.law = "auto";
    rq.plan = deployment_from_target(config.target).has_value();
    rq.bootstrap = config.target.bootstrap;
    Analysis a = analyse(in, rq);
    std::cout << render_analysis(a);
    if (!rq.plan)
      std::cout << "(no [target] in the config: plan with `t2 plan " << config.store
                << " --train-budget C --inference-budget C_inf`)\n";
    std::string why = record_fit(config.store, FitDocument::from_fit(fit_document(a), config.store));
    if (!why.empty()) std::cout << "(fit not recorded in the store: " << why << ")\n";
  } catch (const std::exception& e) {
    std::cout << "(no fit: " << e.what() << "; `t2 fit " << config.store << "` once more runs are done)\n";
  }
}

// The store's durability options from the config, and the crash test hook.
StoreOptions store_options(const SweepConfig& config) {
  StoreOptions options;
  options.fsync = config.fsync;
  options.hdf5_sync_interval = config.sync_interval;
  // Test hook (tests/e2e/crash_resume.py): T2_TEST_CRASH_AT=STEP:K kills this process with
  // SIGKILL the K-th time the store reaches STEP of a write (steps: schemas/store-layout.md).
  if (const char* at = std::getenv("T2_TEST_CRASH_AT")) {
    std::string spec = at;
    auto colon = spec.find(':');
    auto step = std::make_shared<std::string>(spec.substr(0, colon));
    auto left = std::make_shared<long>(colon == std::string::npos ? 1 : std::atol(spec.c_str() + colon + 1));
    options.probe = [step, left](const char* s) {
      if (*step == s && --*left == 0) std::raise(SIGKILL);
    };
  }
  return options;
}

// The sweep's store: created (with its directory) for a new sweep, else opened; a changed
// config is refused unless --force, which records the new one.
Store open_sweep_store(const SweepConfig& config, const StoreOptions& options, bool force) {
  bool existed = Store::exists(config.store);
  if (!existed) {  // a new store may live in a directory that does not exist yet (runs/...)
    auto parent = std::filesystem::path(config.store).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error(fmt::format("{}: sweep.store = \"{}\": cannot create its directory {}: {}",
                                                 config.file, config.store, parent.string(), ec.message()));
  }
  Store store = existed ? Store::open(config.store, options)
                        : Store::create(config.store, config.text, config.file, options);
  if (existed) {
    std::string diff = config_diff(store.contents().config_text, config.text);
    if (!diff.empty()) {
      if (!force)
        throw std::runtime_error(fmt::format(
            "{}: the sweep config differs from the one the store {} was created with:\n{}"
            "refusing to mix results of two configs; pass --force to continue with the new config",
            config.file, config.store, diff));
      std::cerr << fmt::format("t2 run: warning: --force: continuing {} with a changed config:\n{}", config.store, diff);
      store.replace_config(config.text, config.file);
    }
    std::cerr << fmt::format("t2 run: resuming {}\n", config.store);
  }
  return store;
}

// Finished, but not whole: say which jobs failed and why on stderr (one line each, at most a
// screenful), and how to rerun them; exit 4 so a script or Slurm job notices.
int report_failed_jobs(const SweepSummary& summary, const SweepConfig& config) {
  std::size_t failed = summary.train.failed + summary.eval.failed;
  std::cerr << fmt::format("t2 run: {} job(s) failed for good ({} training, {} eval):\n", failed, summary.train.failed,
                           summary.eval.failed);
  std::size_t shown = 0;
  for (auto& f : summary.failures) {
    if (!f.final) continue;
    if (shown++ == 10) {
      std::cerr << fmt::format("t2 run:   ... and {} more: t2 status {}\n", failed - 10, config.store);
      break;
    }
    std::cerr << fmt::format("t2 run:   {} {}: {}: {}\n", to_string(f.kind), f.index, to_string(f.cls), f.reason);
  }
  std::cerr << fmt::format("t2 run: fix the cause, then rerun them with: t2 run {} --retry-failed[=CLASS,...]{}\n",
                           config.file, " (add --force if you changed the config)");
  return kExitJobsFailed;
}

// `workload`: this process's own, when it runs the jobs itself (no MPI); null under MPI.
int run_coordinator_rank(const po::variables_map& vm, MpiSession& mpi, SweepConfig config, Workload* workload,
                         bool& dispatching) {
  if (vm.count("store")) config.store = vm["store"].as<std::string>();
  for (auto& w : workload_warnings(config.workload)) std::cerr << "t2 run: " << w << "\n";
  std::optional<RetryClasses> retry;  // read before the store is touched: a typo changes nothing
  if (vm.count("retry-failed")) retry = parse_retry_classes(vm["retry-failed"].as<std::string>());
  Store store = open_sweep_store(config, store_options(config), vm.count("force") > 0);
  auto design = make_design(config);
  std::unique_ptr<Transport> transport;
  CoordinatorOptions coordinator;
  coordinator.retry_failed = retry;
  if (mpi.size > 1) {
    transport = make_mpi_transport();
    // Jobs of microseconds are pipelined, a few per worker (coordinator.hpp, prefetch). Read
    // from the settings: rank 0 runs no job and builds no workload.
    if (workload_quick(config.workload)) coordinator.prefetch = 4;
  } else {
    transport = make_local_transport(*workload);
  }
  dispatching = true;
  SweepOutcome outcome = run_coordinator(config, store, *design, *transport, std::cout, coordinator);
  store.close();
  auto summary = summarize(read_store(config.store), 0, config.store);
  if (!vm.count("quiet")) {
    std::cout << "\n" << render_status(summary, config.store);
    if (outcome.end == SweepOutcome::End::finished) report_fit_and_plan(config);
  }
  if (outcome.end == SweepOutcome::End::interrupted) return kExitInterrupted;
  if (summary.train.failed + summary.eval.failed == 0) return kExitOk;
  return report_failed_jobs(summary, config);
}

int run_command(const std::vector<std::string>& raw_args) {
  // A bare --retry-failed means every class; classes come only attached (--retry-failed=a,b), so
  // `t2 run --retry-failed SWEEP.toml` does not read the config's name as a class list.
  std::vector<std::string> args = raw_args;
  for (auto& a : args)
    if (a == "--retry-failed") a = "--retry-failed=all";
  po::options_description opts("options");
  opts.add_options()
      ("sweep", po::value<std::string>()->required(), "the sweep config (TOML; see schemas/sweep-config.md)")
      ("store", po::value<std::string>(), "store path (default: sweep.store of the config)")
      ("resume", "continue an existing store (an existing store is always continued; this flag documents intent)")
      ("force", "continue a store whose recorded config differs from SWEEP.toml (the new config is recorded)")
      ("retry-failed", po::value<std::string>()->implicit_value("all"),
       "rerun jobs that failed for good, with a fresh budget of max_attempts (their history is kept); "
       "=CLASS,... limits it to those failure classes (exit_code, signal, timeout, bad_result, error, lost)")
      ("quiet,q", "no status summary at the end");
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  int rc = parse_args("run", "SWEEP.toml [--store PATH] [--resume] [--force] [--retry-failed[=CLASS,...]]",
                      "Runs a sweep. Under `mpirun -np P` rank 0 coordinates and ranks 1..P-1 run jobs; without an\n"
                      "MPI launcher this one process does both. An existing store is resumed: done jobs are never\n"
                      "rerun, jobs that were running rerun, attempt counts are kept. USR1/TERM/INT stop it in order\n"
                      "(running jobs finish within sweep.shutdown_grace; a second signal cancels them now) with exit\n"
                      "code 3. A finished sweep with jobs failed for good exits 4 and names them.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  MpiSession mpi(launched_by_mpi());
  // Right after MPI_Init, so a stop asked for while the config and store load is kept (rank 0's
  // coordinator then stops at once, exit 3) rather than killing a rank by the default action.
  if (mpi.rank == 0)
    install_shutdown_handlers();
  else
    worker_ignores_shutdown_signals();
  SweepConfig config;
  std::unique_ptr<Workload> workload;
  std::string error;
  try {
    config = load_sweep_config(vm["sweep"].as<std::string>());
    // A rank builds its workload once, where jobs run: every worker rank, or the one process of
    // a run without MPI. Before the store is touched, so data the backend cannot use (builtin:
    // an unreadable token file) is a startup error that changes nothing.
    if (mpi.rank != 0 || mpi.size == 1) workload = make_workload(config.workload);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (mpi.size > 1 && !mpi_startup_agrees(mpi, error))
    return mpi.rank == 0 || !error.empty() ? kExitFailure : kExitOk;  // mpirun then names the rank that failed
  if (mpi.rank != 0) return run_worker_rank(*workload, mpi);
  bool dispatching = false;
  try {
    if (!error.empty()) throw std::runtime_error(error);
    return run_coordinator_rank(vm, mpi, std::move(config), workload.get(), dispatching);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("t2 run: error: {}\n", e.what());
    if (mpi.size > 1) {
      if (!dispatching) {
        stop_idle_workers(mpi);
        return kExitFailure;
      }
      mpi.abort(kExitFailure);  // workers may be in the middle of jobs
    }
    return kExitFailure;
  }
}

}  // namespace

extern const Command kRunCommand{"run", "run or resume a sweep (under mpirun: rank 0 coordinates)", run_command};

}  // namespace t2

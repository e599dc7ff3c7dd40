// bench_dispatch.cpp — dispatch throughput of the real coordinator next to a raw MPI
// request/reply loop, in the same run (issue 2's benchmark). Run under mpirun with 2 and 4
// ranks (bench/dispatch/run.sh). Zero-work jobs: the synthetic backend with one problem and one
// sample, whose jobs take microseconds, so what is measured is dispatch, messaging and the
// store's journal (commit with and without fdatasync). The coordinator pipelines such quick jobs
// 4 per worker (CoordinatorOptions::prefetch, as `t2 run` does); one row shows 1 per worker.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/design/design.hpp"
#include "orchestrator/store/store.hpp"
#include "orchestrator/sweep/coordinator.hpp"
#include "workers/factory.hpp"
#include "workers/worker_loop.hpp"

using namespace t2;

namespace {

double raw_mpi_round_trips(int rank, int size, int tasks) {
  // rank 0 hands out `tasks` requests of 64 bytes; each worker answers each at once.
  char buf[64] = {0};
  MPI_Barrier(MPI_COMM_WORLD);
  auto t0 = std::chrono::steady_clock::now();
  if (rank == 0) {
    int sent = 0, got = 0;
    for (int w = 1; w < size && sent < tasks; ++w, ++sent) MPI_Send(buf, 64, MPI_BYTE, w, 1, MPI_COMM_WORLD);
    while (got < tasks) {
      MPI_Status st;
      MPI_Recv(buf, 64, MPI_BYTE, MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, &st);
      ++got;
      if (sent < tasks) {
        MPI_Send(buf, 64, MPI_BYTE, st.MPI_SOURCE, 1, MPI_COMM_WORLD);
        ++sent;
      }
    }
    for (int w = 1; w < size; ++w) MPI_Send(buf, 0, MPI_BYTE, w, 3, MPI_COMM_WORLD);
  } else {
    for (;;) {
      MPI_Status st;
      MPI_Recv(buf, 64, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
      if (st.MPI_TAG == 3) break;
      MPI_Send(buf, 64, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return tasks / s;
}

// sync_interval: seconds between .h5 view updates (1e9: only when the store closes, after the
// timed dispatch loop; the journal still commits every result).
std::string config_text(const std::string& store, bool fsync, double sync_interval, int n_points) {
  return fmt::format(R"(
[sweep]
name = "bench"
store = "{}"
fsync = {}
sync_interval = {}
progress_interval = 1000
[grid]
n = {{ from = 1e5, to = 1e7, steps = {} }}
d = {{ from = 1e7, to = 1e9, steps = 100 }}
[design]
batch_size = 100000
[eval]
tasks = ["a"]
problems = 1
samples = 1
[workload]
backend = "synthetic"
)",
                     store, fsync ? "true" : "false", sync_interval, n_points);
}

struct Rate {
  double dispatch = 0;  // jobs/s of run_coordinator, whose last step is the final .h5 sync
  double close = 0;     // seconds of that final sync and close
};

Rate coordinator_jobs_per_second(int rank, bool fsync, double sync_interval, int n_points, const std::string& dir,
                                 std::uint32_t prefetch = 4) {
  static int serial = 0;
  std::string store_path = fmt::format("{}/bench-{}.h5", dir, ++serial);
  SweepConfig config = parse_sweep_config(config_text(store_path, fsync, sync_interval, n_points), "bench.toml");
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank != 0) {
    auto w = make_workload(config.workload);
    run_worker(*w);
    return {};
  }
  StoreOptions opts;
  opts.fsync = fsync;
  Store store = Store::create(store_path, config.text, config.file, opts);
  auto design = make_design(config);
  auto transport = make_mpi_transport();
  std::ostringstream log;
  auto t0 = std::chrono::steady_clock::now();
  CoordinatorOptions options;
  options.prefetch = prefetch;
  run_coordinator(config, store, *design, *transport, log, options);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto jobs = store.contents().runs.size() + store.contents().evals.size();
  auto t1 = std::chrono::steady_clock::now();
  store.close();
  return {jobs / s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count()};
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int n_points = argc > 1 ? std::atoi(argv[1]) : 100;  // x 100 D values x 2 jobs
  std::string dir = argc > 2 ? argv[2] : "/tmp";
  double raw = raw_mpi_round_trips(rank, size, 200000);
  Rate deferred = coordinator_jobs_per_second(rank, false, 1e9, n_points, dir);
  Rate one = coordinator_jobs_per_second(rank, false, 1e9, n_points, dir, 1);
  Rate synced = coordinator_jobs_per_second(rank, false, 5, n_points, dir);
  Rate durable = coordinator_jobs_per_second(rank, true, 5, std::max(1, n_points / 10), dir);
  if (rank == 0) {
    fmt::print("ranks {} ({} workers), {} jobs per coordinator run\n", size, size - 1, n_points * 200);
    fmt::print("  raw MPI request/reply                         {:>10.0f} round trips/s\n", raw);
    fmt::print("  t2, journal only (.h5 synced at close, {:.2f} s) {:>10.0f} jobs/s  raw/t2 = {:.1f}\n", deferred.close,
               deferred.dispatch, raw / deferred.dispatch);
    fmt::print("  t2, journal only, one job per worker          {:>10.0f} jobs/s  raw/t2 = {:.1f}\n", one.dispatch,
               raw / one.dispatch);
    fmt::print("  t2, journal + .h5 view every 5 s              {:>10.0f} jobs/s  raw/t2 = {:.1f}\n", synced.dispatch,
               raw / synced.dispatch);
    fmt::print("  t2, fdatasync per commit + .h5 every 5 s      {:>10.0f} jobs/s  raw/t2 = {:.1f}\n", durable.dispatch,
               raw / durable.dispatch);
  }
  MPI_Finalize();
  return 0;
}

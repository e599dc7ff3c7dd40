// bench_dispatch.cpp — dispatch throughput of the real coordinator next to a raw MPI
// request/reply loop, in the same run (issue 2's benchmark). Run under mpirun with 2 and 4
// ranks (bench/dispatch/run.sh). Zero-work jobs: the synthetic backend with one problem and one
// sample, whose jobs take microseconds, so what is measured is dispatch, messaging and the
// store's journal (commit with and without fdatasync).
#include <mpi.h>

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

std::string config_text(const std::string& store, bool fsync, int n_points) {
  return fmt::format(R"(
[sweep]
name = "bench"
store = "{}"
fsync = {}
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
                     store, fsync ? "true" : "false", n_points);
}

double coordinator_jobs_per_second(int rank, bool fsync, int n_points, const std::string& dir) {
  std::string store_path = fmt::format("{}/bench-{}.h5", dir, fsync ? "fsync" : "nofsync");
  SweepConfig config = parse_sweep_config(config_text(store_path, fsync, n_points), "bench.toml");
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank != 0) {
    auto w = make_workload(config.workload);
    run_worker(*w);
    return 0;
  }
  StoreOptions opts;
  opts.fsync = fsync;
  Store store = Store::create(store_path, config.text, config.file, opts);
  auto design = make_design(config);
  auto transport = make_mpi_transport();
  std::ostringstream log;
  auto t0 = std::chrono::steady_clock::now();
  run_coordinator(config, store, *design, *transport, log);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto jobs = store.contents().runs.size() + store.contents().evals.size();
  store.close();
  return jobs / s;
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
  double nofsync = coordinator_jobs_per_second(rank, false, n_points, dir);
  double withfsync = coordinator_jobs_per_second(rank, true, n_points / 10, dir);
  if (rank == 0) {
    fmt::print("ranks {} ({} workers)\n", size, size - 1);
    fmt::print("  raw MPI request/reply      {:>12.0f} round trips/s\n", raw);
    fmt::print("  t2 coordinator, no fsync   {:>12.0f} jobs/s   ratio raw/t2 = {:.2f}\n", nofsync, raw / nofsync);
    fmt::print("  t2 coordinator, fsync      {:>12.0f} jobs/s   ratio raw/t2 = {:.2f}\n", withfsync, raw / withfsync);
  }
  MPI_Finalize();
  return 0;
}

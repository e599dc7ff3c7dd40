// transport.hpp — how the coordinator reaches its workers, so the scheduling logic is written
// once: MpiTransport (ranks 1..P-1 under mpirun/srun) and LocalTransport (one in-process
// worker, when t2 runs without an MPI launcher). Messages are those of contract/protocol.hpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "contract/protocol.hpp"
#include "contract/workload.hpp"

namespace t2 {

struct WorkerEvent {
  enum class Type { ready, result } type = Type::ready;
  int worker = 0;          // the worker's id: its MPI rank, or 0 in local mode
  std::string host;        // with ready
  ResultMessage result;    // with result
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int worker_count() const = 0;
  virtual void send_job(int worker, const JobMessage& job) = 0;
  virtual void cancel(int worker) = 0;       // ask the worker to stop its running job
  // The next event, waiting at most `wait` for one. False if none arrived.
  virtual bool poll(WorkerEvent& out, std::chrono::microseconds wait) = 0;
  virtual void stop_all() = 0;               // every worker leaves its loop
};

// Rank 0 of MPI_COMM_WORLD talking to ranks 1..size-1. MPI must be initialised.
std::unique_ptr<Transport> make_mpi_transport();
// One worker in this process, running jobs on a job thread (or inline for quick workloads).
std::unique_ptr<Transport> make_local_transport(Workload& workload);

}  // namespace t2

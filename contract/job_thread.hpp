// job_thread.hpp — one persistent thread that runs a worker's jobs, so the thread that talks
// to the coordinator stays free to notice Cancel and Stop while a long job runs. Shared by both
// transports, the in-process one (orchestrator/sweep/local_transport.cpp) and the MPI worker
// loop (workers/worker_loop.cpp); knows no MPI.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "contract/protocol.hpp"

namespace t2 {

class JobThread {
 public:
  explicit JobThread(Workload& workload);
  ~JobThread();
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  void start(JobMessage job);                         // the thread must be idle
  // Waits up to `wait` for the running job; returns its result once it has finished.
  std::optional<ResultMessage> wait_for(std::chrono::milliseconds wait);
  void cancel() { cancel_.store(true); }              // asks the running job to stop
  bool busy() const;

 private:
  void loop();
  Workload& workload_;
  std::atomic<bool> cancel_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<JobMessage> job_;
  std::optional<ResultMessage> result_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace t2

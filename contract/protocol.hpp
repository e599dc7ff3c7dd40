// protocol.hpp — the messages between the coordinator and a worker, explicit and few:
//   coordinator -> worker:  Job (kind + spec + attempt), Cancel (stop the running job), Stop
//   worker -> coordinator:  Ready (idle, first message), Result (ok + result, or failure)
// A Result always means "idle again". Encoded with wire.hpp; carried by MPI (worker_loop) or
// in-process (the coordinator's local transport). Knows no MPI itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "contract/job.hpp"

namespace t2 {

enum class MessageTag : int { job = 1, cancel = 2, stop = 3, ready = 11, result = 12 };

struct JobMessage {
  JobKind kind = JobKind::train;
  std::uint32_t attempt = 0;
  TrainSpec train;  // when kind == train
  EvalSpec eval;    // when kind == eval
  JobIndex index() const { return kind == JobKind::train ? train.index : eval.index; }
};

struct ResultMessage {
  JobKind kind = JobKind::train;
  JobIndex index = 0;
  std::uint32_t attempt = 0;
  bool ok = false;
  TrainResult train;                      // ok && kind == train
  EvalResult eval;                        // ok && kind == eval
  FailureClass failure = FailureClass::none;  // !ok
  std::string reason;                         // !ok
  double wall_seconds = 0;
};

std::vector<char> encode_message(const JobMessage&);
std::vector<char> encode_message(const ResultMessage&);
JobMessage decode_job(const char* data, std::size_t size);        // throws WireError
ResultMessage decode_result(const char* data, std::size_t size);  // throws WireError

// Runs one job on the calling thread: the result, or the failure the workload reported
// (JobFailure) or threw (any other exception becomes FailureClass::error). Never throws.
class Workload;
ResultMessage run_job(Workload& workload, const JobMessage& job, const std::atomic<bool>& cancel);

}  // namespace t2

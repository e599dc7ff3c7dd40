// job.hpp — the job contract between the coordinator and whatever runs a job.
// Owns the value types of a training job and an evaluation job, their results, and the
// failure classes. Knows nothing of MPI, HDF5 or fitting: a Workload consumes specs and
// produces results; how they travel (MPI message, journal record) is wire.hpp's business.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace t2 {

// Prompt + answer tokens per sample when neither the config ([eval] tokens_per_sample) nor a job
// result says: the one default, used by the config, the coordinator and the backends' eval FLOPs.
inline constexpr double kDefaultTokensPerSample = 16;

// Index of a job inside its table of the store: runs (training) or evals.
// Stable across resumes: the store assigns it once when the job is planned.
using JobIndex = std::uint32_t;

enum class JobKind : std::uint8_t { train = 0, eval = 1 };
const char* to_string(JobKind);

// A training job: train a model of N parameters on D tokens (paper §3: C_train = 6ND).
struct TrainSpec {
  JobIndex index = 0;        // row of /runs
  double n_params = 0;       // N requested by the sweep (the builtin workload maps it to a shape)
  double n_tokens = 0;       // D, training tokens; the LR schedule is exactly this long
  std::uint64_t seed = 0;    // derived from (sweep seed, N, D, replicate): independent of ranks
  std::uint32_t replicate = 0;
  std::string run_dir;       // a directory private to this run (checkpoints, logs); may be empty
};

struct TrainResult {
  double final_loss = 0;           // held-out loss, nats per token
  double tokens_seen = 0;          // tokens actually trained on
  double params = 0;               // N as the laws use it (see the workload's docs for what it counts)
  double params_total = 0;         // all parameters including embeddings
  double flops = 0;                // training FLOPs spent (6 * params * tokens_seen unless measured)
  std::vector<float> loss_curve;   // short training-loss curve (<= 64 points), may be empty
  std::vector<float> curve_tokens; // tokens seen at each loss_curve point
  std::string checkpoint;          // path of the weights an eval job loads; empty for synthetic
};

// An evaluation job: sample `samples` answers for each of `problems` held-out problems of one task
// from the model a training job produced, and score the gold answer's NLL (paper §3.1, App. E).
struct EvalSpec {
  JobIndex index = 0;        // row of /evals
  JobIndex run = 0;          // the training job it evaluates
  double n_params = 0;       // of the run, as requested (synthetic workload needs it)
  double n_tokens = 0;
  double run_loss = 0;       // the run's final loss (synthetic workload ties accuracy to it)
  std::string task;          // task name, e.g. "arithmetic"
  std::uint32_t problems = 0;
  std::uint32_t samples = 0; // k_max: samples per problem
  double temperature = 1.0;
  std::uint32_t top_k = 0;   // 0 = no top-k truncation
  std::uint64_t seed = 0;
  std::string checkpoint;    // from the run's TrainResult
  std::string run_dir;
};

struct EvalResult {
  std::uint32_t problems = 0;
  std::uint32_t samples = 0;
  std::vector<std::uint8_t> correct;  // problems x samples, row-major, 0 or 1
  std::vector<double> answer_nll;     // per problem: teacher-forced NLL of the gold answer (nats)
  double flops = 0;                   // sampling FLOPs spent
  double tokens_per_sample = 0;       // mean generated + prompt tokens per sample (cost model)
};

// Why a job failed; stored with the job so `t2 status` can say what went wrong.
enum class FailureClass : std::uint8_t {
  none = 0,
  exit_code,     // the job's process exited non-zero
  signal,        // killed by a signal (SIGSEGV, SIGKILL, ...)
  timeout,       // exceeded its wall-clock limit
  bad_result,    // produced no result, or one that violates the contract (NaN loss, malformed JSON)
  error,         // an in-process workload threw
  lost,          // the rank or coordinator went away while it ran (reran on resume)
  cancelled,     // stopped by a shutdown (USR1/TERM) past the grace deadline; not counted as an attempt
};
const char* to_string(FailureClass);
FailureClass failure_class_from_string(const std::string&);

// Thrown by a Workload when a job fails; carries the class and a human-readable reason.
class JobFailure : public std::runtime_error {
 public:
  JobFailure(FailureClass c, const std::string& reason) : std::runtime_error(reason), cls(c) {}
  FailureClass cls;
};

}  // namespace t2

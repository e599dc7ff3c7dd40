// records.hpp — the value types a store holds: planned jobs, their states and results,
// batches and documents (fits, design decisions). Shared by the writer, the readers and
// the exporters; knows no HDF5 and no MPI. The on-disk layout is schemas/store-layout.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "contract/job.hpp"

namespace t2 {

// A job's life: pending -> running -> done | failed (retried: running -> pending while
// attempts < max_attempts). A resumed sweep turns running back into pending, keeping attempts.
enum class JobState : std::uint8_t { pending = 0, running = 1, done = 2, failed = 3 };
const char* to_string(JobState);
JobState job_state_from_string(const std::string&);  // throws std::invalid_argument

// Who ran an attempt, and how long it took.
struct JobMeta {
  std::uint32_t attempt = 0;   // 1-based attempt number this event belongs to
  std::int32_t rank = -1;      // MPI rank (0 in single-process mode)
  std::string host;
  double wall_seconds = 0;     // of the attempt, measured on the worker
  double time = 0;             // unix time of the event, seconds
};

// How a job's attempts count against sweep.max_attempts. Derived from the journal alone (the
// .h5 view keeps `attempts`, the total), so it is exact for the writer and for `t2 status`.
//  * charged: attempts started since the job was last (re)queued by `t2 run --retry-failed`,
//    minus those given back: cancelled by a shutdown, or lost when the coordinator died while
//    they ran (a known stop is no fault of the job; HyperQueue counts them the same way).
//  * lost: attempts interrupted by a coordinator's death (requeue_lost records), in total.
//  * retries: times `t2 run --retry-failed` put the job back after it had failed for good.
struct AttemptBudget {
  std::uint32_t charged = 0, lost = 0, retries = 0;
};

// A training job as planned by a batch.
struct PlannedRun {
  double n_params = 0, n_tokens = 0;
  std::uint64_t seed = 0;
  std::uint32_t replicate = 0;
};

// An eval job as planned by a batch; `run` is the absolute index of its training job.
struct PlannedEval {
  JobIndex run = 0;
  std::string task;
  std::uint32_t problems = 0, samples = 0;
  double temperature = 1.0;
  std::uint32_t top_k = 0;
  std::uint64_t seed = 0;
};

struct RunRecord {
  JobIndex index = 0;
  PlannedRun plan;
  std::uint32_t batch = 0;
  JobState state = JobState::pending;
  std::uint32_t attempts = 0;     // attempts started so far (kept across resumes)
  TrainResult result;             // valid when state == done
  JobMeta meta;                   // of the last attempt that finished (done or failed)
  FailureClass failure = FailureClass::none;  // of the last failed attempt
  std::string reason;                          // its message
  AttemptBudget budget;           // what counts against max_attempts (journal only)
  JobMeta started;                // the attempt running now: rank, host, start time (journal only)
};

struct EvalRecord {
  JobIndex index = 0;
  PlannedEval plan;
  std::uint32_t batch = 0;
  JobState state = JobState::pending;
  std::uint32_t attempts = 0;
  EvalResult result;              // valid when state == done (matrix problems x samples, NLLs)
  JobMeta meta;
  FailureClass failure = FailureClass::none;
  std::string reason;
  AttemptBudget budget;
  JobMeta started;
};

struct BatchRecord {
  std::uint32_t index = 0;
  double planned_at = 0;          // unix time
  JobIndex first_run = 0, n_runs = 0;
  JobIndex first_eval = 0, n_evals = 0;
};

// A JSON document attached to the store: a fit ("fit"), a design step ("design"), an import
// ("import"). `batch` is the batch it belongs to (or the number of batches planned then).
struct Document {
  std::string kind;
  std::uint32_t batch = 0;
  double time = 0;
  std::string json;
};

// Everything a store holds, in memory.
struct StoreContents {
  std::uint32_t schema_version = 0;
  std::string t2_version;
  std::string config_text;        // the sweep config the store was created (or last forced) with
  std::string config_file;        // its path when it was given
  double created_at = 0;
  std::vector<RunRecord> runs;
  std::vector<EvalRecord> evals;
  std::vector<BatchRecord> batches;
  std::vector<Document> documents;
  std::uint64_t journal_records = 0;  // records replayed (for diagnostics)
};

}  // namespace t2

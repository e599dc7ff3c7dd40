// columns.hpp — the one column vocabulary of t2's tables (schemas/columns.md documents each name,
// its unit and which table carries it): the export's runs, evals and results tables (HDF5 and
// CSV) and the results CSV that `t2 fit`, `t2 plan` and `t2 import` read. Names only: who computes
// a value is export.cpp (writing) and law_inputs.cpp (reading).
#pragma once

#include <cstdint>
#include <string>

namespace t2::columns {

// Identity of a job. `run` is always a run's index in its store, `eval` an eval's.
inline constexpr const char* kRun = "run";
inline constexpr const char* kEval = "eval";
inline constexpr const char* kBatch = "batch";
inline constexpr const char* kSeed = "seed";            // the job's own seed (a run's, or an eval's)
inline constexpr const char* kReplicate = "replicate";

// What the laws see (paper §2): N parameters and D training tokens as the worker reported them
// (non-embedding N; the planned value when the worker reported none), and the final loss.
inline constexpr const char* kN = "N";
inline constexpr const char* kD = "D";
inline constexpr const char* kLoss = "loss";
inline constexpr const char* kNPlanned = "N_planned";   // what the design asked for
inline constexpr const char* kDPlanned = "D_planned";
inline constexpr const char* kNTotal = "N_total";       // parameters with embeddings
inline constexpr const char* kTrainFlops = "train_flops";

// Per eval: the task, its problem count, samples per problem n, and what the samples cost.
inline constexpr const char* kTask = "task";
inline constexpr const char* kProblems = "problems";
inline constexpr const char* kSamples = "n";            // samples per problem (Chen et al.'s n)
inline constexpr const char* kTemperature = "temperature";
inline constexpr const char* kTopK = "top_k";
inline constexpr const char* kEvalFlops = "eval_flops";
inline constexpr const char* kTokensPerSample = "tokens_per_sample";
inline constexpr const char* kMeanNll = "mean_nll";

// Per problem of an eval (the results table): its id, correct samples c of n, gold-answer NLL.
inline constexpr const char* kProblem = "problem";
inline constexpr const char* kCorrect = "c";
inline constexpr const char* kNll = "nll";

// Where a job ran (volatile: differs between two runs of the same sweep).
inline constexpr const char* kWallSeconds = "wall_seconds";
inline constexpr const char* kAttempts = "attempts";
inline constexpr const char* kHost = "host";

// pass@k from the samples (unbiased estimator) and from the likelihood source, per k of the grid.
inline std::string pass_at(std::uint32_t k) { return "pass@" + std::to_string(k); }
inline std::string mean_pass_at(std::uint32_t k) { return "mean_pass@" + std::to_string(k); }

}  // namespace t2::columns

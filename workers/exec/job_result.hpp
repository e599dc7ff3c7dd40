// job_result.hpp — reads and checks the result file an external job writes, against the
// contract in schemas/job-result.schema.json (prose: schemas/job-result.md). Owns the field
// rules and their messages; knows nothing of processes or of how a job was started.
#pragma once

#include <stdexcept>
#include <string>

#include "contract/job.hpp"

namespace t2 {

// A result that violates the contract. what() is one line naming the file, the field and
// the value: "/runs/7/train.result.json: loss = NaN: must be a finite number > 0".
class ResultError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses a training result. Relative paths ("checkpoint") are made absolute against the
// current working directory, which is the job's. flops defaults to 6 * params * tokens.
// params_non_embedding, when given, is checked (0 < it <= params_total) but not returned.
TrainResult parse_train_result(const std::string& text, const std::string& file);

// What an eval result must match, from its spec, plus the cost model defaults.
struct EvalExpectation {
  std::uint32_t problems = 0;
  std::uint32_t samples = 0;
  double n_params = 0;                 // for the default flops 2 * N * tokens_per_sample * k * P
  double default_tokens_per_sample = kDefaultTokensPerSample;
};

// Parses an eval result: "correct" inline or "outcomes_file" (.npy), plus the optional "nll"
// (absent: answer_nll is NaN for every problem).
EvalResult parse_eval_result(const std::string& text, const std::string& file, const EvalExpectation& expect);

// Reads `path` and parses it; a missing or empty file is a ResultError too.
TrainResult read_train_result(const std::string& path);
EvalResult read_eval_result(const std::string& path, const EvalExpectation& expect);

}  // namespace t2

// fit_data.hpp — what the laws are fitted to: checkpoints (N, D, training loss) and, per task,
// per-problem outcomes (n samples, c correct, gold-answer NLL). Plain values; how they are read
// from a store or a CSV is orchestrator/analysis/law_inputs.hpp's business, not this file's.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace t2 {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One trained model (T² paper §4: a checkpoint of the scaling suite).
struct Checkpoint {
  double n = 0;          // N, parameters
  double d = 0;          // D, training tokens
  double loss = kNaN;    // held-out training loss, nats/token (NaN when unknown)
  std::uint32_t run = 0; // identity of its input (store run index or CSV line), recorded in fits
};

// One problem of one task evaluated on one checkpoint.
struct ProblemOutcome {
  std::uint32_t checkpoint = 0;  // index into FitData::checkpoints
  std::uint32_t problem = 0;     // problem id within the task (same id = same problem across checkpoints)
  std::uint32_t n = 0;           // samples drawn (0 = none, only the NLL is known)
  std::uint32_t c = 0;           // of which correct
  double nll = kNaN;             // teacher-forced NLL of the gold answer, nats (NaN when unknown)
};

// Inputs of one fit: the checkpoints and the outcomes of ONE task on them.
struct FitData {
  std::string task;                      // empty when there are no outcomes
  std::vector<Checkpoint> checkpoints;
  std::vector<ProblemOutcome> outcomes;  // any order; grouped by checkpoint when needed
};

// Where pass@k comes from (issue 3, item 4), recorded with every fit.
//  likelihood: the paper's choice (§3.1, §3.2, App. E): p_i = exp(-NLL_i), pass@k_i = 1-(1-p_i)^k
//              exactly, any real k >= 1.
//  sampled:    Chen et al. 2021's unbiased estimator from c of n samples, integer k <= n.
enum class PassSource { likelihood, sampled };
const char* to_string(PassSource);
PassSource pass_source_from_string(const std::string&);  // throws std::invalid_argument

// Thrown when the data cannot support the fit asked for (too few checkpoints, no outcomes,
// no NLLs for the likelihood source, ...). what() is one readable line.
class FitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Empirical pass@k of one checkpoint at one k, aggregated over its problems.
struct PassPoint {
  std::uint32_t checkpoint = 0;
  double n = 0, d = 0, k = 1;
  double mean_pass = 0;      // (1/M) sum_i pass@k_i   (the accuracy the paper's Approach 2 targets)
  double neg_log_pass = 0;   // Approach 1's target (§3.1): likelihood: (1/M) sum_i -log pass@k_i;
                             // sampled: -log mean_pass (per-problem -log is infinite when c = 0)
  std::uint32_t problems = 0;
};

// The k values pass@k is evaluated at: powers of two 1, 2, 4, ... up to k_max (and k_max itself).
std::vector<double> default_k_grid(double k_max);

// Per checkpoint with outcomes and per k of the grid (sampled: k <= that checkpoint's min n),
// the empirical pass@k. Throws FitError if the source needs data that is missing.
std::vector<PassPoint> empirical_pass_at_k(const FitData&, PassSource, const std::vector<double>& k_grid);

// Mean gold-answer NLL per checkpoint (index = checkpoint; NaN where there are no NLLs).
std::vector<double> mean_answer_nll(const FitData&);

// Checks shapes and values (indices in range, N, D > 0, c <= n); throws FitError naming the row.
void check_fit_data(const FitData&);

}  // namespace t2

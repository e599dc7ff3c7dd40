// holdout.hpp — hold-out validation of a law (T² paper RQ2, §4.2, Fig. 4: fit on the
// Chinchilla-style runs, predict the over-trained ones). A rule over a run's N, D, D/N and 6ND
// picks the runs to hold out; the law is fitted on the rest and its own quantity is predicted
// on the held-out runs. Owns the rule's grammar, the split and the error metric; fitting is fit.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/laws/fit.hpp"

namespace t2 {

// A rule that does not parse or names an unknown field (the CLI exits 2 on it).
class HoldoutRuleError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// RULE := COND ( "&&" COND )* ; COND := FIELD OP NUMBER ; FIELD := tokens_per_param | flops | n | d
// (flops = 6ND, tokens_per_param = D/N); OP := < <= > >= == !=; NUMBER as strtod reads it (1e17).
// A run is held out when every condition holds. Whitespace is ignored.
struct HoldoutCondition {
  enum class Field { tokens_per_param, flops, n, d } field = Field::n;
  enum class Op { lt, le, gt, ge, eq, ne } op = Op::lt;
  double value = 0;
};
struct HoldoutRule {
  std::string text;  // as the user wrote it
  std::vector<HoldoutCondition> conditions;
  bool holds_out(double n, double d) const;
};
HoldoutRule parse_holdout_rule(const std::string& text);  // throws HoldoutRuleError naming the rule

// The default rule of `--law auto` when the user gives none: the most over-trained quarter of the
// runs by tokens per parameter (at least kAutoHoldoutMin runs), written as the equivalent rule
// `tokens_per_param>=X` with X the smallest D/N held out. Throws FitError when the data have
// fewer than kAutoMinRuns runs (too few to select).
inline constexpr double kAutoHoldoutFraction = 0.25;
inline constexpr std::uint32_t kAutoHoldoutMin = 3;
HoldoutRule default_holdout_rule(const FitData&);

// The runs a rule keeps for fitting and the ones it holds out (outcomes follow their checkpoint).
struct HoldoutSplit {
  FitData fitted, held_out;
};
HoldoutSplit split_fit_data(const FitData&, const HoldoutRule&);

// One held-out run: the law's own quantity observed and predicted at the run's k.
struct HoldoutRun {
  std::uint32_t run = 0;  // Checkpoint::run
  double n = 0, d = 0, k = 1;
  double observed = kNaN, predicted = kNaN;
  double rel_error = kNaN;  // (predicted - observed) / max(observed, floor) (floors above)
};

struct HoldoutResult {
  std::string rule;
  std::uint32_t fitted_runs = 0, held_out_runs = 0;
  std::string metric;                  // e.g. "pass@k at the deployment's k"
  double mean_abs_rel_error = kNaN;    // over `runs` (at each run's k)
  double mean_abs_rel_error_k_grid = kNaN;  // over every (run, k of the fit's k grid); NaN for chinchilla
  std::vector<HoldoutRun> runs;
};

// The k a held-out run is scored at (the deployment's k for that run's N and D); k = 1 when null.
using KAt = std::function<double(double n, double d)>;

// Relative errors divide by max(observed, floor): a pass@k of 1e-80 (or a -log pass@k of 1e-6 nats
// for a solved task) would otherwise make any absolute miss an error of millions of percent and
// one run decide the mean. Below 1% accuracy (0.01 nats) every miss is scored against 1% (0.01).
inline constexpr double kHoldoutFloorPass = 0.01;
inline constexpr double kHoldoutFloorNegLogPass = 0.01;

// Scores a fitted law on held-out data: t2-accuracy pass@k, t2-loss -log pass@k (both from the
// fit's pass@k source; sampled: k rounded down and capped at the run's samples), chinchilla the
// training loss. k_grid: the fit's k grid (for the k-grid mean). Runs without a finite observed
// value are left out.
HoldoutResult score_holdout(const LawFit& fit, const FitData& held_out, const std::vector<double>& k_grid, const KAt& k_at);

// split, fit on the fitted runs, score_holdout on the held-out ones. Throws FitError naming the
// rule when it holds out no run or leaves fewer runs than the law has parameters.
struct HoldoutFit {
  LawFit fit;  // the fit on the runs the rule leaves
  HoldoutResult result;
};
HoldoutFit fit_holdout(const FitData&, const HoldoutRule&, const FitOptions&, const KAt& k_at);

// Runs the rule would leave / hold out (distinct checkpoints), for the too-few check.
std::uint32_t min_runs_to_fit(const std::string& law);

}  // namespace t2

// law_inputs.hpp — the one path from results to fit inputs: reading a results CSV (every bad row
// reported by file and line), mapping StoreContents or CSV rows to the laws' FitData, reading a
// store with its sweep config (for [target]), and turning CSV rows into store records for an
// import. Used by `t2 fit`, `t2 plan`, `t2 predict`, `t2 import` and `t2 run`'s closing plan.
// No fitting, no rendering (law_report.hpp), no command-line flags (cli/law_flags.hpp).
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "orchestrator/laws/fit_data.hpp"
#include "orchestrator/store/records.hpp"

namespace t2 {

// Bad input files: one message per problem, each "FILE:LINE: column c = 'x': why".
class InputError : public std::runtime_error {
 public:
  InputError(std::vector<std::string> problems);
  std::vector<std::string> problems;
};

// One row of a results CSV (schemas/laws.md "CSV format"; names from schemas/columns.md). Columns
// N, D, loss are required; run, task, problem, nll, n, c optional (a row with a task is one
// problem of that task on that run). Other columns (t2 export's) are ignored.
struct CsvRow {
  std::uint32_t line = 0;
  std::int64_t run = -1;      // column run: rows of one run share it (-1 when absent: runs are
                              // told apart by (N, D, loss) alone)
  double n_params = 0, n_tokens = 0, loss = 0;
  std::string task;           // empty: a run-only row
  std::uint32_t problem = 0;
  double nll = kNaN;          // NaN when absent or empty
  std::uint32_t samples = 0;  // n (0 when absent)
  std::uint32_t correct = 0;  // c
};

struct CsvTable {
  std::string file;
  std::vector<CsvRow> rows;
};

// Parses a CSV (comma-separated, header first, '#' lines and blank lines skipped). Throws
// InputError listing every bad row: missing column, not a number, N or D <= 0, loss NaN or <= 0,
// c > n, a task row without a problem id.
CsvTable parse_results_csv(std::istream& in, const std::string& file);
CsvTable read_results_csv(const std::string& path);  // InputError also when it cannot be opened

// Tasks present (sorted).
std::vector<std::string> tasks_of(const StoreContents&);
std::vector<std::string> tasks_of(const CsvTable&);

// Chooses the task to fit: `wanted` if given (must exist), else the only one, else "" when there
// are none; several and none chosen -> InputError naming them.
std::string choose_task(const std::vector<std::string>& tasks, const std::string& wanted, const std::string& source);

// Store -> FitData: done runs become checkpoints (N = TrainResult::params when > 0 else the planned
// N; D = tokens_seen when > 0 else planned D; loss = final_loss; Checkpoint::run = run index),
// done evals of `task` on done runs become outcomes (n = samples, c = correct samples, nll).
FitData fit_data_from_store(const StoreContents&, const std::string& task);
// CSV -> FitData: rows with equal (N, D, loss) are one checkpoint (Checkpoint::run = its first
// line); rows of `task` become its outcomes.
FitData fit_data_from_csv(const CsvTable&, const std::string& task);

// What an import writes: one batch of runs and evals with their results, already validated.
struct ImportBatch {
  std::vector<PlannedRun> runs;
  std::vector<TrainResult> run_results;
  std::vector<PlannedEval> evals;       // PlannedEval::run = index into `runs`
  std::vector<EvalResult> eval_results;
};
// Groups rows into runs (equal N, D, loss) and evals (run x task). Throws InputError when a
// (run, task) group cannot be stored as one eval: problem ids not exactly 0..P-1 each once, or
// different n within the group. Correct samples are stored first in each problem's row (the
// order of samples is not known from counts).
ImportBatch import_batch(const CsvTable&);

// Where fit inputs came from (recorded in every fit document).
struct FitInputs {
  std::string kind;   // "store" or "csv"
  std::string path;
};

// STORE or CSV -> FitData (a path ending in .csv is a CSV, anything else a store), with the
// store's sweep config when it has a readable one (a CSV, or a store made by `t2 import`, has
// none; config_note then says why).
struct LoadedInputs {
  FitData data;
  FitInputs inputs;
  std::optional<SweepConfig> config;
  std::string config_note;
};
LoadedInputs load_law_inputs(const std::string& path, const std::string& task);
// The same from store contents already read (`t2 run`'s closing plan).
LoadedInputs law_inputs_from_store(const StoreContents&, const std::string& path, const std::string& task);

}  // namespace t2

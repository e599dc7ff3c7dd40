// sweep_config.hpp — the sweep config (TOML) as typed values, and its strict parser.
// Every field is documented once, in schemas/sweep-config.md; this header names them and
// gives units and defaults. Parsing errors are ConfigError: "FILE:LINE: KEY = VALUE: problem".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "contract/job.hpp"
#include "contract/toml_reader.hpp"
#include "workers/workload_settings.hpp"

namespace t2 {

// Defaults read outside the parser (the job queue's cost model, `t2 status` on a store whose
// config says nothing, `t2 slurm`, which reads only [sweep] and [slurm]): named here once, and
// used by the fields below. Every other default is the field's initialiser, which the parser
// falls back to.
// kDefaultTokensPerSample ([eval] tokens_per_sample) is the contract's (contract/job.hpp).
inline constexpr double kDefaultShutdownGrace = 60;    // [sweep] shutdown_grace, seconds

// [grid]: the (N, D) candidates. n and d are lists or log ranges {from, to, steps};
// `isoflop` (FLOPs) replaces d: for each C and N, D = C / (6N) (paper §4.1, Fig. 3).
struct GridConfig {
  std::vector<double> n;          // model sizes N (parameters), > 0
  std::vector<double> d;          // training tokens D, > 0 (empty when isoflop is used)
  std::vector<double> isoflop;    // training budgets C (FLOPs), > 0 (empty when d is used)
  double min_tokens_per_param = 0;  // drop points with D/N below this (0 = keep all)
  double max_tokens_per_param = 0;  // drop points with D/N above this (0 = keep all)
};

// [design]: how points are chosen and batched (issue 5 adds the adaptive strategy).
struct DesignConfig {
  std::string strategy = "grid";  // grid | random | adaptive
  std::uint32_t batch_size = 16;  // training jobs per batch
  std::uint32_t batches = 0;      // upper limit on batches (0 = as many as the grid needs)
  std::uint32_t first_batch = 0;  // size of the first batch (0 = batch_size)
  double stop_tolerance = 0.1;    // adaptive: stop when the runs placed on the fit's ridge move N* by at most this (relative)
  std::uint32_t ensemble = 32;    // adaptive: bootstrap fits per refit (the N* interval it reports)
  std::string lhat = "answer_nll"; // adaptive: what the refit's Lhat is fitted on: answer_nll (the paper's) | train_loss
  std::string method = "two_stage"; // adaptive: how the refit fits theta: two_stage (the paper's) | moments
};

// [eval]: evaluation jobs; one per (run, task).
struct EvalConfig {
  std::vector<std::string> tasks = {"arithmetic"};
  std::uint32_t problems = 128;      // held-out problems per task
  std::uint32_t samples = 64;        // k_max: samples per problem
  double temperature = 1.0;
  std::uint32_t top_k = 0;           // 0 = no truncation
  double tokens_per_sample = kDefaultTokensPerSample;  // prompt + answer tokens, for planning eval FLOPs 2N*T*k*P
};

// [target]: the deployment the laws plan for (paper §1, §3.3). Either the paper's pair
// (train_budget, inference_budget) or one end-to-end budget with a query volume.
struct TargetConfig {
  enum class Form { none, split, end_to_end } form = Form::none;
  double train_budget = 0;       // C_train, FLOPs (split form)
  double inference_budget = 0;   // C_inf, FLOPs per served token = 2Nk (split form)
  double budget = 0;             // C, FLOPs = 6ND + 2N*T*k*Q (end-to-end form)
  double queries = 0;            // Q
  double tokens_per_query = 0;   // T
  double n_min = 0, n_max = 0;   // planner bounds on N (0 = from the grid)
  double k_max = 0;              // planner bound on k (0 = unbounded)
  // Bootstrap refits behind the plan `t2 run` prints at the end (0 = none): its intervals, and
  // whether the data decide the T² optimum's advantage over the Chinchilla row. `t2 plan` takes
  // --bootstrap instead. Each refit costs about one fit.
  std::uint32_t bootstrap = 0;
  // Local fit (laws/locality.hpp): the t2-accuracy law's runs weighted by exp(-z^2/2), z = their
  // distance from train_budget in decades of 6ND over this width, in every plan of the store (the
  // adaptive design's refits, `t2 plan STORE`, `t2 report`, the plan `t2 run` prints); 0 = off, the
  // paper's unweighted fit. Split form only: the end-to-end form fixes no training compute.
  double fit_locality = 0;
};

// [slurm]: defaults for `t2 slurm` (slurm/README.md). Each key has the flag of the same name
// (with - for _), which overrides it; lines from --setup and --sbatch are appended to these.
// `t2 run` ignores the table, and changing it does not count as a changed config on resume.
// Unset values (nullopt, empty lists) leave t2 slurm's own defaults.
struct SlurmConfig {
  std::optional<int> nodes;                  // --nodes, >= 1
  std::optional<int> ntasks_per_node;        // MPI ranks per node, >= 1
  std::optional<int> cpus_per_task;          // --cpus-per-task, >= 1: cores each rank's jobs may use
  std::optional<std::string> time;           // --time, any Slurm form ("12:00:00", "1-00:00:00")
  std::optional<std::string> partition, account;
  std::optional<std::string> gres;           // --gres, e.g. "gpu:4"
  std::optional<std::string> chdir;          // the job's working directory (default: where t2 slurm runs)
  std::optional<std::string> log;            // the job's output file (%x job name, %j job id)
  std::optional<std::string> mpirun_args;    // extra mpirun arguments, shell words
  std::optional<std::string> job_name;       // --job-name (default "t2-<[sweep] name>")
  std::optional<int> signal_lead;            // seconds before the time limit at which USR1 comes
  std::optional<int> max_requeues;           // the script stops requeueing itself after this many restarts
  std::optional<bool> overcommit;            // --overcommit: more ranks than CPUs
  std::vector<std::string> setup;            // shell lines run before mpirun: module load, source venv/bin/activate
  std::vector<std::string> sbatch;           // extra #SBATCH options, one per entry: "--mem=64G"
  std::map<std::string, int> lines;          // key -> its line in the file, for messages
};

// Reads a [slurm] table: types and ranges here; t2 slurm checks what goes on #SBATCH lines.
SlurmConfig read_slurm_config(TableReader& slurm);

struct SweepConfig {
  std::string file;              // path it was read from ("" for a string)
  std::string text;              // the exact TOML text (stored in the store)
  // [sweep]
  std::string name;
  std::string store;             // store path; relative paths are relative to the working directory
  std::uint64_t seed = 1;
  std::uint32_t replicates = 1;  // seeds per (N, D)
  std::uint32_t max_attempts = 3;
  // Retry an attempt whose result broke the contract (class bad_result: NaN loss, missing
  // field)? Off: such a result is deterministic, so the job fails for good at once.
  bool retry_bad_result = false;
  double compute_cap = 0;        // FLOPs the sweep may spend (training + eval); 0 = unlimited
  bool fsync = true;             // fdatasync the journal on every commit
  double sync_interval = 5;      // seconds between updates of the .h5 view from the journal
  double progress_interval = 2;  // seconds between progress lines
  double shutdown_grace = kDefaultShutdownGrace;  // seconds running jobs may finish after USR1/TERM
  GridConfig grid;
  DesignConfig design;
  EvalConfig eval;
  TargetConfig target;
  WorkloadConfig workload;
  SlurmConfig slurm;             // [slurm]: only `t2 slurm` uses it
};

// load_sweep_config reads a file to run or validate it, so it also checks this machine (an exec
// program must resolve here). parse_sweep_config checks the text only unless check_programs:
// a config read back from a store (t2 report) may be read where its programs do not exist.
SweepConfig load_sweep_config(const std::string& path);                 // throws ConfigError
SweepConfig parse_sweep_config(const std::string& text, const std::string& file, bool check_programs = false);

// The candidate (N, D) points of the grid, in a deterministic order (N ascending, then D).
struct GridPoint { double n, d; };
std::vector<GridPoint> grid_points(const GridConfig& grid);

// Cost model (paper §1): training 6ND; one eval job 2N * tokens_per_sample * samples * problems.
double train_flops(double n, double d);
double eval_flops(double n, const EvalConfig& eval);
// A run's full cost: training plus one eval per task.
double run_flops(double n, double d, const EvalConfig& eval);

// A readable line-by-line diff of two config texts ("- old" / "+ new"), empty when equal
// ignoring comments, whitespace differences and the [slurm] table (how a sweep is submitted
// does not change what it computes).
std::string config_diff(const std::string& old_text, const std::string& new_text);

}  // namespace t2

// slurm_script.hpp — renders slurm/t2.sbatch.template into a batch script for one sweep: the
// #SBATCH resource lines, the requeue/signal settings and the mpirun line. Owns checking the
// values that go into it (a script is code: every path is shell-quoted, every #SBATCH value is
// checked). Knows nothing of sweeps beyond their file; submission is cmd_slurm.cpp's job.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace t2 {

// A bad value for the script; what() names the option and value: "--time = 25:61:00: ...".
class SlurmScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SlurmScriptOptions {
  std::string sweep;             // sweep TOML; made absolute
  std::string t2_binary;         // the t2 executable the job runs; made absolute
  std::string workdir;           // working directory of the job (relative store paths); made absolute
  std::string job_name;          // --job-name (letters, digits, - _ . only)
  int nodes = 1;                 // --nodes
  int ntasks_per_node = 2;       // --ntasks-per-node: MPI ranks per node; rank 0 is the coordinator
  std::string time = "24:00:00"; // --time, any Slurm form: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS
  std::string partition;         // --partition; "" = the cluster's default
  std::string account;           // --account; "" = the user's default
  int signal_lead = 120;         // seconds before the time limit at which the batch shell gets USR1
  std::string log = "%x-%j.out";  // --output of the job (%x job name "t2-<sweep>", %j job id): t2-main-1234.out
  bool overcommit = false;       // --overcommit: more ranks than CPUs (workers that mostly wait)
  std::string mpirun_args = "--bind-to none";  // inserted verbatim before the t2 command
  int max_requeues = 20;         // the script stops requeueing itself after this many restarts
  std::string gres;              // --gres ("gpu:4"); "" = none
  int cpus_per_task = 0;         // --cpus-per-task; 0 = Slurm's default (1)
  bool chdir = false;            // also write #SBATCH --chdir=workdir (the output file lands there)
  std::vector<std::string> setup;   // shell lines run before mpirun (module load, venv activation)
  std::vector<std::string> sbatch;  // extra #SBATCH options, one per entry ("--mem=64G")
  // Where a value came from when it was not a flag: option name ("gres") -> "FILE:LINE: slurm.gres",
  // so that an error names the config key the user wrote instead of a flag they never gave.
  std::map<std::string, std::string> origin;
};

// Slurm's --time in seconds; throws SlurmScriptError for a malformed value.
long slurm_time_seconds(const std::string& time);

// The script text. Throws SlurmScriptError naming the first bad option.
std::string render_sbatch_script(const SlurmScriptOptions& options);

// 'text' quoted for bash: single quotes, with ' written as '\''.
std::string shell_quote(const std::string& text);

// The template as built into this binary (slurm/t2.sbatch.template at build time).
const std::string& sbatch_template();

}  // namespace t2

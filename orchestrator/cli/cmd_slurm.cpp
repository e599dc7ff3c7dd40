// cmd_slurm.cpp — `t2 slurm SWEEP.toml [options] [--submit]`: writes a batch script that runs the
// sweep in one Slurm allocation with requeue and a USR1 lead before the time limit (rendered by
// slurm_script.cpp from slurm/t2.sbatch.template), and with --submit hands it to sbatch.
// Options come from the flags, then the sweep's [slurm] table, then the defaults. It reads only
// [sweep] name/shutdown_grace and [slurm] of the sweep: `t2 run` in the job checks the rest.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/slurm_script.hpp"
#include "orchestrator/config/sweep_config.hpp"
#include "contract/input_limits.hpp"

extern char** environ;

namespace t2 {

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

const char* kUsage = "SWEEP.toml [options] [--submit]";
const char* kDescription =
    "Writes an sbatch script that runs the sweep in one allocation: mpirun starts t2 on every\n"
    "task (rank 0 coordinates), the job is requeueable, and USR1 arrives --signal-lead seconds\n"
    "before the time limit so that t2 stops gracefully, flushes the store and the script\n"
    "requeues itself; the next start resumes. See slurm/README.md.";

// The sweep file as TOML; a syntax error is a bad config (exit 1), named with file and line.
toml::table parse_sweep(const std::string& sweep) {
  // Bounded read and nesting pre-scan first (issue 12 item 1): toml++ recurses.
  std::ifstream in(sweep, std::ios::binary);
  std::string text(t2::limits::kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  t2::check_toml_bounds(text, sweep);
  try {
    return toml::parse(text, sweep);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin.line;
    throw std::runtime_error(fmt::format("{}:{}: {}", sweep, where.str(), e.description()));
  }
}

// The job name: [sweep] name when the file has one, else the file's stem; reduced to the
// characters Slurm and the output file name handle well.
std::string default_job_name(const toml::table& t, const std::string& sweep) {
  std::string name = t["sweep"]["name"].value_or(std::string());
  if (name.empty()) name = fs::path(sweep).stem().string();
  std::string out;
  for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_');
  return "t2-" + out;
}

// The [slurm] table (schemas/sweep-config.md); absent = every default. Its errors are config
// errors (exit 1): "FILE:LINE: slurm.KEY = VALUE: problem".
SlurmConfig slurm_table(const toml::table& t, const std::string& sweep) {
  const toml::node* node = t.get("slurm");
  if (!node) return {};
  if (!node->is_table())
    throw ConfigError(sweep, static_cast<int>(node->source().begin.line), "slurm", render(*node), "expected a table");
  TableReader reader(*node->as_table(), "slurm", sweep);
  return read_slurm_config(reader);
}

std::string self_executable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

// Runs `sbatch --parsable SCRIPT`; returns the job id. A failure (sbatch missing, a non-zero
// exit, no job id on its output) throws with sbatch's own error text, which is what says why
// (a bad account, partition or gres).
std::string submit(const std::string& script) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  // stderr to an unlinked temporary file, read after sbatch exits: no second pipe to drain
  // while the first one is read.
  char err_path[] = "/tmp/t2-sbatch-stderr-XXXXXX";
  int err = ::mkstemp(err_path);
  if (err < 0) throw std::runtime_error(fmt::format("mkstemp: {}", std::strerror(errno)));
  ::unlink(err_path);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string prog = "sbatch", flag = "--parsable";
  char* argv[] = {prog.data(), flag.data(), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, "sbatch", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err);
    throw std::runtime_error(
        fmt::format("cannot run sbatch: {} (is Slurm installed and in PATH?); the script is kept: {}", std::strerror(rc),
                    script));
  }
  std::string text;
  char buf[256];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string errors;
  ::lseek(err, 0, SEEK_SET);
  while ((n = ::read(err, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) errors.append(buf, static_cast<std::size_t>(n));
  ::close(err);
  while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
  std::string said = errors.empty() ? "" : ":\n" + errors;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                        : fmt::format("was killed by signal {}", WTERMSIG(status));
    throw std::runtime_error(fmt::format("sbatch {} {}; nothing was submitted (the script is kept){}", script, how,
                                         errors.empty() ? " and printed no error" : said));
  }
  // --parsable prints "JOBID" or "JOBID;CLUSTER"
  std::string id = text.substr(0, text.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error(fmt::format("sbatch {} exited 0 but printed no job id (output: \"{}\"); check with squeue "
                                         "before submitting again{}",
                                         script, text.substr(0, 200), said));
  if (!errors.empty()) std::cerr << "t2 slurm: sbatch: " << errors << "\n";  // warnings of an accepted job
  return id;
}

// What the flags fill besides SlurmScriptOptions (paths, names and lines merged afterwards).
struct SlurmFlags {
  std::string sweep, script, job_name, t2_binary, chdir;
  std::vector<std::string> setup, sbatch;
};

void add_slurm_flags(po::options_description& desc, SlurmScriptOptions& o, SlurmFlags& f) {
  // Every default below is SlurmScriptOptions's; units are in the help text.
  desc.add_options()
      ("nodes", po::value<int>(&o.nodes)->default_value(o.nodes), "nodes (--nodes)")
      ("ntasks-per-node", po::value<int>(&o.ntasks_per_node)->default_value(o.ntasks_per_node),
       "MPI ranks per node; rank 0 of node 1 is the coordinator, all others are workers")
      ("cpus-per-task", po::value<int>(&o.cpus_per_task),
       "CPUs for each rank (--cpus-per-task): what one rank's jobs (your trainer) may use")
      ("gres", po::value<std::string>(&o.gres), "generic resources per node (--gres), e.g. gpu:4")
      ("time", po::value<std::string>(&o.time)->default_value(o.time), "time limit: MM, HH:MM:SS, D-HH:MM:SS, ...")
      ("partition", po::value<std::string>(&o.partition), "partition (default: the cluster's)")
      ("account", po::value<std::string>(&o.account), "account to charge (default: yours)")
      ("chdir", po::value<std::string>(&f.chdir),
       "working directory of the job (--chdir; relative store paths and the output file resolve there; "
       "default: where t2 slurm runs)")
      ("setup", po::value<std::vector<std::string>>(&f.setup)->composing(),
       "a shell line the script runs before mpirun, e.g. 'module load cuda/12.1' or "
       "'source ~/venv/bin/activate' (repeatable; after [slurm] setup)")
      ("sbatch", po::value<std::vector<std::string>>(&f.sbatch)->composing(),
       "an extra #SBATCH option, e.g. --mem=64G or --constraint=a100 (repeatable; after [slurm] sbatch)")
      ("signal-lead", po::value<int>(&o.signal_lead)->default_value(o.signal_lead),
       "seconds before the time limit at which USR1 starts a graceful stop; must exceed the sweep's "
       "shutdown_grace plus the time to flush (a few seconds)")
      ("overcommit", po::bool_switch(&o.overcommit), "allow more ranks than CPUs (--overcommit)")
      ("log", po::value<std::string>(&o.log)->default_value(o.log),
       "the job's output file (%x job name, %j job id): t2-<sweep>-<id>.out")
      ("job-name", po::value<std::string>(&f.job_name), "job name (default: t2-<[sweep] name>)")
      ("mpirun-args", po::value<std::string>(&o.mpirun_args)->default_value(o.mpirun_args),
       "arguments for mpirun, as shell words")
      ("max-requeues", po::value<int>(&o.max_requeues)->default_value(o.max_requeues),
       "the script stops requeueing itself after this many restarts")
      ("t2", po::value<std::string>(&f.t2_binary), "the t2 executable the job runs (default: this one)")
      ("output,o", po::value<std::string>(&f.script), "where to write the script (default: <sweep stem>.sbatch)")
      ("submit", "submit the script with sbatch and print the job id");
}

// A flag the user gave wins; otherwise the [slurm] value, remembered as the origin so that an
// error names the key; otherwise SlurmScriptOptions's default.
void merge_slurm_table(const po::variables_map& vm, SlurmConfig cfg, const std::string& sweep,
                       SlurmScriptOptions& o, SlurmFlags& f) {
  auto given = [&](const char* flag) { return vm.count(flag) && !vm[flag].defaulted(); };
  auto from_config = [&](const char* flag, const char* key, auto& target, const auto& value) {
    if (given(flag) || !value) return;
    target = *value;
    o.origin[flag] = fmt::format("{}:{}: slurm.{}", sweep, cfg.lines[key], key);
  };
  from_config("nodes", "nodes", o.nodes, cfg.nodes);
  from_config("ntasks-per-node", "ntasks_per_node", o.ntasks_per_node, cfg.ntasks_per_node);
  from_config("cpus-per-task", "cpus_per_task", o.cpus_per_task, cfg.cpus_per_task);
  from_config("gres", "gres", o.gres, cfg.gres);
  from_config("time", "time", o.time, cfg.time);
  from_config("partition", "partition", o.partition, cfg.partition);
  from_config("account", "account", o.account, cfg.account);
  from_config("chdir", "chdir", f.chdir, cfg.chdir);
  from_config("signal-lead", "signal_lead", o.signal_lead, cfg.signal_lead);
  from_config("log", "log", o.log, cfg.log);
  from_config("job-name", "job_name", f.job_name, cfg.job_name);
  from_config("mpirun-args", "mpirun_args", o.mpirun_args, cfg.mpirun_args);
  from_config("max-requeues", "max_requeues", o.max_requeues, cfg.max_requeues);
  if (!o.overcommit && cfg.overcommit) {
    o.overcommit = *cfg.overcommit;
    o.origin["overcommit"] = fmt::format("{}:{}: slurm.overcommit", sweep, cfg.lines["overcommit"]);
  }
  // Lines: the table's, then the flags'. An error names the table only when every line is its.
  o.setup = cfg.setup;
  o.setup.insert(o.setup.end(), f.setup.begin(), f.setup.end());
  if (!cfg.setup.empty() && f.setup.empty()) o.origin["setup"] = fmt::format("{}:{}: slurm.setup", sweep, cfg.lines["setup"]);
  o.sbatch = cfg.sbatch;
  o.sbatch.insert(o.sbatch.end(), f.sbatch.begin(), f.sbatch.end());
  if (!cfg.sbatch.empty() && f.sbatch.empty())
    o.origin["sbatch"] = fmt::format("{}:{}: slurm.sbatch", sweep, cfg.lines["sbatch"]);
}

// Writes the script through a temporary file renamed over it (never a half-written script).
void write_script(const std::string& script, const std::string& text) {
  std::string tmp = script + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw SlurmScriptError(fmt::format("{}: cannot write the script", script));
  }
  fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec);
  fs::rename(tmp, script);
}

int run_slurm(const std::vector<std::string>& args) {
  SlurmScriptOptions o;
  SlurmFlags f;
  po::options_description desc("options (each, except --t2, -o and --submit, has a [slurm] key of the same name with _ "
                               "for -, which the flag overrides; schemas/sweep-config.md)");
  add_slurm_flags(desc, o, f);
  po::options_description hidden;
  hidden.add_options()("sweep", po::value<std::string>(&f.sweep));
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  if (int rc = parse_args("slurm", kUsage, kDescription, desc, pos, args, vm, hidden); rc >= 0) return rc;
  if (f.sweep.empty()) return usage_error("slurm", kUsage, "a sweep file is required");
  const std::string& sweep = f.sweep;
  try {
    // A missing or broken sweep file is a failure (exit 1), like every bad config; SlurmScriptError
    // is for flags (exit 2), or for a [slurm] value the script cannot hold (exit 1).
    if (!fs::is_regular_file(sweep)) throw std::runtime_error(fmt::format("{}: no such sweep file", sweep));
    toml::table file = parse_sweep(sweep);
    merge_slurm_table(vm, slurm_table(file, sweep), sweep, o, f);
    if (o.origin.count("cpus-per-task") == 0 && vm.count("cpus-per-task") && o.cpus_per_task < 1)
      throw SlurmScriptError(fmt::format("--cpus-per-task = {}: must be >= 1", o.cpus_per_task));
    o.sweep = sweep;
    o.job_name = f.job_name.empty() ? default_job_name(file, sweep) : f.job_name;
    // USR1 comes --signal-lead seconds before the limit; running jobs then get shutdown_grace
    // seconds and the store a moment to flush. A shorter lead still works, but jobs running at
    // the limit are killed by Slurm and rerun after the requeue.
    if (double grace = file["sweep"]["shutdown_grace"].value_or(kDefaultShutdownGrace); o.signal_lead <= grace)
      std::cerr << fmt::format("t2 slurm: warning: --signal-lead = {} s does not exceed sweep.shutdown_grace = {:g} s "
                               "of {}: jobs still running at the time limit are killed and rerun after the requeue\n",
                               o.signal_lead, grace, sweep);
    o.t2_binary = f.t2_binary.empty() ? self_executable() : f.t2_binary;
    if (o.t2_binary.empty()) throw SlurmScriptError("--t2: cannot find this executable; give its path");
    o.chdir = !f.chdir.empty();
    o.workdir = f.chdir.empty() ? fs::current_path().string() : fs::absolute(f.chdir).lexically_normal().string();
    const std::string script = f.script.empty() ? fs::path(sweep).stem().string() + ".sbatch" : f.script;
    write_script(script, render_sbatch_script(o));
    std::cout << fs::absolute(script).string() << "\n";
    if (vm.count("submit")) {
      // The id first: "submitted job " must never be printed for a submission that failed.
      std::string id = submit(script);
      std::cout << "submitted job " << id << "\n";
    }
  } catch (const SlurmScriptError& e) {
    std::cerr << "t2 slurm: " << e.what() << "\n";
    // A bad value from the sweep file is a bad config (1), a bad flag a usage error (2).
    return std::string(e.what()).find(": slurm.") != std::string::npos ? kExitFailure : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "t2 slurm: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

extern const Command kSlurmCommand = {"slurm", "write (and --submit) an sbatch script: requeue, USR1 lead, resume",
                                      run_slurm};

}  // namespace t2

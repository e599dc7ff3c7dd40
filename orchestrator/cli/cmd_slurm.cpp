// cmd_slurm.cpp — `t2 slurm SWEEP.toml [options] [--submit]`: writes a batch script that runs the
// sweep in one Slurm allocation with requeue and a USR1 lead before the time limit (rendered by
// slurm_script.cpp from slurm/t2.sbatch.template), and with --submit hands it to sbatch.
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

#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/slurm_script.hpp"

extern char** environ;

namespace t2 {

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

const char* kUsage =
    "usage: t2 slurm SWEEP.toml [options] [--submit]\n"
    "Writes an sbatch script that runs the sweep in one allocation: mpirun starts t2 on every\n"
    "task (rank 0 coordinates), the job is requeueable, and USR1 arrives --signal-lead seconds\n"
    "before the time limit so that t2 stops gracefully, flushes the store and the script\n"
    "requeues itself; the next start resumes. See slurm/README.md.\n";

// The job name: [sweep] name when the file has one, else the file's stem; reduced to the
// characters Slurm and the output file name handle well.
std::string default_job_name(const std::string& sweep) {
  std::string name;
  try {
    toml::table t = toml::parse_file(sweep);
    name = t["sweep"]["name"].value_or(std::string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin.line;
    throw std::runtime_error(fmt::format("{}:{}: {}", sweep, where.str(), e.description()));  // exit 1: a bad file
  }
  if (name.empty()) name = fs::path(sweep).stem().string();
  std::string out;
  for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_');
  return "t2-" + out;
}

// [sweep] shutdown_grace of the sweep file (seconds; 60, the config's default, when absent).
double sweep_shutdown_grace(const std::string& sweep) {
  try {
    return toml::parse_file(sweep)["sweep"]["shutdown_grace"].value_or(60.0);
  } catch (const toml::parse_error&) {
    return 60.0;  // default_job_name() has reported the syntax error already
  }
}

std::string self_executable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

// Runs `sbatch --parsable SCRIPT`; returns the job id. sbatch's stderr goes to ours.
std::string submit(const std::string& script) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string prog = "sbatch", flag = "--parsable";
  char* argv[] = {prog.data(), flag.data(), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, "sbatch", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error(fmt::format("cannot run sbatch: {} (is Slurm installed and in PATH?)", std::strerror(rc)));
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
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("sbatch {} failed (status {}); the script is kept", script,
                                         WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  // --parsable prints "JOBID" or "JOBID;CLUSTER"
  auto end = text.find_first_of(";\n");
  return text.substr(0, end);
}

int run_slurm(const std::vector<std::string>& args) {
  SlurmScriptOptions o;
  std::string sweep, script, job_name, t2_binary;
  po::options_description desc("options");
  // Every default below is SlurmScriptOptions's; units are in the help text.
  desc.add_options()
      ("help,h", "show this help")
      ("nodes", po::value<int>(&o.nodes)->default_value(o.nodes), "nodes (--nodes)")
      ("ntasks-per-node", po::value<int>(&o.ntasks_per_node)->default_value(o.ntasks_per_node),
       "MPI ranks per node; rank 0 of node 1 is the coordinator, all others are workers")
      ("time", po::value<std::string>(&o.time)->default_value(o.time), "time limit: MM, HH:MM:SS, D-HH:MM:SS, ...")
      ("partition", po::value<std::string>(&o.partition), "partition (default: the cluster's)")
      ("account", po::value<std::string>(&o.account), "account to charge (default: yours)")
      ("signal-lead", po::value<int>(&o.signal_lead)->default_value(o.signal_lead),
       "seconds before the time limit at which USR1 starts a graceful stop; must exceed the sweep's "
       "shutdown_grace plus the time to flush (a few seconds)")
      ("overcommit", po::bool_switch(&o.overcommit), "allow more ranks than CPUs (--overcommit)")
      ("log", po::value<std::string>(&o.log)->default_value(o.log), "the job's output file (%x name, %j id)")
      ("job-name", po::value<std::string>(&job_name), "job name (default: t2-<[sweep] name>)")
      ("mpirun-args", po::value<std::string>(&o.mpirun_args)->default_value(o.mpirun_args),
       "arguments for mpirun, as shell words")
      ("max-requeues", po::value<int>(&o.max_requeues)->default_value(o.max_requeues),
       "the script stops requeueing itself after this many restarts")
      ("t2", po::value<std::string>(&t2_binary), "the t2 executable the job runs (default: this one)")
      ("output,o", po::value<std::string>(&script), "where to write the script (default: <sweep stem>.sbatch)")
      ("submit", "submit the script with sbatch and print the job id");
  po::options_description hidden;
  hidden.add_options()("sweep", po::value<std::string>(&sweep));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "t2 slurm: " << e.what() << "\n" << kUsage;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << desc;
    return kExitOk;
  }
  if (sweep.empty()) {
    std::cerr << "t2 slurm: a sweep file is required\n" << kUsage;
    return kExitUsage;
  }
  try {
    // A missing or broken sweep file is a failure (exit 1), like every bad config; SlurmScriptError
    // is for flags (exit 2).
    if (!fs::is_regular_file(sweep)) throw std::runtime_error(fmt::format("{}: no such sweep file", sweep));
    o.sweep = sweep;
    o.job_name = job_name.empty() ? default_job_name(sweep) : job_name;
    // USR1 comes --signal-lead seconds before the limit; running jobs then get shutdown_grace
    // seconds and the store a moment to flush. A shorter lead still works, but jobs running at
    // the limit are killed by Slurm and rerun after the requeue.
    if (double grace = sweep_shutdown_grace(sweep); o.signal_lead <= grace)
      std::cerr << fmt::format("t2 slurm: warning: --signal-lead = {} s does not exceed sweep.shutdown_grace = {:g} s "
                               "of {}: jobs still running at the time limit are killed and rerun after the requeue\n",
                               o.signal_lead, grace, sweep);
    o.t2_binary = t2_binary.empty() ? self_executable() : t2_binary;
    if (o.t2_binary.empty()) throw SlurmScriptError("--t2: cannot find this executable; give its path");
    o.workdir = fs::current_path().string();
    if (script.empty()) script = fs::path(sweep).stem().string() + ".sbatch";
    std::string text = render_sbatch_script(o);
    std::string tmp = script + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      out.close();
      if (!out) throw SlurmScriptError(fmt::format("{}: cannot write the script", script));
    }
    fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    fs::rename(tmp, script);
    std::cout << fs::absolute(script).string() << "\n";
    if (vm.count("submit")) std::cout << "submitted job " << submit(script) << "\n";
  } catch (const SlurmScriptError& e) {
    std::cerr << "t2 slurm: " << e.what() << "\n";
    return kExitUsage;
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

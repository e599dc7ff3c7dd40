// cmd_mpirun.cpp — `t2 mpirun MPIRUN-ARGS... -- SWEEP.toml [RUN-ARGS...]`: runs
// `mpirun MPIRUN-ARGS... t2 run SWEEP.toml RUN-ARGS...` so that INT (Ctrl-C), TERM and USR1 mean
// what they mean to a lone `t2 run`: each one reaches t2's coordinator as a USR1, so the first
// stops gracefully and a second cancels the running jobs, both with the store flushed and exit 3.
//
// Why a launcher: Open MPI 4.1's mpirun handles INT and TERM itself and cannot be told not to
// (measured with 4.1.4, README "Stopping and continuing a sweep"): it TERMs every rank, SIGKILLs
// them odls_base_sigkill_timeout (1 s) later and exits 1 whatever the ranks return, even when all
// of them exit 3 at once; ess_base_forward_signals refuses SIGTERM and SIGINT; and mpirun
// replaces an inherited SIG_IGN. USR1 it forwards to every rank, and then exits with the ranks'
// status. So this process takes the signals and sends mpirun USR1 instead, and mpirun runs in a
// process group of its own, so a terminal's Ctrl-C (INT to the foreground group) reaches only
// this process. mpirun gets PR_SET_PDEATHSIG TERM: if this process is killed, mpirun aborts the
// job (the exec guard still kills every job's processes). Exit status: mpirun's (so t2's: 0, 3,
// 4, ...), or 128 + the signal that killed mpirun; 1 when mpirun cannot be started.
// The mpirun binary is $T2_MPIRUN if set, else `mpirun` on PATH.
#include <csignal>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "orchestrator/cli/command.hpp"

namespace t2 {

namespace {

constexpr const char* kUsage =
    "usage: t2 mpirun MPIRUN-ARGS... -- SWEEP.toml [RUN-ARGS...]\n"
    "\n"
    "Runs `mpirun MPIRUN-ARGS... t2 run SWEEP.toml RUN-ARGS...` (this t2 binary; mpirun is $T2_MPIRUN if\n"
    "set, else mpirun on PATH) and turns INT (Ctrl-C), TERM and USR1 into USR1 to mpirun, which forwards\n"
    "it to t2's coordinator: the first signal stops the sweep gracefully (running jobs may finish within\n"
    "sweep.shutdown_grace), a second cancels the running jobs; both flush the store and exit 3, as a lone\n"
    "`t2 run` does. (INT or TERM sent to a plain mpirun make Open MPI kill every rank and exit 1.)\n"
    "Exits with mpirun's status. Example: t2 mpirun -np 4 -- sweep.toml\n";

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "t2";
  buf[n] = '\0';
  return buf;
}

int mpirun_command(const std::vector<std::string>& args) {
  std::size_t sep = args.size();
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--") {
      sep = i;
      break;
    }
  if (sep == args.size()) {
    for (auto& a : args)
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return kExitOk;
      }
    std::cerr << "t2 mpirun: error: no `--` between mpirun's arguments and t2 run's (e.g. t2 mpirun -np 4 -- "
                 "sweep.toml)\n"
              << kUsage;
    return kExitUsage;
  }
  if (sep + 1 == args.size()) {
    std::cerr << "t2 mpirun: error: no sweep config after `--`\n" << kUsage;
    return kExitUsage;
  }
  const char* env_mpirun = std::getenv("T2_MPIRUN");
  std::string mpirun = env_mpirun && *env_mpirun ? env_mpirun : "mpirun";
  std::vector<std::string> argv{mpirun};
  argv.insert(argv.end(), args.begin(), args.begin() + static_cast<long>(sep));
  argv.push_back(self_exe());
  argv.push_back("run");
  argv.insert(argv.end(), args.begin() + static_cast<long>(sep) + 1, args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  // The stop signals and SIGCHLD are blocked from before the fork and taken with sigwaitinfo, so
  // none is lost between the fork and the loop; the child unblocks them before exec.
  // A shell starts a background command with INT ignored, and POSIX lets a system discard a
  // signal whose disposition is SIG_IGN even while it is blocked (Linux keeps blocked ones): so
  // the default disposition first (never acted on, the signals stay blocked here; mpirun
  // installs its own).
  sigset_t set, old;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, &old);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) std::signal(s, SIG_DFL);
  pid_t parent = ::getpid();
  std::cout.flush();
  std::cerr.flush();
  pid_t child = ::fork();
  if (child < 0) {
    std::cerr << fmt::format("t2 mpirun: error: fork: {}\n", std::strerror(errno));
    return kExitFailure;
  }
  if (child == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(kExitFailure);  // the launcher died before prctl
    // A background process group that reads the terminal is stopped (SIGTTIN); mpirun forwards
    // its stdin to rank 0, which t2 never reads.
    if (::isatty(STDIN_FILENO)) {
      int fd = ::open("/dev/null", O_RDONLY);
      if (fd >= 0) ::dup2(fd, STDIN_FILENO);
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    ::execvp(cargv[0], cargv.data());
    std::string msg = fmt::format("t2 mpirun: error: cannot run {}: {}\n", mpirun, std::strerror(errno));
    [[maybe_unused]] auto w = ::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(kExitFailure);
  }
  ::setpgid(child, child);  // also here: whichever of the two runs first
  int forwarded = 0;
  int status = 0;
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&set, &info);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGCHLD) {
      pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child) break;
      continue;
    }
    ++forwarded;
    const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGUSR1";
    std::cerr << fmt::format("t2 mpirun: {} (stop request {}); sending USR1 to mpirun (pid {}) for t2\n", name,
                             forwarded, child);
    ::kill(child, SIGUSR1);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitFailure;
}

}  // namespace

extern const Command kMpirunCommand{
    "mpirun", "launch `t2 run` under mpirun so that INT, TERM and USR1 all stop it cleanly (exit 3)", mpirun_command};

}  // namespace t2

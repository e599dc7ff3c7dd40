// child_process.hpp — runs one external program as an isolated child: its own process group,
// stdin from /dev/null, stdout+stderr to a log file, default signal dispositions, a wall-clock
// limit and a cancel flag that stop the whole group (SIGTERM, then SIGKILL after a grace).
// Always reaps the child before returning. Knows nothing of jobs, templates or results.
//
// No process of the group outlives the caller, however the caller ends: the program itself has
// PR_SET_PDEATHSIG, and a guard process (forked beside it, ignoring INT/TERM/USR1/HUP) holds a
// pipe from the caller; when the caller dies, even by SIGKILL, the pipe reads EOF and the guard
// sends SIGKILL to the whole group (grandchildren included, which PDEATHSIG does not reach).
#pragma once

#include <string>
#include <vector>

#include "contract/workload.hpp"

namespace t2 {

struct ChildLimits {
  double timeout = 0;  // seconds of wall clock before the group is stopped; 0 = no limit
  double grace = 10;   // seconds between SIGTERM and SIGKILL when stopping the group
  // Names the job across its attempts (e.g. "RUN_DIR/train"); empty = none. The child gets it
  // as T2_JOB_TAG, and before it starts, every process still carrying the same tag (a survivor
  // of an earlier attempt whose guard was killed too) is killed with its group, so an attempt
  // never runs beside a previous one in the same run directory.
  std::string tag;
};

struct ChildOutcome {
  enum class End { exited, signalled, timed_out, cancelled, not_started } end = End::exited;
  int exit_code = 0;        // End::exited
  int signal = 0;           // End::signalled: the signal that killed the program
  bool killed = false;      // timed_out/cancelled: SIGKILL was needed after the grace
  std::string start_error;  // End::not_started: why (program not found, not executable, ...)
  double seconds = 0;       // wall clock from start to reaped
};

// Runs argv[0] (searched in PATH when it has no '/') with exactly `argv` and `env`
// ("KEY=value" strings, the complete environment). Blocks until the program and, when it was
// stopped, its whole process group are gone. Any process the program left behind in its group
// is sent SIGKILL once the program itself exits, so a job cannot leak workers.
ChildOutcome run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::string& log_path, const ChildLimits& limits, const CancelFlag& cancel);

// "SIGSEGV" for 11; "signal 77" for numbers without a name.
std::string signal_abbreviation(int sig);

}  // namespace t2

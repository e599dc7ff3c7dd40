// command.hpp — how a `t2` subcommand plugs into the CLI: a name, a one-line summary and a
// function taking the arguments after the subcommand name. Each lives in its own cmd_*.cpp.
// Exit codes (documented in `t2 --help` and README): 0 ok, 1 failure (bad input, damaged or
// locked store, failed command), 2 usage error, 3 stopped by a signal (requeue me), 4 the sweep
// finished but some jobs failed for good (t2 run names them; `t2 run --retry-failed` reruns them).
#pragma once

#include <string>
#include <vector>

namespace t2 {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 3;  // USR1/TERM/INT: state flushed, continue later
inline constexpr int kExitJobsFailed = 4;   // t2 run: finished with jobs failed for good

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  // args exclude "t2" and the name
};

// Defined by each cmd_*.cpp; listed in main.cpp.
}  // namespace t2

// slurm_command_driver.cpp — runs `t2 slurm` (kSlurmCommand) without the rest of the CLI, so the
// generated script can be tested under the suite's local Slurm before the CLI is assembled.
#include <string>
#include <vector>

#include "orchestrator/cli/command.hpp"

namespace t2 {
extern const Command kSlurmCommand;
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return t2::kSlurmCommand.run(args);
}

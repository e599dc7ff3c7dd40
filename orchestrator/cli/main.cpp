// main.cpp — the `t2` executable: dispatches to the subcommands listed below. Each subcommand
// lives in its own cmd_*.cpp and documents its flags in --help.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <glog/logging.h>

#include "orchestrator/cli/command.hpp"
#include "t2/version.hpp"

namespace t2 {
extern const Command kRunCommand, kStatusCommand, kExportCommand, kValidateCommand, kFitCommand, kPlanCommand,
    kImportCommand, kReportCommand, kSlurmCommand, kPredictCommand, kMpirunCommand;
}

namespace {

const std::vector<const t2::Command*>& commands() {
  static const std::vector<const t2::Command*> all = {
      &t2::kRunCommand, &t2::kStatusCommand, &t2::kExportCommand, &t2::kValidateCommand,
      &t2::kFitCommand, &t2::kPlanCommand,   &t2::kPredictCommand, &t2::kImportCommand, &t2::kReportCommand,
      &t2::kSlurmCommand, &t2::kMpirunCommand};
  return all;
}

void usage(std::ostream& os) {
  os << fmt::format("t2 {} — Train-to-Test scaling-law sweeps\n\nusage: t2 COMMAND [ARGS...]   (t2 COMMAND --help)\n\n",
                    t2::kVersion);
  os << "commands:\n";
  for (auto* c : commands()) os << fmt::format("  {:<10} {}\n", c->name, c->summary);
  os << "\nexit codes: 0 success; 1 failure (bad config, damaged or locked store, failed command);\n"
        "            2 usage error; 3 stopped by USR1/TERM/INT with the store flushed (resume later);\n"
        "            4 t2 run finished with jobs failed for good (rerun them: t2 run SWEEP --retry-failed)\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Ceres logs through glog: a failed start of the laws' multi-start fits prints "Terminating:
  // Residual and Jacobian evaluation failed" (and glog's "Logging before InitGoogleLogging()")
  // although the fit only discards that start. The fits report what happened in their own
  // summaries and warnings, so glog prints only fatal errors, to stderr, and writes no log files.
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_FATAL;
  google::InitGoogleLogging(argv[0]);
  if (argc < 2) {
    usage(std::cerr);
    return t2::kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return t2::kExitOk;
  }
  if (name == "--version") {
    std::cout << "t2 " << t2::kVersion << "\n";
    return t2::kExitOk;
  }
  for (auto* c : commands())
    if (name == c->name) return c->run(std::vector<std::string>(argv + 2, argv + argc));
  std::cerr << fmt::format("t2: unknown command '{}' (t2 --help lists the commands)\n", name);
  return t2::kExitUsage;
}

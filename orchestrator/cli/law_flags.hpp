// law_flags.hpp — what `t2 fit`, `t2 plan` and `t2 predict` share: their flags (law, source,
// task, Lhat, method, bootstrap, seed, hold-out, strict, ...), documented in their --help and
// schemas/laws.md; the input they read (STORE|CSV); the AnalysisRequest those flags make; their
// exit codes. Bad values -> InputError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/laws/fit.hpp"

namespace t2 {

// default_law: "t2-accuracy" for `t2 fit` and `t2 predict`, "auto" for `t2 plan`.
void add_fit_flags(boost::program_options::options_description&, const std::string& default_law);
struct FitFlags {
  FitOptions fit;                   // fit.law may be "auto"
  std::string task;                 // --task ("" = the only one)
  std::uint32_t bootstrap = 0;      // --bootstrap B (0 = none)
  std::uint64_t seed = 1;           // --seed
  std::optional<std::string> holdout;  // --holdout RULE
  bool strict = false;              // --strict: exit 1 when any warning is raised
  std::optional<double> locality;   // --locality DECADES (laws/locality.hpp); unset: [target] fit_locality
};
FitFlags read_fit_flags(const boost::program_options::variables_map&);

// The request the shared flags make (fit options, bootstrap, seed, hold-out); a command adds its
// own part (plan, deployment, bounds).
AnalysisRequest fit_request(const FitFlags&);

// The input of a law command: the STORE|CSV of its positional `input`, or (t2 plan --as-of-batch
// B) only the results the store's design could see when it planned batch B (batches < B - lag).
LoadedInputs load_command_inputs(const boost::program_options::variables_map&, const std::string& task);

// The exit code of a failed law command: a hold-out rule that does not parse or a plan without
// any deployment is a usage error (kExitUsage, 2); everything else goes through report_error (1).
int report_law_error(const std::string& command, const std::exception& e);
// --strict: the exit code once the output is printed (kExitFailure with a line on stderr when
// there are warnings, else kExitOk).
int strict_exit(const std::string& command, bool strict, std::size_t warnings);
}  // namespace t2

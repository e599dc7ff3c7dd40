// command_template.hpp — an exec job's argv and environment as templates with {placeholders}.
// Owns the placeholder names, their checking at config time and their expansion into
// literal strings (never through a shell). Knows nothing of processes or results.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "contract/job.hpp"

namespace t2 {

// The values a job's templates may refer to, by placeholder name ("N", "seed", ...).
// Each is also exported to the job as an environment variable T2_<NAME upper-cased>.
using PlaceholderValues = std::map<std::string, std::string>;

// Names allowed in a training command: N D seed replicate index run_dir result attempt.
const std::vector<std::string>& train_placeholders();
// Names allowed in an eval command: N D seed problem_seed index run run_dir result attempt
// checkpoint task problems samples temperature top_k.
const std::vector<std::string>& eval_placeholders();

// The seed of a task's problem set: a function of the sweep seed and the task name only, so every
// eval of the task in the sweep (every N, D, replicate, attempt and resume) is handed the same
// value and draws the same problems in the same order (row i is one problem everywhere), which
// is what pairs pass@k across models (schemas/job-result.md §2). `seed` is the sampling seed
// and differs per eval.
std::uint64_t problem_seed(std::uint64_t sweep_seed, const std::string& task);

// The placeholders a template string uses, in order of appearance. "{{" and "}}" are literal
// braces. Throws std::invalid_argument("...") naming the problem for a lone '{' or '}' or an
// empty name; the caller turns it into a ConfigError with file and key.
std::vector<std::string> placeholders_in(const std::string& text);

// Replaces every {name} with values.at(name), verbatim: the result is one argument, whatever
// characters the value holds. Throws std::out_of_range for a name missing from `values`.
std::string expand(const std::string& text, const PlaceholderValues& values);

// Number formatting shared by the argv and the environment: whole numbers below 2^53 print
// as integers ("1000000", not "1e+06"), others in the shortest round-trip form ("0.7").
std::string format_number(double v);

// The values of a job, from its spec; result/attempt/run_dir are decided by the caller.
PlaceholderValues train_values(const TrainSpec& spec);
PlaceholderValues eval_values(const EvalSpec& spec, std::uint64_t sweep_seed);

// Why an argv template hands placeholder values to a shell unescaped, or "" when it does not:
// argv[0] (or the program after `env` and its options/assignments) is sh, bash, dash, zsh or
// ksh, run with -c (alone or in an option group like -ec), and the shell string holds a
// {placeholder}. A value such as a checkpoint path reported by a training job is then parsed
// by the shell (schemas/job-result.md, "Shell templates"). `t2 validate` and `t2 run` warn.
std::string shell_template_problem(const std::vector<std::string>& argv);

// "run_dir" -> "T2_RUN_DIR", "N" -> "T2_N".
std::string env_name(const std::string& placeholder);

}  // namespace t2

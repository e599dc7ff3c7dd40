// slurm_script.cpp — fills in slurm/t2.sbatch.template (see slurm_script.hpp).
#include "orchestrator/cli/slurm_script.hpp"

#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <vector>

#include <fmt/ranges.h>

#include <fmt/format.h>

namespace t2 {

extern const char* const kSbatchTemplate;  // generated from slurm/t2.sbatch.template

const std::string& sbatch_template() {
  static const std::string text = kSbatchTemplate;
  return text;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

long slurm_time_seconds(const std::string& time) {
  // Slurm's forms (sbatch(1) --time): "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S".
  static const std::regex form(R"((?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?)");
  std::smatch m;
  if (time.empty() || !std::regex_match(time, m, form))
    throw SlurmScriptError(fmt::format("--time = {}: expected MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS", time));
  auto num = [&](int i) { return m[i].matched ? std::stol(m[i].str()) : 0L; };
  long days = num(1), a = num(2), b = num(3), c = num(4);
  long seconds;
  if (m[1].matched) {
    seconds = days * 86400 + a * 3600 + b * 60 + c;            // D-H[:M[:S]]
  } else if (m[4].matched) {
    seconds = a * 3600 + b * 60 + c;                           // H:M:S
  } else if (m[3].matched) {
    seconds = a * 60 + b;                                      // M:S
  } else {
    seconds = a * 60;                                          // M
  }
  if ((m[3].matched && b >= 60) || (m[4].matched && c >= 60))
    throw SlurmScriptError(fmt::format("--time = {}: minutes and seconds must be below 60", time));
  if (seconds <= 0) throw SlurmScriptError(fmt::format("--time = {}: must be longer than 0", time));
  return seconds;
}

namespace {

// How an error names an option: the config key it came from ("s.toml:7: slurm.gres"), or the flag.
std::string label(const SlurmScriptOptions& o, const std::string& option) {
  auto it = o.origin.find(option);
  return it != o.origin.end() ? it->second : "--" + option;
}

// Values that end up on an #SBATCH line: Slurm reads these lines itself (no shell), so a space
// or newline would end the option or start a new line of directives. `extra` adds characters
// a value may also hold (":" and "," in a --gres list).
void check_word(const SlurmScriptOptions& o, const std::string& option, const std::string& value, bool allow_empty,
                const std::string& extra = "") {
  if (value.empty() && allow_empty) return;
  static const std::regex word(R"([A-Za-z0-9_.+\-]+)");
  std::string stripped;
  for (char c : value)
    if (extra.find(c) == std::string::npos) stripped.push_back(c);
  if (stripped.empty() || !std::regex_match(stripped, word))
    throw SlurmScriptError(
        fmt::format("{} = \"{}\": use letters, digits and - _ . +{} only", label(o, option), value, [&] {
          std::string shown;
          for (char c : extra) shown += std::string(" ") + c;
          return shown;
        }()));
}

std::string absolute(const std::string& option, const std::string& path) {
  if (path.empty()) throw SlurmScriptError(fmt::format("--{}: a path is required", option));
  return std::filesystem::absolute(path).lexically_normal().string();
}

// sbatch options the script sets itself, and the t2 slurm option to use instead (sbatch(1)
// takes the last of two #SBATCH lines, so an extra line would silently override them).
const std::map<std::string, std::string>& managed_options() {
  static const std::map<std::string, std::string> m = {
      {"--job-name", "--job-name"},   {"-J", "--job-name"},   {"--nodes", "--nodes"},  {"-N", "--nodes"},
      {"--ntasks", "--ntasks-per-node"}, {"-n", "--ntasks-per-node"}, {"--ntasks-per-node", "--ntasks-per-node"},
      {"--time", "--time"},           {"-t", "--time"},       {"--partition", "--partition"}, {"-p", "--partition"},
      {"--account", "--account"},     {"-A", "--account"},    {"--output", "--log"},   {"-o", "--log"},
      {"--signal", "--signal-lead"},  {"--gres", "--gres"},   {"--cpus-per-task", "--cpus-per-task"},
      {"-c", "--cpus-per-task"},      {"--chdir", "--chdir"}, {"-D", "--chdir"},       {"--overcommit", "--overcommit"},
      {"-O", "--overcommit"},
      // the requeue protocol itself (slurm/README.md)
      {"--requeue", ""},              {"--no-requeue", ""},   {"--open-mode", ""},
  };
  return m;
}

void check_sbatch_line(const SlurmScriptOptions& o, const std::string& line) {
  std::string where = label(o, "sbatch");
  if (line.find_first_of("\r\n") != std::string::npos)
    throw SlurmScriptError(fmt::format("{} = \"{}\": one #SBATCH option per entry (no newlines)", where, line));
  if (line.size() < 2 || line[0] != '-' || line.find_first_of(" \t") == 1)
    throw SlurmScriptError(fmt::format("{} = \"{}\": expected an sbatch option such as \"--mem=64G\" "
                                       "(without \"#SBATCH\")", where, line));
  std::string name = line.substr(0, line.find_first_of("= \t"));
  auto it = managed_options().find(name);
  if (it == managed_options().end()) return;
  if (it->second.empty())
    throw SlurmScriptError(fmt::format("{} = \"{}\": the script sets {} itself (its requeue protocol needs it)", where,
                                       line, name));
  throw SlurmScriptError(fmt::format("{} = \"{}\": use t2 slurm's {} (or its [slurm] key) for {}", where, line,
                                     it->second, name));
}

// Every option checked before anything is rendered; returns the job's working directory.
std::string checked_workdir(const SlurmScriptOptions& o) {
  if (o.nodes < 1) throw SlurmScriptError(fmt::format("--nodes = {}: must be >= 1", o.nodes));
  if (o.ntasks_per_node < 1)
    throw SlurmScriptError(fmt::format("--ntasks-per-node = {}: must be >= 1", o.ntasks_per_node));
  if (o.nodes * o.ntasks_per_node < 2)
    throw SlurmScriptError(fmt::format(
        "--nodes = {} with --ntasks-per-node = {}: t2 needs at least 2 ranks (a coordinator and a worker)", o.nodes,
        o.ntasks_per_node));
  long limit = slurm_time_seconds(o.time);
  // sbatch(1): the --signal time may be at most 65535 s (and Slurm delivers it up to 60 s late).
  if (o.signal_lead < 1 || o.signal_lead > 65535)
    throw SlurmScriptError(fmt::format("--signal-lead = {}: must be 1..65535 seconds", o.signal_lead));
  if (o.signal_lead >= limit)
    throw SlurmScriptError(fmt::format("--signal-lead = {}: must be shorter than --time = {} ({} s)", o.signal_lead,
                                       o.time, limit));
  if (o.max_requeues < 0) throw SlurmScriptError(fmt::format("--max-requeues = {}: must be >= 0", o.max_requeues));
  check_word(o, "job-name", o.job_name, false);
  check_word(o, "partition", o.partition, true);
  check_word(o, "account", o.account, true);
  check_word(o, "gres", o.gres, true, ":,");
  if (o.cpus_per_task < 0)
    throw SlurmScriptError(fmt::format("{} = {}: must be >= 1", label(o, "cpus-per-task"), o.cpus_per_task));
  if (o.log.empty() || o.log.find_first_of(" \t\r\n") != std::string::npos)
    throw SlurmScriptError(fmt::format("{} = \"{}\": must be a path without spaces", label(o, "log"), o.log));
  if (o.mpirun_args.find_first_of("\r\n") != std::string::npos)
    throw SlurmScriptError(fmt::format("{}: must be one line", label(o, "mpirun-args")));
  for (auto& line : o.setup)
    if (line.find_first_of("\r\n") != std::string::npos)
      throw SlurmScriptError(fmt::format("{} = \"{}\": one shell line per entry (no newlines)", label(o, "setup"), line));
  for (auto& line : o.sbatch) check_sbatch_line(o, line);

  std::string workdir = absolute("workdir", o.workdir);
  // #SBATCH lines are not read by a shell: a --chdir path cannot be quoted there.
  if (o.chdir && workdir.find_first_of(" \t\r\n") != std::string::npos)
    throw SlurmScriptError(fmt::format("{} = \"{}\": must be a path without spaces", label(o, "chdir"), o.workdir));
  return workdir;
}

// The lines in place of @EXTRA_SBATCH@ (a blank line when none).
std::vector<std::string> extra_sbatch_lines(const SlurmScriptOptions& o, const std::string& workdir) {
  std::vector<std::string> extra;
  if (!o.partition.empty()) extra.push_back("#SBATCH --partition=" + o.partition);
  if (!o.account.empty()) extra.push_back("#SBATCH --account=" + o.account);
  if (!o.gres.empty()) extra.push_back("#SBATCH --gres=" + o.gres);
  if (o.cpus_per_task > 0) extra.push_back("#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task));
  if (o.chdir) extra.push_back("#SBATCH --chdir=" + workdir);
  if (o.overcommit) {
    // Slurm 22.05 rejects --ntasks-per-node above the node's CPUs even with --overcommit
    // ("Requested node configuration is not available"); --ntasks alone is accepted.
    extra.push_back("# more ranks than CPUs: workers spend their time waiting for their jobs");
    extra.push_back("#SBATCH --overcommit");
  } else {
    extra.push_back("#SBATCH --ntasks-per-node=" + std::to_string(o.ntasks_per_node));
  }
  if (!o.sbatch.empty()) extra.push_back("# extra options ([slurm] sbatch, --sbatch)");
  for (auto& line : o.sbatch) extra.push_back("#SBATCH " + line);
  return extra;
}

// The lines in place of @SETUP@.
std::vector<std::string> setup_lines(const SlurmScriptOptions& o) {
  // Setup lines run in the batch shell before mpirun, so what they set (modules, a virtualenv's
  // PATH) reaches mpirun, t2 and every job. Each is logged first, so the output file shows where
  // a failing one stopped.
  std::vector<std::string> setup;
  if (o.setup.empty()) {
    setup.push_back("# (no setup lines: [slurm] setup or --setup add module loads, virtualenv activation, ...)");
  } else {
    setup.push_back("# Setup ([slurm] setup, then --setup), in this shell, before mpirun. Without set -u:");
    setup.push_back("# module systems and virtualenv/conda activate scripts read variables that may be unset.");
    setup.push_back("set +u");
    for (auto& line : o.setup) {
      setup.push_back("log " + shell_quote("setup: " + line));
      setup.push_back(line);
    }
    setup.push_back("set -u");
  }
  return setup;
}

// The template with every @NAME@ of `values` replaced, in one pass, so that a value containing
// "@NAME@" is never expanded again.
std::string fill_template(const std::map<std::string, std::string>& values) {
  const std::string& tmpl = sbatch_template();
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    bool replaced = false;
    if (tmpl[i] == '@') {
      auto close = tmpl.find('@', i + 1);
      if (close != std::string::npos) {
        auto it = values.find(tmpl.substr(i + 1, close - i - 1));
        if (it != values.end()) {
          out += it->second;
          i = close + 1;
          replaced = true;
        }
      }
    }
    if (!replaced) out.push_back(tmpl[i++]);
  }
  return out;
}

}  // namespace

std::string render_sbatch_script(const SlurmScriptOptions& o) {
  const std::string workdir = checked_workdir(o);
  const std::vector<std::string> extra = extra_sbatch_lines(o, workdir), setup = setup_lines(o);
  return fill_template({
      {"GENERATED_NOTE", "Generated by `t2 slurm` from slurm/t2.sbatch.template; submit with: sbatch THIS_FILE"},
      {"JOB_NAME", o.job_name},
      {"NODES", std::to_string(o.nodes)},
      {"NTASKS", std::to_string(o.nodes * o.ntasks_per_node)},
      {"TIME", o.time},
      {"SIGNAL_LEAD", std::to_string(o.signal_lead)},
      {"OUTPUT", o.log},
      {"EXTRA_SBATCH", fmt::format("{}", fmt::join(extra, "\n"))},
      {"T2", shell_quote(absolute("t2", o.t2_binary))},
      {"SWEEP", shell_quote(absolute("sweep", o.sweep))},
      {"WORKDIR", shell_quote(workdir)},
      {"MAX_REQUEUES", std::to_string(o.max_requeues)},
      {"MPIRUN_ARGS", o.mpirun_args},
      {"SETUP", fmt::format("{}", fmt::join(setup, "\n"))},
  });
}

}  // namespace t2

// slurm_script_tests.cpp — the generated sbatch script: its #SBATCH lines, that hostile paths
// survive bash as exactly themselves, that it is valid bash, and that bad options are refused
// with the option and value named.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/slurm_script.hpp"

using namespace t2;

namespace t2 {
extern const Command kSlurmCommand;
}

namespace {

SlurmScriptOptions options() {
  SlurmScriptOptions o;
  o.sweep = "/data/sweeps/main.toml";
  o.t2_binary = "/opt/t2/bin/t2";
  o.workdir = "/data/sweeps";
  o.job_name = "t2-main";
  return o;
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l))
    if (l == line) return true;
  return false;
}

std::string error_of(const SlurmScriptOptions& o) {
  try {
    render_sbatch_script(o);
  } catch (const SlurmScriptError& e) {
    return e.what();
  }
  return "accepted";
}

// Runs bash on `script` text with `body` appended in place of everything after the variables.
std::string run_bash(const std::string& script_path, const std::string& snippet) {
  std::string cmd = "bash -c " + shell_quote(snippet) + " t2-test " + shell_quote(script_path) + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace

TEST_CASE("the sbatch script asks for requeue, a USR1 lead, appended output and the resources", "[slurm]") {
  SlurmScriptOptions o = options();
  o.nodes = 3;
  o.ntasks_per_node = 5;
  o.time = "1-12:00:00";
  o.partition = "gpu";
  o.account = "proj-42";
  o.signal_lead = 300;
  o.overcommit = true;
  std::string s = render_sbatch_script(o);
  CHECK(s.rfind("#!/bin/bash\n", 0) == 0);
  CHECK(has_line(s, "#SBATCH --job-name=t2-main"));
  CHECK(has_line(s, "#SBATCH --nodes=3"));
  CHECK(has_line(s, "#SBATCH --ntasks=15"));
  // with --overcommit only --ntasks: Slurm 22.05 refuses --ntasks-per-node above the CPUs
  CHECK_FALSE(has_line(s, "#SBATCH --ntasks-per-node=5"));
  CHECK(has_line(s, "#SBATCH --time=1-12:00:00"));
  CHECK(has_line(s, "#SBATCH --requeue"));
  CHECK(has_line(s, "#SBATCH --signal=B:USR1@300"));
  CHECK(has_line(s, "#SBATCH --open-mode=append"));
  CHECK(has_line(s, "#SBATCH --output=t2-%x-%j.out"));
  CHECK(has_line(s, "#SBATCH --partition=gpu"));
  CHECK(has_line(s, "#SBATCH --account=proj-42"));
  CHECK(has_line(s, "#SBATCH --overcommit"));
  CHECK(has_line(s, "MPIRUN_ARGS=(--bind-to none)"));
  CHECK(has_line(s, "T2='/opt/t2/bin/t2'"));
  CHECK(has_line(s, "SWEEP='/data/sweeps/main.toml'"));
  CHECK(has_line(s, "export OMPI_MCA_mpi_yield_when_idle=1"));
  CHECK(has_line(s, "mpirun \"${MPIRUN_ARGS[@]}\" \"$T2\" run \"$SWEEP\" --resume &"));
  CHECK(has_line(s, "    scontrol requeue \"$SLURM_JOB_ID\" || { log \"scontrol requeue failed; resubmit this script to continue\"; exit 3; }"));
  CHECK(s.find('@') == s.find("@300"));  // no placeholder left behind

  SlurmScriptOptions plain = options();
  std::string p = render_sbatch_script(plain);
  CHECK_FALSE(has_line(p, "#SBATCH --partition="));
  CHECK(p.find("--partition") == std::string::npos);
  CHECK_FALSE(has_line(p, "#SBATCH --overcommit"));
  CHECK(has_line(p, "#SBATCH --ntasks=2"));
  CHECK(has_line(p, "#SBATCH --ntasks-per-node=2"));
}

TEST_CASE("the generated script is valid bash and hostile paths reach it as exactly themselves", "[slurm]") {
  char tmpl[] = "/tmp/t2-slurm-test-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string evil = dir + "/we'ird $(touch " + dir + "/pwned) `id` \"x\" dir";
  SlurmScriptOptions o = options();
  o.sweep = evil + "/sweep.toml";
  o.t2_binary = evil + "/t2";
  o.workdir = evil;
  std::string script = dir + "/job.sbatch";
  std::ofstream(script) << render_sbatch_script(o);

  CHECK(run_bash(script, "bash -n \"$1\" && echo syntax-ok") == "syntax-ok\n");
  // Evaluate only the variable block, as the job would.
  std::string values = run_bash(script, "eval \"$(grep -E '^(T2|SWEEP|WORKDIR)=' \"$1\")\"; printf '%s|%s|%s' \"$T2\" \"$SWEEP\" \"$WORKDIR\"");
  CHECK(values == o.t2_binary + "|" + o.sweep + "|" + o.workdir);
  CHECK_FALSE(std::filesystem::exists(dir + "/pwned"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("Slurm time limits are read in all of sbatch's forms", "[slurm]") {
  CHECK(slurm_time_seconds("90") == 90 * 60);
  CHECK(slurm_time_seconds("10:30") == 10 * 60 + 30);
  CHECK(slurm_time_seconds("02:00:00") == 7200);
  CHECK(slurm_time_seconds("1-0") == 86400);
  CHECK(slurm_time_seconds("2-03:04") == 2 * 86400 + 3 * 3600 + 4 * 60);
  CHECK(slurm_time_seconds("1-00:00:30") == 86430);
  CHECK_THROWS_WITH(slurm_time_seconds("1h"), Catch::Contains("--time = 1h: expected MM, MM:SS, HH:MM:SS"));
  CHECK_THROWS_WITH(slurm_time_seconds("01:75:00"), Catch::Contains("below 60"));
  CHECK_THROWS_WITH(slurm_time_seconds("0"), Catch::Contains("longer than 0"));
}

TEST_CASE("bad t2 slurm options are refused naming the option and value", "[slurm]") {
  auto with = [](auto change) {
    SlurmScriptOptions o = options();
    change(o);
    return error_of(o);
  };
  CHECK(with([](auto& o) { o.nodes = 0; }) == "--nodes = 0: must be >= 1");
  CHECK(with([](auto& o) { o.ntasks_per_node = 1; }) ==
        "--nodes = 1 with --ntasks-per-node = 1: t2 needs at least 2 ranks (a coordinator and a worker)");
  CHECK(with([](auto& o) { o.time = "00:01:00"; }) == "--signal-lead = 120: must be shorter than --time = 00:01:00 (60 s)");
  CHECK(with([](auto& o) { o.signal_lead = 0; }) == "--signal-lead = 0: must be 1..65535 seconds");
  CHECK(with([](auto& o) { o.partition = "gpu\n#SBATCH --exclusive"; }) ==
        "--partition = \"gpu\n#SBATCH --exclusive\": use letters, digits and - _ . + only");
  CHECK(with([](auto& o) { o.account = "a b"; }) == "--account = \"a b\": use letters, digits and - _ . + only");
  CHECK(with([](auto& o) { o.log = "my log.out"; }) == "--log = \"my log.out\": must be a path without spaces");
  CHECK(with([](auto& o) { o.mpirun_args = "-x A\nrm -rf /"; }) == "--mpirun-args: must be one line");
}

TEST_CASE("t2 slurm warns when USR1 would come later than the sweep's shutdown_grace needs") {
  auto dir = std::filesystem::temp_directory_path() / ("t2-slurm-lead-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto sweep = (dir / "s.toml").string();
  std::ofstream(sweep) << "[sweep]\nname = \"lead\"\nshutdown_grace = 300\n";
  auto run = [&](const char* lead) {
    std::ostringstream err;
    auto* old = std::cerr.rdbuf(err.rdbuf());
    std::ostringstream out;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    int rc = kSlurmCommand.run({sweep, "--signal-lead", lead, "--t2", "/bin/true", "-o", (dir / "s.sbatch").string()});
    std::cerr.rdbuf(old);
    std::cout.rdbuf(old_out);
    CHECK(rc == 0);  // a warning, not an error: the script is written
    CHECK(std::filesystem::exists(dir / "s.sbatch"));
    return err.str();
  };
  CHECK_THAT(run("120"), Catch::Contains("--signal-lead = 120 s does not exceed sweep.shutdown_grace = 300 s"));
  CHECK(run("400").empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("t2 slurm: a missing or broken sweep file exits 1 (a bad config), a bad flag 2 (usage)") {
  auto dir = std::filesystem::temp_directory_path() / ("t2-slurm-rc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto broken = (dir / "broken.toml").string();
  std::ofstream(broken) << "[sweep\n";
  auto good = (dir / "good.toml").string();
  std::ofstream(good) << "[sweep]\nname = \"rc\"\n";
  std::ostringstream err;
  auto* old = std::cerr.rdbuf(err.rdbuf());
  int missing = kSlurmCommand.run({(dir / "nope.toml").string(), "-o", (dir / "x.sbatch").string()});
  int bad_toml = kSlurmCommand.run({broken, "-o", (dir / "x.sbatch").string()});
  int bad_flag = kSlurmCommand.run({good, "--nodes", "0", "-o", (dir / "x.sbatch").string()});
  std::cerr.rdbuf(old);
  CHECK(missing == 1);
  CHECK(bad_toml == 1);
  CHECK(bad_flag == 2);
  CHECK_THAT(err.str(), Catch::Contains("nope.toml: no such sweep file") && Catch::Contains("broken.toml:1:"));
  std::filesystem::remove_all(dir);
}

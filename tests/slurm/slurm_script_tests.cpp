// slurm_script_tests.cpp — the generated sbatch script: its #SBATCH lines, that hostile paths
// survive bash as exactly themselves, that it is valid bash, and that bad options are refused
// with the option and value named.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "orchestrator/cli/command.hpp"
#include "orchestrator/cli/slurm_script.hpp"
#include "orchestrator/config/sweep_config.hpp"

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
  CHECK(has_line(s, "#SBATCH --output=%x-%j.out"));  // t2-main-1234.out, not t2-t2-main-1234.out
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

namespace {

// A private directory, removed at the end of the test.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() / ("t2-slurm-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void write_file(const std::string& path, const std::string& text, bool executable = false) {
  std::ofstream(path) << text;
  if (executable) std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `t2 slurm ARGS` in this process: exit code, stdout and stderr.
struct SlurmRun {
  int rc;
  std::string out, err;
};
SlurmRun run_slurm_command(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  int rc = kSlurmCommand.run(args);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {rc, out.str(), err.str()};
}

}  // namespace

TEST_CASE("setup lines, --gres, --cpus-per-task, --chdir and extra #SBATCH lines reach the script", "[slurm]") {
  ScratchDir dir("setup");
  SlurmScriptOptions o = options();
  o.gres = "gpu:a100:4";
  o.cpus_per_task = 16;
  o.workdir = dir.path.string();
  o.chdir = true;
  o.sbatch = {"--mem=64G", "--constraint=a100|h100"};
  o.setup = {"module load cuda/12.1 2>/dev/null || true", "export T2_SETUP_SEEN=\"it's set\"",
             "source \"$WORKDIR/venv-activate\""};  // which reads an unset variable, as activate scripts do
  std::string s = render_sbatch_script(o);
  CHECK(has_line(s, "#SBATCH --gres=gpu:a100:4"));
  CHECK(has_line(s, "#SBATCH --cpus-per-task=16"));
  CHECK(has_line(s, "#SBATCH --chdir=" + dir.path.string()));
  CHECK(has_line(s, "#SBATCH --mem=64G"));
  CHECK(has_line(s, "#SBATCH --constraint=a100|h100"));
  // each setup line verbatim, logged before it runs, after the cd and before mpirun
  CHECK(has_line(s, "export T2_SETUP_SEEN=\"it's set\""));
  CHECK(has_line(s, "log 'setup: export T2_SETUP_SEEN=\"it'\\''s set\"'"));
  auto cd = s.find("cd \"$WORKDIR\""), setup = s.find("module load cuda"), mpirun = s.find("mpirun \"${MPIRUN_ARGS[@]}\"");
  CHECK(cd < setup);
  CHECK(setup < mpirun);
  CHECK(s.find("trap 'forward USR1' USR1") < setup);  // a USR1 during setup is kept for mpirun
  // #SBATCH options must come before the first command, or sbatch ignores them
  CHECK(s.find("#SBATCH --mem=64G") < s.find("\nset -u"));

  // Run it outside Slurm with a stand-in mpirun: what the setup lines set reaches mpirun, and
  // the script runs in --chdir.
  write_file(dir / "venv-activate", "export T2_VENV_ACTIVE=yes${T2_UNSET_IN_THIS_TEST}\n");
  write_file(dir / "mpirun", "#!/bin/bash\necho \"$T2_SETUP_SEEN|$T2_VENV_ACTIVE|$PWD\" > mpirun.seen\n", true);
  write_file(dir / "job.sbatch", s);
  std::string out = run_bash(dir / "job.sbatch", "PATH=" + dir.path.string() + ":$PATH bash \"$1\"; echo rc=$?");
  CHECK_THAT(out, Catch::Contains("setup: module load cuda/12.1") && Catch::Contains("sweep finished") &&
                      Catch::Contains("rc=0"));
  CHECK(read_file(dir / "mpirun.seen") == "it's set|yes|" + dir.path.string() + "\n");
}

TEST_CASE("extra #SBATCH lines may not override what the script or another option sets", "[slurm]") {
  auto with_line = [](const std::string& line) {
    SlurmScriptOptions o = options();
    o.sbatch = {line};
    return error_of(o);
  };
  CHECK(with_line("--time=10:00") == "--sbatch = \"--time=10:00\": use t2 slurm's --time (or its [slurm] key) for --time");
  CHECK(with_line("-p gpu") == "--sbatch = \"-p gpu\": use t2 slurm's --partition (or its [slurm] key) for -p");
  CHECK(with_line("--output=x.log") ==
        "--sbatch = \"--output=x.log\": use t2 slurm's --log (or its [slurm] key) for --output");
  CHECK(with_line("--no-requeue") ==
        "--sbatch = \"--no-requeue\": the script sets --no-requeue itself (its requeue protocol needs it)");
  CHECK(with_line("#SBATCH --mem=1G") ==
        "--sbatch = \"#SBATCH --mem=1G\": expected an sbatch option such as \"--mem=64G\" (without \"#SBATCH\")");
  CHECK(with_line("--mem=1G\n#SBATCH --time=1") ==
        "--sbatch = \"--mem=1G\n#SBATCH --time=1\": one #SBATCH option per entry (no newlines)");
  CHECK(with_line("--mem=1G") == "accepted");
  SlurmScriptOptions o = options();
  o.gres = "gpu:4 --exclusive";
  CHECK(error_of(o) == "--gres = \"gpu:4 --exclusive\": use letters, digits and - _ . + : , only");
  o = options();
  o.setup = {"module load a\nmodule load b"};
  CHECK(error_of(o) == "--setup = \"module load a\nmodule load b\": one shell line per entry (no newlines)");
  o = options();
  o.chdir = true;
  o.workdir = "/data/my sweeps";
  CHECK(error_of(o) == "--chdir = \"/data/my sweeps\": must be a path without spaces");
}

TEST_CASE("t2 slurm takes its options from the sweep's [slurm] table, flags first", "[slurm]") {
  ScratchDir dir("table");
  std::string sweep = dir / "s.toml";
  write_file(sweep,
             "[sweep]\nname = \"tab\"\nshutdown_grace = 10\n"
             "[slurm]\n"
             "nodes = 2\n"
             "ntasks_per_node = 4\n"
             "cpus_per_task = 8\n"
             "gres = \"gpu:4\"\n"
             "time = \"2-00:00:00\"\n"
             "partition = \"gpu\"\n"
             "chdir = \"" + dir.path.string() + "\"\n"
             "setup = [\"module load cuda\", \"source ~/venv/bin/activate\"]\n"
             "sbatch = [\"--mem=64G\"]\n");
  auto r = run_slurm_command({sweep, "--t2", "/bin/true", "-o", dir / "a.sbatch", "--partition", "debug",
                              "--setup", "export X=1", "--sbatch", "--exclusive"});
  REQUIRE(r.rc == 0);
  std::string s = read_file(dir / "a.sbatch");
  CHECK(has_line(s, "#SBATCH --nodes=2"));
  CHECK(has_line(s, "#SBATCH --ntasks=8"));
  CHECK(has_line(s, "#SBATCH --cpus-per-task=8"));
  CHECK(has_line(s, "#SBATCH --gres=gpu:4"));
  CHECK(has_line(s, "#SBATCH --time=2-00:00:00"));
  CHECK(has_line(s, "#SBATCH --partition=debug"));  // the flag wins
  CHECK_FALSE(has_line(s, "#SBATCH --partition=gpu"));
  CHECK(has_line(s, "#SBATCH --chdir=" + dir.path.string()));
  CHECK(has_line(s, "WORKDIR=" + shell_quote(dir.path.string())));
  CHECK(has_line(s, "#SBATCH --mem=64G"));
  CHECK(has_line(s, "#SBATCH --exclusive"));
  CHECK(has_line(s, "#SBATCH --job-name=t2-tab"));
  CHECK(has_line(s, "#SBATCH --output=%x-%j.out"));
  // the table's lines, then the flag's
  auto a = s.find("\nmodule load cuda\n"), b = s.find("\nsource ~/venv/bin/activate\n"), c = s.find("\nexport X=1\n");
  CHECK(a != std::string::npos);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(run_bash(dir / "a.sbatch", "bash -n \"$1\" && echo syntax-ok") == "syntax-ok\n");

  // A bad value in the table is a bad config (exit 1) naming file, line and key.
  write_file(sweep, "[sweep]\nname = \"tab\"\n[slurm]\ngres = \"gpu:4 --x\"\n");
  r = run_slurm_command({sweep, "--t2", "/bin/true", "-o", dir / "b.sbatch"});
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Catch::Contains(sweep + ":4: slurm.gres = \"gpu:4 --x\": use letters"));
  write_file(sweep, "[sweep]\nname = \"tab\"\n[slurm]\nnodes = 0\n");
  r = run_slurm_command({sweep, "--t2", "/bin/true", "-o", dir / "b.sbatch"});
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Catch::Contains(sweep + ":4: slurm.nodes = 0: must be between 1 and 1000000"));
  write_file(sweep, "[sweep]\nname = \"tab\"\n[slurm]\nmodules = [\"cuda\"]\n");
  r = run_slurm_command({sweep, "--t2", "/bin/true", "-o", dir / "b.sbatch"});
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Catch::Contains(sweep + ":4: slurm.modules = ") && Catch::Contains(": unknown key"));
  CHECK_FALSE(std::filesystem::exists(dir / "b.sbatch"));
}

TEST_CASE("a failed submission prints sbatch's error and exits non-zero; a good one prints the job id", "[slurm]") {
  ScratchDir dir("submit");
  std::string sweep = dir / "s.toml";
  write_file(sweep, "[sweep]\nname = \"sub\"\n");
  std::string fake = dir.path.string() + "/bin";
  std::filesystem::create_directories(fake);
  const char* old_path = std::getenv("PATH");
  std::string saved = old_path ? old_path : "";
  ::setenv("PATH", (fake + ":" + saved).c_str(), 1);
  auto submit_with = [&](const std::string& sbatch_body) {
    write_file(fake + "/sbatch", "#!/bin/sh\n" + sbatch_body, true);
    return run_slurm_command({sweep, "--t2", "/bin/true", "-o", dir / "s.sbatch", "--submit"});
  };
  auto refused = submit_with(
      "echo 'sbatch: error: Batch job submission failed: Invalid account or account/partition combination "
      "specified' >&2\nexit 1\n");
  auto silent = submit_with("exit 0\n");
  auto ok = submit_with("echo \"4242;cluster\"\necho 'sbatch: warning: memory limit not enforced' >&2\n");
  ::setenv("PATH", saved.c_str(), 1);

  CHECK(refused.rc == 1);
  CHECK_THAT(refused.err, Catch::Contains("exited with status 1; nothing was submitted (the script is kept):\n"
                                          "sbatch: error: Batch job submission failed: Invalid account"));
  CHECK_THAT(refused.out, !Catch::Contains("submitted job"));
  CHECK(silent.rc == 1);
  CHECK_THAT(silent.err, Catch::Contains("exited 0 but printed no job id"));
  CHECK_THAT(silent.out, !Catch::Contains("submitted job"));
  CHECK(ok.rc == 0);
  CHECK_THAT(ok.out, Catch::Contains("submitted job 4242\n"));
  CHECK_THAT(ok.err, Catch::Contains("sbatch: warning: memory limit not enforced"));
  CHECK(std::filesystem::exists(dir / "s.sbatch"));  // kept in every case
}

TEST_CASE("the sweep config accepts a [slurm] table, checks it, and a change to it is not a changed sweep",
          "[slurm][config]") {
  const std::string base =
      "[sweep]\nname = \"c\"\n[grid]\nn = [1e6]\nd = [1e7]\n[workload]\nbackend = \"synthetic\"\n";
  SweepConfig c = parse_sweep_config(base + "[slurm]\nnodes = 4\ngres = \"gpu:8\"\nsetup = [\"module load x\"]\n",
                                     "s.toml");
  CHECK(c.slurm.nodes == 4);
  CHECK(c.slurm.gres == std::optional<std::string>("gpu:8"));
  CHECK(c.slurm.setup == std::vector<std::string>{"module load x"});
  CHECK(c.slurm.lines.at("gres") == 10);
  CHECK_THROWS_WITH(parse_sweep_config(base + "[slurm]\ncpus_per_tsk = 4\n", "s.toml"),
                    Catch::Contains("s.toml:9: slurm.cpus_per_tsk = 4: unknown key"));
  CHECK_THROWS_WITH(parse_sweep_config(base + "[slurm]\nsetup = \"module load x\"\n", "s.toml"),
                    Catch::Contains("slurm.setup"));
  // how a sweep is submitted does not change what it computes: resume accepts the edit
  CHECK(config_diff(base + "[slurm]\ntime = \"1:00:00\"\n", base + "[slurm]\ntime = \"2:00:00\"\nnodes = 2\n") == "");
  CHECK(config_diff(base, base + "\n[slurm]\nnodes = 2\n") == "");
  std::string diff =
      config_diff(base + "[slurm]\nnodes = 2\n[eval]\nsamples = 4\n", base + "[slurm]\nnodes = 3\n[eval]\nsamples = 8\n");
  CHECK_THAT(diff, Catch::Contains("  - samples = 4\n") && Catch::Contains("  + samples = 8\n") &&
                       !Catch::Contains("nodes"));
}

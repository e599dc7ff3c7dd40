// exec_workload_tests.cpp — the exec backend seen from the worker loop: fault classes and their
// reasons, process-group isolation (timeout, cancel, grandchildren), injection safety, the
// environment a job sees, per-attempt logs, and config-time checks of the templates.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <thread>

#include "exec_test_support.hpp"
#include "orchestrator/config/sweep_config.hpp"

using namespace t2;
using namespace t2::test;

namespace {

std::string fault_config(const std::string& train_mode, const std::string& extra = "") {
  return "train = [\"" + kFault + "\", \"" + train_mode + "\"]\n" + "eval = [\"" + kFault + "\", \"eval-ok\"]\n" + extra;
}

TrainSpec train_spec(const std::string& run_dir) {
  TrainSpec s;
  s.index = 7;
  s.n_params = 1e6;
  s.n_tokens = 2e7;
  s.seed = 42;
  s.run_dir = run_dir;
  return s;
}

JobFailure train_failure(ExecWorkload& w, const TrainSpec& spec, const CancelFlag& cancel) {
  try {
    w.train(spec, cancel);
  } catch (const JobFailure& f) {
    return f;
  }
  FAIL("the job was expected to fail");
  return JobFailure(FailureClass::none, "");
}

long read_pid(const std::string& path) {
  REQUIRE(eventually([&] { return std::filesystem::exists(path); }));
  return std::stol(slurp(path));
}

}  // namespace

TEST_CASE("a valid training result is returned exactly, with its log kept per attempt", "[exec]") {
  TempDir dir;
  auto w = exec_from_toml(fault_config("train-ok"));
  CancelFlag cancel{false};
  TrainResult r = w->train(train_spec(dir.path), cancel);
  CHECK(r.final_loss == 3.25);
  CHECK(r.tokens_seen == 2e7);
  CHECK(r.params == 1e6);
  CHECK(r.params_total == 1e6);
  CHECK(r.flops == 6.0 * 1e6 * 2e7);
  CHECK(r.checkpoint == dir / "ckpt.bin");
  CHECK(std::filesystem::exists(dir / "train.attempt-1.log"));
  CHECK(std::filesystem::exists(dir / "train.result.json"));

  // A second attempt gets its own log, and never sees the first attempt's result file.
  auto broken = exec_from_toml(fault_config("nothing"));
  auto f = train_failure(*broken, train_spec(dir.path), cancel);
  CHECK(f.cls == FailureClass::bad_result);
  CHECK(std::filesystem::exists(dir / "train.attempt-2.log"));
  CHECK_THAT(slurp(dir / "train.attempt-2.log"), Catch::Contains("forgot the result"));
}

TEST_CASE("each kind of job failure is recorded with its class and reason", "[exec]") {
  TempDir dir;
  CancelFlag cancel{false};
  struct Case {
    const char* mode;
    FailureClass cls;
    const char* reason;
  };
  auto c = GENERATE(Case{"exit1", FailureClass::exit_code, "exited with code 1"},
                    Case{"segv", FailureClass::signal, "killed by SIGSEGV"},
                    Case{"malformed", FailureClass::bad_result, "malformed JSON"},
                    Case{"nan", FailureClass::bad_result, "loss = NaN: must be a finite number > 0"},
                    Case{"nothing", FailureClass::bad_result, "the job wrote no result file"},
                    Case{"deep", FailureClass::bad_result, "JSON nested deeper than 64 levels"},
                    Case{"fifo", FailureClass::bad_result, "the result file is a FIFO, not a regular file"});
  CAPTURE(c.mode);
  auto w = exec_from_toml(fault_config(c.mode));
  auto f = train_failure(*w, train_spec(dir.path), cancel);
  CHECK(f.cls == c.cls);
  CHECK_THAT(std::string(f.what()), Catch::Contains(c.reason));
  if (c.cls == FailureClass::exit_code) {
    // the reason points at the log and quotes its last line
    CHECK_THAT(std::string(f.what()), Catch::Contains("train.attempt-1.log"));
    CHECK_THAT(std::string(f.what()), Catch::Contains("CUDA out of memory (simulated)"));
  }
  if (c.cls == FailureClass::bad_result) CHECK_THAT(std::string(f.what()), Catch::Contains(dir / "train.result.json"));
}

TEST_CASE("a log line quoted in a failure reason is escaped to valid one-line UTF-8", "[exec][limits]") {
  TempDir dir;
  CancelFlag cancel{false};
  auto w = exec_from_toml(fault_config("badbytes"));
  auto f = train_failure(*w, train_spec(dir.path), cancel);
  CHECK(f.cls == FailureClass::exit_code);
  // a raw 0xFF in a stored reason broke `t2 status --json` (issue 12 item 11)
  CHECK_THAT(std::string(f.what()), Catch::Contains("last line: bad \\xFF\\x01 bytes)"));
}

TEST_CASE("a program that cannot start is an error naming it", "[exec]") {
  // The config check refuses these programs up front (next test); a program can still vanish
  // between loading the config and running the job, which is what these settings stand for.
  TempDir dir;
  CancelFlag cancel{false};
  ExecSettings missing_settings;
  missing_settings.train = {"t2-no-such-trainer", "{N}"};
  missing_settings.eval = {"true"};
  ExecWorkload missing(missing_settings);
  auto f = train_failure(missing, train_spec(dir.path), cancel);
  CHECK(f.cls == FailureClass::error);
  CHECK_THAT(std::string(f.what()), Catch::Contains("'t2-no-such-trainer' not found in PATH"));

  ExecSettings not_exec_settings = missing_settings;
  not_exec_settings.train = {std::string(T2_EXEC_TEST_DIR) + "/CMakeLists.txt"};
  ExecWorkload not_exec(not_exec_settings);
  f = train_failure(not_exec, train_spec(dir.path), cancel);
  CHECK(f.cls == FailureClass::error);
  CHECK_THAT(std::string(f.what()), Catch::Contains("Permission denied"));
}

TEST_CASE("a timeout stops the job's whole process group, grandchildren included", "[exec]") {
  TempDir dir;
  CancelFlag cancel{false};
  SECTION("a job that obeys SIGTERM") {
    auto w = exec_from_toml(fault_config("hang", "timeout = 0.5\ngrace = 5\n"));
    auto f = train_failure(*w, train_spec(dir.path), cancel);
    CHECK(f.cls == FailureClass::timeout);
    CHECK_THAT(std::string(f.what()), Catch::Contains("exceeded the timeout of 0.5 s; stopped with SIGTERM"));
    CHECK_THAT(std::string(f.what()), !Catch::Contains("SIGKILL"));
    long grandchild = read_pid(dir / "grandchild.pid");
    CHECK(eventually([&] { return process_gone(grandchild); }));
  }
  SECTION("a job that ignores SIGTERM is killed after the grace") {
    auto w = exec_from_toml(fault_config("stubborn", "timeout = 0.3\ngrace = 0.3\n"));
    auto f = train_failure(*w, train_spec(dir.path), cancel);
    CHECK(f.cls == FailureClass::timeout);
    CHECK_THAT(std::string(f.what()), Catch::Contains("then SIGKILL after 0.3 s grace"));
    long grandchild = read_pid(dir / "grandchild.pid");
    CHECK(eventually([&] { return process_gone(grandchild); }));
  }
}

TEST_CASE("a shutdown cancel stops a running job and its group", "[exec]") {
  TempDir dir;
  CancelFlag cancel{false};
  auto w = exec_from_toml(fault_config("hang", "grace = 5\n"));
  std::thread stopper([&] {
    // cancel only once the job is demonstrably running (its grandchild exists)
    eventually([&] { return std::filesystem::exists(dir / "grandchild.pid"); });
    cancel.store(true);
  });
  auto f = train_failure(*w, train_spec(dir.path), cancel);
  stopper.join();
  CHECK(f.cls == FailureClass::cancelled);
  long grandchild = read_pid(dir / "grandchild.pid");
  CHECK(eventually([&] { return process_gone(grandchild); }));

  // with the flag already set, nothing is started
  TempDir other;
  auto g = train_failure(*w, train_spec(other.path), cancel);
  CHECK(g.cls == FailureClass::cancelled);
  CHECK_FALSE(std::filesystem::exists(other / "grandchild.pid"));
}

TEST_CASE("values with shell metacharacters reach the program as one literal argument each", "[exec]") {
  TempDir base;
  // The run directory (a placeholder value) and the template text are both hostile.
  std::string evil = "a b; rm -rf x $(id) `id` \"q' *";
  std::string run_dir = base / evil;
  std::string literal = "lit $(touch " + (base / "pwned") + ") > " + (base / "redirected") + " | *";
  auto w = exec_from_toml("train = [\"" + kFault + "\", \"echo-args\", \"{run_dir}\", \"" + literal + "\", \"--n={N}\"]\n" +
                          "eval = [\"true\"]\n");
  CancelFlag cancel{false};
  w->train(train_spec(run_dir), cancel);
  std::string raw = slurp(run_dir + "/args");
  std::vector<std::string> args;
  std::size_t start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (raw[i] == '\0') {
      args.push_back(raw.substr(start, i - start));
      start = i + 1;
    }
  REQUIRE(args.size() == 3);
  CHECK(args[0] == run_dir);
  CHECK(args[1] == literal);
  CHECK(args[2] == "--n=1000000");
  CHECK_FALSE(std::filesystem::exists(base / "pwned"));
  CHECK_FALSE(std::filesystem::exists(base / "redirected"));
}

TEST_CASE("a job sees its values as T2_* variables, its [env] settings, and no MPI launcher variables", "[exec]") {
  TempDir dir;
  ::setenv("OMPI_COMM_WORLD_RANK", "3", 1);
  ::setenv("PMIX_RANK", "3", 1);
  ::setenv("OMPI_MCA_t2_test_setting", "kept", 1);
  auto w = exec_from_toml(
      "train = [\"/bin/sh\", \"-c\", \"env > \\\"$T2_RUN_DIR/env\\\"; " + kFault + " train-ok\"]\n"
      "eval = [\"true\"]\n"
      "env = { T2_TEST_SIZE = \"N={N} D={D} braces={{x}}\", OMP_NUM_THREADS = \"1\" }\n");
  CancelFlag cancel{false};
  w->train(train_spec(dir.path), cancel);
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("PMIX_RANK");
  ::unsetenv("OMPI_MCA_t2_test_setting");
  std::string env = slurp(dir / "env");
  CHECK_THAT(env, Catch::Contains("T2_N=1000000\n"));
  CHECK_THAT(env, Catch::Contains("T2_D=20000000\n"));
  CHECK_THAT(env, Catch::Contains("T2_SEED=42\n"));
  CHECK_THAT(env, Catch::Contains("T2_INDEX=7\n"));
  CHECK_THAT(env, Catch::Contains("T2_ATTEMPT=1\n"));
  CHECK_THAT(env, Catch::Contains("T2_JOB_KIND=train\n"));
  CHECK_THAT(env, Catch::Contains("T2_RUN_DIR=" + dir.path + "\n"));
  CHECK_THAT(env, Catch::Contains("T2_RESULT=" + (dir / "train.result.json") + "\n"));
  CHECK_THAT(env, Catch::Contains("T2_TEST_SIZE=N=1000000 D=20000000 braces={x}\n"));
  CHECK_THAT(env, Catch::Contains("OMP_NUM_THREADS=1\n"));
  CHECK_THAT(env, Catch::Contains("OMPI_MCA_t2_test_setting=kept\n"));
  CHECK_THAT(env, !Catch::Contains("OMPI_COMM_WORLD_RANK"));
  CHECK_THAT(env, !Catch::Contains("PMIX_RANK"));
}

TEST_CASE("an eval job gets its spec and its result is checked against it", "[exec]") {
  TempDir dir;
  EvalSpec spec;
  spec.index = 3;
  spec.run = 7;
  spec.n_params = 1e6;
  spec.n_tokens = 2e7;
  spec.task = "arithmetic";
  spec.problems = 3;
  spec.samples = 4;
  spec.temperature = 0.7;
  spec.seed = 9;
  spec.checkpoint = dir / "ckpt.bin";
  spec.run_dir = dir.path;
  CancelFlag cancel{false};

  SECTION("inline correct matrix") {
    auto w = exec_from_toml(fault_config("train-ok"));
    EvalResult e = w->evaluate(spec, cancel);
    CHECK(e.problems == 3);
    CHECK(e.samples == 4);
    CHECK(e.correct == std::vector<std::uint8_t>{0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1});
    CHECK(e.answer_nll == std::vector<double>{0.5, 1.5, 2.5});
    CHECK(e.tokens_per_sample == 16);
    CHECK(e.flops == 2.0 * 1e6 * 16 * 4 * 3);
    CHECK(std::filesystem::exists(dir / "eval-3.attempt-1.log"));
  }
  SECTION("a result for another shape is a bad result") {
    auto w = exec_from_toml("train = [\"true\"]\neval = [\"" + kFault + "\", \"eval-ok\", \"5\"]\n");
    try {
      w->evaluate(spec, cancel);
      FAIL("expected a bad_result");
    } catch (const JobFailure& f) {
      CHECK(f.cls == FailureClass::bad_result);
      CHECK_THAT(std::string(f.what()), Catch::Contains("samples = 5: the job was asked for 4 samples per problem"));
    }
  }
}

TEST_CASE("keep_logs = false deletes the logs of successful jobs only", "[exec]") {
  TempDir dir;
  CancelFlag cancel{false};
  exec_from_toml(fault_config("train-ok", "keep_logs = false\n"))->train(train_spec(dir.path), cancel);
  CHECK_FALSE(std::filesystem::exists(dir / "train.attempt-1.log"));
  train_failure(*exec_from_toml(fault_config("exit1", "keep_logs = false\n")), train_spec(dir.path), cancel);
  CHECK(std::filesystem::exists(dir / "train.attempt-1.log"));
}

TEST_CASE("a job without a run directory gets a scratch directory", "[exec]") {
  TempDir dir;
  CancelFlag cancel{false};
  auto w = exec_from_toml(fault_config("train-ok", "scratch_dir = \"" + dir.path + "\"\n"));
  TrainResult r = w->train(train_spec(""), cancel);
  std::string scratch = dir / "t2-exec-train-7-000000000000002a";
  CHECK(std::filesystem::exists(scratch + "/train.attempt-1.log"));
  CHECK(r.checkpoint == scratch + "/ckpt.bin");
}

TEST_CASE("bad exec settings are config errors naming file, key and value", "[exec][config]") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      exec_from_toml(text);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of("train = [\"t\", \"--x={foo}\"]\neval = [\"e\"]\n"),
             Catch::Contains("test.toml:1: workload.exec.train[1] = \"--x={foo}\": unknown placeholder {foo} (a train "
                             "command may use: N D seed replicate index run_dir result attempt)"));
  CHECK_THAT(error_of("train = [\"t\", \"{checkpoint}\"]\neval = [\"e\"]\n"),
             Catch::Contains("unknown placeholder {checkpoint}"));
  CHECK_THAT(error_of("train = [\"t\"]\neval = [\"e\", \"{task\"]\n"), Catch::Contains("workload.exec.eval[1] = \"{task\": unclosed '{' at character 1"));
  CHECK_THAT(error_of("train = [\"t\"]\neval = [\"e\", \"a}b\"]\n"), Catch::Contains("lone '}'"));
  CHECK_THAT(error_of("train = \"python3 train.py\"\neval = [\"e\"]\n"),
             Catch::Contains("test.toml:1: workload.exec.train = \"python3 train.py\": expected a list of strings"));
  CHECK_THAT(error_of("train = []\neval = [\"e\"]\n"), Catch::Contains("must name a program"));
  CHECK_THAT(error_of("train = [\"t\"]\neval = [\"e\"]\ntimeout = -1\n"),
             Catch::Contains("workload.exec.timeout = -1: must be between 0 and 1e+07 seconds"));
  // Issue 12 item 11: a huge duration overflowed the chrono deadline (every job killed at once).
  CHECK_THAT(error_of("train = [\"t\"]\neval = [\"e\"]\ngrace = 1e10\n"),
             Catch::Contains("workload.exec.grace = 10000000000.0: must be between 0 and 1e+07 seconds"));
  CHECK_THAT(error_of("train = [\"t\"]\neval = [\"e\"]\nenv = { X = \"{task}\" }\n"),
             Catch::Contains("workload.exec.env.X = \"{task}\": unknown placeholder {task}"));
  CHECK_THAT(error_of("train = [\"t\"]\neval = [\"e\"]\ntimeuot = 5\n"),
             Catch::Contains("workload.exec.timeuot = 5: unknown key"));
  CHECK_THAT(error_of("eval = [\"e\"]\n"), Catch::Contains("workload.exec.train: required list of strings is missing"));
}

TEST_CASE("a program that does not resolve to an executable is a config error naming it", "[exec][config]") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      exec_from_toml(text);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  // the misspelt interpreter of issue 11
  CHECK_THAT(error_of("train = [\"pyhton3\", \"train.py\"]\neval = [\"true\"]\n"),
             Catch::Contains("test.toml:1: workload.exec.train[0] = \"pyhton3\": program not found in PATH ("));
  CHECK_THAT(error_of("train = [\"true\"]\neval = [\"/no/such/dir/eval.sh\"]\n"),
             Catch::Contains("test.toml:2: workload.exec.eval[0] = \"/no/such/dir/eval.sh\": no such program"));
  CHECK_THAT(error_of("train = [\"" + std::string(T2_EXEC_TEST_DIR) + "/CMakeLists.txt\"]\neval = [\"true\"]\n"),
             Catch::Contains("CMakeLists.txt\": is not executable"));
  CHECK_THAT(error_of("train = [\"" + std::string(T2_EXEC_TEST_DIR) + "\"]\neval = [\"true\"]\n"),
             Catch::Contains("is not a regular file"));
  // [env] PATH is the PATH the job starts with, so it decides
  CHECK_THAT(error_of("train = [\"sh\"]\neval = [\"true\"]\nenv = { PATH = \"/nonexistent\" }\n"),
             Catch::Contains("workload.exec.train[0] = \"sh\": program not found in PATH (/nonexistent)"));
  // found: in PATH, by absolute path, by a relative path; a placeholder is decided per job
  CHECK(error_of("train = [\"sh\"]\neval = [\"/bin/true\"]\n") == "no error");
  CHECK(error_of("train = [\"" + kFault + "\"]\neval = [\"{run_dir}/eval.sh\"]\n") == "no error");
  CHECK(program_problem("./sh", "/bin") != "");  // a name with '/' is not searched in PATH
  CHECK(program_problem("sh", "/nonexistent:/bin") == "");
}

TEST_CASE("a sweep file is checked against this machine, a config read back from a store only as text",
          "[exec][config]") {
  // t2 report parses the config stored in a store, possibly on a machine that never ran it.
  TempDir dir;
  const std::string text =
      "[sweep]\nname = \"m\"\n[grid]\nn = [1e6]\nd = [1e7]\n[workload]\nbackend = \"exec\"\n"
      "[workload.exec]\ntrain = [\"/cluster/venv/bin/python\", \"train.py\"]\neval = [\"true\"]\n";
  CHECK(parse_sweep_config(text, "stored").workload.backend == "exec");
  std::ofstream(dir / "m.toml") << text;
  CHECK_THROWS_WITH(load_sweep_config(dir / "m.toml"),
                    Catch::Contains("m.toml:9: workload.exec.train[0] = \"/cluster/venv/bin/python\": no such program"));
}

TEST_CASE("an eval job gets a problem seed fixed per task for the whole sweep, apart from its sampling seed",
          "[exec][template]") {
  TempDir dir;
  CancelFlag cancel{false};
  // The eval program records its argv's {problem_seed} {seed} and its T2_PROBLEM_SEED.
  auto w = std::make_unique<ExecWorkload>(
      [&] {
        toml::table t = toml::parse(
            "train = [\"true\"]\n"
            "eval = [\"/bin/sh\", \"-c\", \"echo $0 $1 $T2_PROBLEM_SEED >> \\\"$T2_RUN_DIR/seeds\\\"; " + kFault +
            " eval-ok\", \"{problem_seed}\", \"{seed}\"]\n");
        TableReader reader(t, "workload.exec", "test.toml");
        return read_exec_settings(reader);
      }(),
      /*sweep_seed=*/77);
  auto run_eval = [&](const std::string& task, std::uint64_t seed, std::uint32_t index) {
    EvalSpec e;
    e.index = index;
    e.run = index;
    e.n_params = 1e6 * (index + 1);  // another model, another size
    e.n_tokens = 2e7;
    e.task = task;
    e.problems = 2;
    e.samples = 2;
    e.seed = seed;
    e.run_dir = dir.path;
    w->evaluate(e, cancel);
  };
  run_eval("arithmetic", 9, 0);
  run_eval("arithmetic", 10, 1);
  run_eval("spatial", 11, 2);
  std::istringstream in(slurp(dir / "seeds"));
  std::string ps[3], seed[3], env[3];
  for (int i = 0; i < 3; ++i) in >> ps[i] >> seed[i] >> env[i];
  CHECK(ps[0] == std::to_string(problem_seed(77, "arithmetic")));
  CHECK(ps[0] == ps[1]);    // same task, another model and sampling seed: the same problems
  CHECK(ps[2] != ps[0]);    // another task: its own problems
  CHECK(seed[0] == "9");
  CHECK(seed[1] == "10");
  for (int i = 0; i < 3; ++i) CHECK(env[i] == ps[i]);
  // a function of the sweep seed and the task only
  CHECK(problem_seed(77, "arithmetic") == problem_seed(77, "arithmetic"));
  CHECK(problem_seed(78, "arithmetic") != problem_seed(77, "arithmetic"));
}

TEST_CASE("placeholders expand verbatim, with integer-looking sizes and literal braces", "[exec][template]") {
  CHECK(format_number(1e6) == "1000000");
  CHECK(format_number(2.5e9) == "2500000000");
  CHECK(format_number(0.7) == "0.7");
  CHECK(format_number(1.0) == "1");
  CHECK(format_number(1e20) == "1e+20");  // beyond 2^53 a whole number is not printed digit by digit
  PlaceholderValues v = {{"N", "1000"}, {"task", "a b;$(x)"}};
  CHECK(expand("--n={N}", v) == "--n=1000");
  CHECK(expand("{task}", v) == "a b;$(x)");
  CHECK(expand("{{\"n\": {N}}}", v) == "{\"n\": 1000}");
  CHECK(placeholders_in("x{N}y{task}{{z}}") == std::vector<std::string>{"N", "task"});
  CHECK_THROWS_WITH(placeholders_in("{a b}"), Catch::Contains("placeholder {a b} is not a name"));
  CHECK(env_name("run_dir") == "T2_RUN_DIR");
  CHECK(env_name("top_k") == "T2_TOP_K");
}

// workload_test.cpp — the builtin backend at its boundaries: the [workload.builtin] table, the
// train/eval job contract, checkpoints and resume after cancellation, and the t2-builtin CLI.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "workers/builtin/builtin_workload.hpp"

using namespace t2;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Workload> workload(const std::string& toml_text) {
  toml::table t = toml::parse(toml_text);
  TableReader r(t, "workload.builtin", "test.toml");
  return make_builtin_workload(r);
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / "t2-builtin-workload" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const char* kSmall =
    "tasks = [\"arithmetic\"]\narithmetic_kinds = [\"add\", \"mul\"]\nmax_digits = 2\ncontext = 32\nthreads = 2\n"
    "lr = 1e-2\n";

}  // namespace

TEST_CASE("bad [workload.builtin] settings name the key and the value") {
  CHECK_THROWS_WITH(workload("contxt = 64"), Catch::Contains("workload.builtin.contxt") && Catch::Contains("unknown"));
  CHECK_THROWS_WITH(workload("context = 8"), Catch::Contains("context") && Catch::Contains("16..1024"));
  CHECK_THROWS_WITH(workload("context = 64"), Catch::Contains("too short for task arithmetic"));
  CHECK_THROWS_WITH(workload("arithmetic_kinds = [\"div\"]"), Catch::Contains("unknown kind \"div\""));
  CHECK_THROWS_WITH(workload("tasks = [\"poetry\"]"), Catch::Contains("unknown task \"poetry\""));
  CHECK_THROWS_WITH(workload("count = \"all\""), Catch::Contains("count"));
  CHECK_THROWS_WITH(workload("lr = -1.0"), Catch::Contains("lr"));
  CHECK_THROWS_WITH(workload("data_file = \"/nonexistent/tokens.bin\""), Catch::Contains("does not exist"));
  CHECK_THROWS_AS(workload("lr = -1.0"), ConfigError);
  CHECK(workload("")->name() == "builtin");
}

TEST_CASE("a training job reports both parameter counts and a checkpoint that an eval job loads") {
  auto w = workload(kSmall);
  TrainSpec spec;
  spec.n_params = 2e4;
  spec.n_tokens = 30000;
  spec.seed = 5;
  spec.run_dir = fresh_dir("train").string();
  CancelFlag cancel{false};
  TrainResult r = w->train(spec, cancel);
  CHECK(fs::exists(r.checkpoint));
  CHECK(r.params == r.params_total);  // count = "total" (the default)
  CHECK(r.params == Approx(2e4).epsilon(0.1));
  CHECK(r.tokens_seen >= spec.n_tokens);
  CHECK(r.tokens_seen < spec.n_tokens + 32);  // exactly D, rounded up to whole rows of 32
  CHECK(r.flops == Approx(6 * r.params * r.tokens_seen));
  CHECK(r.final_loss > 0.5);
  CHECK(r.final_loss < 4.0);
  CHECK(!r.loss_curve.empty());
  CHECK(r.loss_curve.size() <= 64);
  CHECK(r.curve_tokens.back() == Approx(r.tokens_seen));
  CHECK(r.loss_curve.back() < r.loss_curve.front());

  auto w2 = workload(std::string(kSmall) + "count = \"non_embedding\"\n");
  TrainResult r2 = w2->train(TrainSpec{0, 2e4, 3000, 5, 0, fresh_dir("train-ne").string()}, cancel);
  CHECK(r2.params < r2.params_total);
  CHECK(r2.params == Approx(2e4).epsilon(0.1));

  // A fresh workload (another rank) evaluates the checkpoint.
  auto evaluator = workload(kSmall);
  EvalSpec e;
  e.task = "arithmetic";
  e.problems = 10;
  e.samples = 16;
  e.temperature = 1.0;
  e.seed = 3;
  e.checkpoint = r.checkpoint;
  EvalResult er = evaluator->evaluate(e, cancel);
  CHECK(er.problems == 10);
  CHECK(er.samples == 16);
  CHECK(er.correct.size() == 160);
  REQUIRE(er.answer_nll.size() == 10);
  for (double nll : er.answer_nll) CHECK((std::isfinite(nll) && nll > 0));
  CHECK(er.flops > 0);
  CHECK(er.tokens_per_sample > 4);
  // Same spec, same outcome.
  EvalResult again = evaluator->evaluate(e, cancel);
  CHECK(again.correct == er.correct);
  CHECK(again.answer_nll == er.answer_nll);

  e.checkpoint = (fs::path(spec.run_dir) / "nothing.ckpt").string();
  CHECK_THROWS_AS(evaluator->evaluate(e, cancel), JobFailure);
}

TEST_CASE("a cancelled training job checkpoints, and resuming gives the uninterrupted result") {
  auto w = workload(kSmall);
  TrainSpec spec{0, 2e4, 20000, 9, 0, fresh_dir("uninterrupted").string()};
  CancelFlag go{false};
  TrainResult whole = w->train(spec, go);

  spec.run_dir = fresh_dir("interrupted").string();
  CancelFlag stop{true};  // cancelled before the first step
  try {
    w->train(spec, stop);
    FAIL("training did not stop");
  } catch (const JobFailure& f) {
    CHECK(f.cls == FailureClass::cancelled);
  }
  CHECK(fs::exists(fs::path(spec.run_dir) / "model.ckpt"));
  TrainResult resumed = w->train(spec, go);
  CHECK(resumed.final_loss == whole.final_loss);
  CHECK(resumed.loss_curve == whole.loss_curve);
}

TEST_CASE("a run stopped halfway resumes from its checkpoint to the same result") {
  using namespace t2::builtin;
  DataOptions d;
  d.tasks = {"arithmetic"};
  DataStream data(d, 32);
  TrainRun run;
  run.shape = shape_for_params(2e4, ParamCount::total, kVocab, 32);
  run.n_tokens = 30000;
  run.n_params = double(run.shape.params_total());
  run.seed = 4;
  TrainOptions o;
  o.threads = 2;
  std::atomic<bool> never{false};
  TrainOutcome whole = train_model(run, o, data, never);

  run.checkpoint = (fresh_dir("halfway") / "model.ckpt").string();
  std::atomic<bool> cancel{false};
  int points = 0;
  // Cancel after the 10th logged curve point (about a third of the run).
  auto log = [&](const std::string&) {
    if (++points == 10) cancel.store(true);
  };
  CHECK_THROWS_AS(train_model(run, o, data, cancel, log), TrainCancelled);
  Checkpoint c = read_checkpoint(run.checkpoint);
  CHECK(c.step > 0);
  CHECK(c.step < c.steps_total);
  cancel.store(false);
  TrainOutcome resumed = train_model(run, o, data, cancel);
  CHECK(resumed.resumed);
  CHECK(resumed.final_loss == whole.final_loss);
  CHECK(resumed.loss_curve == whole.loss_curve);
}

TEST_CASE("t2-builtin train and eval write the JSON job-result contract") {
  fs::path dir = fresh_dir("cli");
  std::string exe = T2_BUILTIN_EXE;
  std::ofstream(dir / "settings.toml") << kSmall;
  std::string settings = " --settings " + (dir / "settings.toml").string();
  std::string train = exe + " train --n 20000 --d 20000 --seed 1 --run-dir " + (dir / "run").string() + " --out " +
                      (dir / "train.json").string() + settings;
  REQUIRE(std::system(train.c_str()) == 0);
  nlohmann::json t = nlohmann::json::parse(std::ifstream(dir / "train.json"));
  for (const char* k : {"loss", "tokens", "params", "params_total", "checkpoint", "loss_curve", "curve_tokens"})
    CHECK(t.contains(k));
  CHECK(t["loss"].get<double>() > 0);
  CHECK(t["loss_curve"].size() == t["curve_tokens"].size());

  std::string eval = exe + " eval --checkpoint " + t["checkpoint"].get<std::string>() +
                     " --task arithmetic --problems 5 --samples 8 --temperature 1 --seed 2 --out " +
                     (dir / "eval.json").string() + settings;
  REQUIRE(std::system(eval.c_str()) == 0);
  nlohmann::json e = nlohmann::json::parse(std::ifstream(dir / "eval.json"));
  CHECK(e["problems"] == 5);
  CHECK(e["samples"] == 8);
  REQUIRE(e["correct"].size() == 5);
  CHECK(e["correct"][0].size() == 8);
  CHECK(e["nll"].size() == 5);

  // Bad usage: exit status 2 and one line naming the flag.
  std::string bad = exe + " train --n ten --d 1 --seed 1 --run-dir x --out y 2> " + (dir / "err.txt").string();
  int status = std::system(bad.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  std::string line;
  std::getline(std::ifstream(dir / "err.txt"), line);
  CHECK(line == "t2-builtin: --n ten: not a number");
}

TEST_CASE("t2-builtin reads a 64-bit seed exactly, so the command line reproduces a sweep's job") {
  // A seed above 2^53 read through a double would be a neighbouring seed: a different job.
  fs::path dir = fresh_dir("cli-seed");
  std::string exe = T2_BUILTIN_EXE;
  std::ofstream(dir / "settings.toml") << kSmall;
  const std::uint64_t seed = 18446744073709551557ull;  // 2^64 - 59: not a double
  std::string train = exe + " train --n 20000 --d 20000 --seed " + std::to_string(seed) + " --run-dir " +
                      (dir / "run").string() + " --out " + (dir / "train.json").string() + " --settings " +
                      (dir / "settings.toml").string();
  REQUIRE(std::system(train.c_str()) == 0);
  nlohmann::json t = nlohmann::json::parse(std::ifstream(dir / "train.json"));
  auto w = workload(kSmall);
  CancelFlag cancel{false};
  fs::path in_process = fresh_dir("cli-seed-in-process");
  TrainResult exact = w->train(TrainSpec{0, 2e4, 2e4, seed, 0, in_process.string()}, cancel);
  CHECK(t["loss"].get<double>() == exact.final_loss);
  // The seed a double would have made of it trains another model.
  fs::path rounded = fresh_dir("cli-seed-rounded");
  TrainResult other = w->train(TrainSpec{0, 2e4, 2e4, std::uint64_t(double(seed) - 4096.0), 0, rounded.string()}, cancel);
  CHECK(other.final_loss != exact.final_loss);
  // 2^64, and a number above 2^53 not given by its digits, are refused, naming the flag.
  for (const char* bad : {"18446744073709551616", "1e17"}) {
    std::string cmd = exe + " train --n 20000 --d 20000 --seed " + bad + " --run-dir " + (dir / "x").string() +
                      " --out " + (dir / "y").string() + " 2> " + (dir / "err.txt").string();
    int status = std::system(cmd.c_str());
    CHECK(WEXITSTATUS(status) == 2);
    std::string line;
    std::getline(std::ifstream(dir / "err.txt"), line);
    CHECK_THAT(line, Catch::StartsWith(std::string("t2-builtin: --seed ") + bad + ": not a whole number"));
  }
}

namespace {
const char* kPrecious = "bytes that must survive\n";
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST_CASE("a link planted at the checkpoint or its temp file is refused, its target untouched") {
  // Issue 12 item 13: a run folder is shared (STORE.d/run-NNNNNN); the trainer's own files are
  // created O_EXCL | O_NOFOLLOW, so a planted link is never written through or read.
  auto w = workload(kSmall);
  CancelFlag cancel{false};
  for (const char* name : {"model.ckpt.tmp", "model.ckpt"}) {
    DYNAMIC_SECTION("link at " << name) {
      fs::path dir = fresh_dir(std::string("planted-") + name);
      fs::path target = dir / "target";
      std::ofstream(target) << kPrecious;
      fs::create_symlink(target, dir / name);
      TrainSpec spec{0, 2e4, 2000, 5, 0, dir.string()};
      CHECK_THROWS_WITH(w->train(spec, cancel),
                        Catch::Contains((dir / name).string() + " is a symbolic link; refusing to follow it"));
      CHECK(slurp(target) == kPrecious);
      CHECK(fs::is_symlink(dir / name));
    }
  }
  SECTION("a stale regular temp file (a job killed before its rename) is replaced") {
    fs::path dir = fresh_dir("stale-tmp");
    std::ofstream(dir / "model.ckpt.tmp") << "half a checkpoint";
    TrainResult r = w->train(TrainSpec{0, 2e4, 2000, 5, 0, dir.string()}, cancel);
    CHECK(builtin::read_checkpoint(r.checkpoint).final_loss > 0);
    CHECK_FALSE(fs::exists(dir / "model.ckpt.tmp"));
  }
}

TEST_CASE("t2-builtin refuses a link planted at its result's temp file") {
  fs::path dir = fresh_dir("cli-planted");
  std::ofstream(dir / "settings.toml") << kSmall;
  fs::path target = dir / "target";
  std::ofstream(target) << kPrecious;
  fs::create_symlink(target, dir / "train.json.tmp");
  std::string cmd = std::string(T2_BUILTIN_EXE) + " train --n 20000 --d 2000 --seed 1 --run-dir " +
                    (dir / "run").string() + " --out " + (dir / "train.json").string() + " --settings " +
                    (dir / "settings.toml").string() + " 2> " + (dir / "err.txt").string();
  int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) != 0);
  CHECK_THAT(slurp(dir / "err.txt"), Catch::Contains((dir / "train.json.tmp").string() +
                                                     " is a symbolic link; refusing to follow it"));
  CHECK(slurp(target) == kPrecious);
  CHECK_FALSE(fs::exists(dir / "train.json"));
}

// example_trainer_tests.cpp — the external-trainer example (examples/exec/toy_trainer.py) run
// through the exec backend exactly as examples/exec/sweep.toml wires it, and .npy outcome files
// written by real NumPy (Debian's /usr/bin/python3 has it).
#include <catch2/catch.hpp>

#include <cmath>

#include "exec_test_support.hpp"

using namespace t2;
using namespace t2::test;

namespace {

const std::string kToy = std::string(T2_EXAMPLES_DIR) + "/toy_trainer.py";

std::string toy_config(bool npy, const std::string& extra = "") {
  std::string py = T2_PYTHON;
  return "train = [\"" + py + "\", \"" + kToy +
         "\", \"train\", \"--n\", \"{N}\", \"--d\", \"{D}\", \"--seed\", \"{seed}\", \"--run-dir\", \"{run_dir}\", "
         "\"--out\", \"{result}\"]\n"
         "eval = [\"" + py + "\", \"" + kToy +
         "\", \"eval\", \"--checkpoint\", \"{checkpoint}\", \"--task\", \"{task}\", \"--problems\", \"{problems}\", "
         "\"--samples\", \"{samples}\", \"--temperature\", \"{temperature}\", \"--seed\", \"{seed}\", "
         "\"--problem-seed\", \"{problem_seed}\", \"--out\", \"{result}\"" + (npy ? ", \"--npy\"" : "") + extra +
         "]\n";
}

}  // namespace

TEST_CASE("the example trainer trains and evaluates through the exec backend", "[exec][example]") {
  TempDir dir;
  CancelFlag cancel{false};
  bool npy = GENERATE(false, true);
  CAPTURE(npy);
  auto w = exec_from_toml(toy_config(npy));
  TrainSpec t;
  t.index = 0;
  t.n_params = 4e6;
  t.n_tokens = 8e7;
  t.seed = 11;
  t.run_dir = dir / "run-0";
  TrainResult r = w->train(t, cancel);
  CHECK(r.final_loss > 1.69);
  CHECK(r.final_loss < 10);
  CHECK(r.tokens_seen == 8e7);
  CHECK(r.params == 4e6);
  CHECK(r.loss_curve.size() == 16);
  CHECK(r.curve_tokens.back() == Approx(8e7));
  CHECK(r.checkpoint == dir / "run-0/toy-checkpoint.json");

  EvalSpec e;
  e.index = 0;
  e.run = 0;
  e.n_params = t.n_params;
  e.n_tokens = t.n_tokens;
  e.task = "arithmetic";
  e.problems = 20;
  e.samples = 8;
  e.temperature = 1.0;
  e.seed = 12;
  e.checkpoint = r.checkpoint;
  e.run_dir = t.run_dir;
  EvalResult out = w->evaluate(e, cancel);
  CHECK(out.problems == 20);
  CHECK(out.samples == 8);
  CHECK(out.correct.size() == 160);
  CHECK(out.answer_nll.size() == 20);
  for (auto v : out.correct) CHECK(v <= 1);
  // seeded: the same eval gives the same outcomes, inline or through the .npy file
  EvalResult again = w->evaluate(e, cancel);
  CHECK(again.correct == out.correct);
  CHECK(again.answer_nll == out.answer_nll);
  // another sampling seed: other samples of the same problems (the problem set comes from
  // {problem_seed}, which depends on the sweep seed and the task only)
  e.seed = 13;
  e.index = 1;
  EvalResult resampled = w->evaluate(e, cancel);
  CHECK(resampled.answer_nll == out.answer_nll);
  CHECK(resampled.correct != out.correct);
}

TEST_CASE("the example trainer without NLL gives outcomes and NaN NLLs", "[exec][example]") {
  TempDir dir;
  CancelFlag cancel{false};
  auto w = exec_from_toml(toy_config(false, ", \"--no-nll\""));
  TrainSpec t;
  t.n_params = 4e6;
  t.n_tokens = 8e7;
  t.seed = 11;
  t.run_dir = dir / "run-0";
  TrainResult r = w->train(t, cancel);
  EvalSpec e;
  e.n_params = t.n_params;
  e.task = "arithmetic";
  e.problems = 5;
  e.samples = 4;
  e.seed = 12;
  e.checkpoint = r.checkpoint;
  e.run_dir = t.run_dir;
  EvalResult out = w->evaluate(e, cancel);
  CHECK(out.correct.size() == 20);
  REQUIRE(out.answer_nll.size() == 5);
  for (double v : out.answer_nll) CHECK(std::isnan(v));
}

TEST_CASE("outcome files written by NumPy are read in any accepted dtype and order", "[exec][npy]") {
  TempDir dir;
  CancelFlag cancel{false};
  // The eval "program" is NumPy itself: it saves a known 3x4 matrix in the given dtype/order
  // and writes a result that points at it. Its braces are doubled: {{ }} are literal braces in
  // a template, {result} is a placeholder.
  std::string dtype = GENERATE("uint8", "bool", "int64", ">i4");
  bool fortran = GENERATE(false, true);
  CAPTURE(dtype, fortran);
  std::string script =
      "import json, sys, numpy as np\n"
      "m = np.array([[1,0,0,1],[0,0,0,0],[1,1,1,0]]).astype(np.dtype(sys.argv[2]))\n"
      "m = np.asfortranarray(m) if sys.argv[3] == 'F' else m\n"
      "path = sys.argv[1] + '.npy'\n"
      "np.save(path, m)\n"
      "json.dump({{'problems': 3, 'samples': 4, 'outcomes_file': path, 'nll': [0.1, 2.0, 0.0]}}, open(sys.argv[1], 'w'))\n";
  toml::table table;
  table.insert("train", toml::array{"true"});
  table.insert("eval", toml::array{T2_PYTHON, "-c", script, "{result}", dtype, fortran ? "F" : "C"});
  TableReader reader(table, "workload.exec", "test.toml");
  ExecWorkload w(read_exec_settings(reader));
  EvalSpec e;
  e.index = 5;
  e.problems = 3;
  e.samples = 4;
  e.run_dir = dir.path;
  EvalResult out = w.evaluate(e, cancel);
  CHECK(out.correct == std::vector<std::uint8_t>{1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0});
  CHECK(out.answer_nll == std::vector<double>{0.1, 2.0, 0.0});
}

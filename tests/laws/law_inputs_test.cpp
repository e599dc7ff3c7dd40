// law_inputs_test.cpp — the CLI's pure side: results CSVs (good file, every kind of bad row),
// store contents and CSV rows as FitData, import records, and the JSON a user sees.
#include <catch2/catch.hpp>

#include <sstream>

#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/analysis/law_report.hpp"

using namespace t2;

static CsvTable parse(const std::string& text) {
  std::istringstream in(text);
  return parse_results_csv(in, "r.csv");
}

static std::vector<std::string> problems_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.problems;
  }
  return {};
}

TEST_CASE("a good results CSV is read into runs and per-problem outcomes") {
  CsvTable t = parse(
      "N,D,loss,task,problem,nll,n,c\n"
      "# a comment\n"
      "1e8,2e9,3.1,arith,0,1.5,4,1\n"
      "1e8,2e9,3.1,arith,1,0.2,4,4\n"
      "2e8,4e9,2.9,,,,,\n"
      "2e8,4e9,2.9,\"arith\",0,1.0,4,2\n"
      "2e8,4e9,2.9,arith,1,0.1,4,3\n");
  REQUIRE(t.rows.size() == 5);
  CHECK(t.rows[0].line == 3);
  CHECK(t.rows[2].task.empty());
  CHECK(tasks_of(t) == std::vector<std::string>{"arith"});
  FitData d = fit_data_from_csv(t, "arith");
  REQUIRE(d.checkpoints.size() == 2);
  CHECK(d.checkpoints[1].n == 2e8);
  CHECK(d.checkpoints[1].loss == 2.9);
  CHECK(d.checkpoints[0].run == 3);  // the line it first appeared on
  REQUIRE(d.outcomes.size() == 4);
  CHECK(d.outcomes[3].checkpoint == 1);
  CHECK(d.outcomes[3].c == 3);
  CHECK(d.outcomes[3].nll == 0.1);
  ImportBatch b = import_batch(t);
  CHECK(b.runs.size() == 2);
  REQUIRE(b.evals.size() == 2);
  CHECK(b.evals[1].run == 1);
  CHECK(b.eval_results[0].correct == std::vector<std::uint8_t>{1, 0, 0, 0, 1, 1, 1, 1});
  CHECK(b.eval_results[0].answer_nll == std::vector<double>{1.5, 0.2});
}

TEST_CASE("every bad row is reported with file, line, column and value") {
  SECTION("missing column") {
    auto p = problems_of("N,loss\n1e8,3\n");
    REQUIRE(p.size() == 1);
    CHECK(p[0] == "r.csv:1: missing column D (need N, D, loss)");
  }
  SECTION("not a number, N <= 0, NaN loss: all reported, nothing returned") {
    auto p = problems_of("N,D,loss\n1e8,2e9,3\nabc,2e9,3\n0,2e9,3\n1e8,2e9,nan\n1e8,,3\n");
    REQUIRE(p.size() == 4);
    CHECK(p[0] == "r.csv:3: column N = 'abc': not a number");
    CHECK(p[1] == "r.csv:4: column N = '0': must be a finite number > 0");
    CHECK(p[2] == "r.csv:5: column loss = 'nan': must be a finite number > 0");
    CHECK(p[3] == "r.csv:6: column D = '': not a number");
  }
  SECTION("short row, c > n, task without problem") {
    auto p = problems_of("N,D,loss,task,problem,nll,n,c\n1e8,2e9\n1e8,2e9,3,t,0,1,4,5\n1e8,2e9,3,t,,1,4,1\n");
    REQUIRE(p.size() == 3);
    CHECK(p[0] == "r.csv:2: column loss missing (row has 2 fields)");
    CHECK(p[1] == "r.csv:3: column c = '5': more correct samples than n = 4");
    CHECK(p[2] == "r.csv:4: column problem = '': a row with a task needs a problem id (integer >= 0)");
  }
  SECTION("groups that cannot be one eval are refused by the import") {
    CsvTable t = parse("N,D,loss,task,problem,n,c\n1e8,2e9,3,t,0,4,1\n1e8,2e9,3,t,2,4,1\n");
    CHECK_THROWS_WITH(import_batch(t), Catch::Contains("r.csv:3: column problem = '2'"));
    CsvTable u = parse("N,D,loss,task,problem,n,c\n1e8,2e9,3,t,0,4,1\n1e8,2e9,3,t,1,8,1\n");
    CHECK_THROWS_WITH(import_batch(u), Catch::Contains("r.csv:3: column n = '8'"));
  }
  SECTION("empty file") { CHECK(problems_of("") == std::vector<std::string>{"r.csv:1: empty file (need a header with N, D, loss)"}); }
}

TEST_CASE("store contents become checkpoints and outcomes of one task") {
  StoreContents s;
  RunRecord r0, r1, r2;
  r0.index = 0, r0.state = JobState::done, r0.plan.n_params = 1e8, r0.plan.n_tokens = 2e9;
  r0.result.final_loss = 3.0, r0.result.params = 1.1e8, r0.result.tokens_seen = 2e9;
  r1.index = 1, r1.state = JobState::failed, r1.plan.n_params = 2e8, r1.plan.n_tokens = 2e9;
  r2.index = 2, r2.state = JobState::done, r2.plan.n_params = 4e8, r2.plan.n_tokens = 1e9, r2.result.final_loss = 2.8;
  s.runs = {r0, r1, r2};
  auto eval = [](JobIndex index, JobIndex run, const char* task) {
    EvalRecord e;
    e.index = index, e.state = JobState::done, e.plan.run = run, e.plan.task = task;
    e.result.problems = 2, e.result.samples = 3, e.result.correct = {1, 0, 1, 0, 0, 0}, e.result.answer_nll = {0.5, 4.0};
    return e;
  };
  EvalRecord e0 = eval(0, 0, "a"), e1 = eval(1, 1, "a") /* of a failed run: ignored */, e2 = eval(2, 2, "b");
  s.evals = {e0, e1, e2};
  CHECK(tasks_of(s) == std::vector<std::string>{"a", "b"});
  CHECK_THROWS_WITH(choose_task(tasks_of(s), "", "S.h5"), "S.h5: several tasks (a, b): choose one with --task");
  CHECK_THROWS_AS(choose_task(tasks_of(s), "zzz", "S.h5"), InputError);
  FitData d = fit_data_from_store(s, "a");
  REQUIRE(d.checkpoints.size() == 2);
  CHECK(d.checkpoints[0].n == 1.1e8);   // TrainResult::params: N as the laws use it
  CHECK(d.checkpoints[1].n == 4e8);     // planned N when the result has none
  CHECK(d.checkpoints[1].run == 2);
  REQUIRE(d.outcomes.size() == 2);
  CHECK(d.outcomes[0].c == 2);
  CHECK(d.outcomes[0].n == 3);
  CHECK(d.outcomes[1].nll == 4.0);
}

TEST_CASE("fit and plan JSON name their inputs, parameters and intervals") {
  FitData d;
  ChinchillaParams h = hoffmann_2022();
  std::uint32_t i = 0;
  for (double n : {1e7, 3e7, 1e8, 3e8})
    for (double ratio : {5.0, 20.0, 80.0}) d.checkpoints.push_back({n, n * ratio, h.loss(n, n * ratio), i++});
  FitOptions fo;
  fo.law = "chinchilla";
  BootstrapOptions bo;
  bo.replicates = 8;
  LawFit r = fit_with_bootstrap(d, fo, bo);
  nlohmann::json j = fit_to_json(r, {"csv", "x.csv"}, &bo);
  CHECK(j["law"] == "chinchilla");
  CHECK(j["inputs"]["runs"].size() == 12);
  CHECK(j["params"]["alpha"]["value"].get<double>() == Approx(0.34).margin(1e-3));
  CHECK(j["params"]["alpha"].contains("lo"));
  CHECK(j["bootstrap"]["replicates"] == 8);
  Deployment dep;
  dep.train_flops = 1e21;
  Plan p = plan(r.law, dep, {}, &r.reference.params);
  nlohmann::json pj = plan_to_json(p, r.law, {}, nullptr);
  CHECK(pj["deployment"]["form"] == "split");
  CHECK(pj["best"]["N"].get<double>() == Approx(chinchilla_optimum(r.reference.params, 1e21).n).epsilon(1e-3));
  CHECK(render_plan(p, r.law, nullptr).find("T2 optimum") != std::string::npos);
}

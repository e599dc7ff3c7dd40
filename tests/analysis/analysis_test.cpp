// analysis_test.cpp — analyse() as `t2 fit`/`t2 plan` call it, on synthetic data in memory: the
// deployment from [target], hold-out and selection in the JSON a user reads, the warnings array,
// and bad requests.
#include <catch2/catch.hpp>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/analysis/law_report.hpp"
#include "tests/laws/synthetic_sweep.hpp"

using namespace t2;

static LoadedInputs inputs(bool with_target) {
  SyntheticTruth t;
  t.theta0 = 3.5, t.theta1 = 4.0, t.theta2 = 0.85, t.theta3 = 0.5, t.theta4 = 0.3;
  LoadedInputs in;
  in.inputs = {"store", "mem.h5"};
  in.data = synthetic_sweep(t, 40, 8, 9);
  if (with_target) {
    in.config = parse_sweep_config(R"(
[sweep]
name = "t"
store = "mem.h5"
[grid]
n = [1e7, 1e8]
d = [1e9, 1e10]
[eval]
tasks = ["arith"]
[target]
train_budget = 1e19
inference_budget = 2e9
[workload]
backend = "synthetic"
)", "mem.toml");
  } else {
    in.config_note = "a CSV has no sweep config";
  }
  return in;
}

TEST_CASE("t2 plan with no budget plans for [target], and says where deployment and bounds came from") {
  AnalysisRequest rq;
  rq.fit.law = "t2-accuracy";
  rq.fit.lhat = LhatSource::train_loss;
  rq.fit.threads = 1;
  rq.plan = true;
  Analysis a = analyse(inputs(true), rq);
  REQUIRE(a.plan);
  CHECK(a.plan->deployment.train_flops == 1e19);
  CHECK(a.plan->deployment.inference_flops == 2e9);
  nlohmann::json j = analysis_to_json(a);
  CHECK(j["target"]["deployment_source"] == "[target] of mem.toml");
  CHECK(j["plan"]["deployment"]["train_flops"] == 1e19);
  REQUIRE(j["warnings"].is_array());
  for (const auto& w : j["warnings"]) CHECK((w.contains("code") && w.contains("message")));
  REQUIRE(j["fit"]["stages"].size() == 2);
  CHECK(j["fit"]["stages"][0]["name"] == "Lhat");
  CHECK(j["fit"]["stages"][1]["rmse_of"] == "pass@k");
  CHECK(j["fit"]["fit"]["r2_log"].is_null());  // no accuracy-law R^2 borrowed from Lhat
}

TEST_CASE("a plan with no budget and no [target] is a request error naming the input") {
  AnalysisRequest rq;
  rq.fit.law = "chinchilla";
  rq.plan = true;
  CHECK_THROWS_AS(analyse(inputs(false), rq), RequestError);
  CHECK_THROWS_WITH(analyse(inputs(false), rq), Catch::Contains("mem.h5: no deployment to plan for"));
}

TEST_CASE("hold-out and selection appear in the JSON with every documented field") {
  AnalysisRequest rq;
  rq.fit.law = "t2-accuracy";
  rq.fit.lhat = LhatSource::train_loss;
  rq.fit.threads = 1;
  rq.holdout = "tokens_per_param>100";
  nlohmann::json j = analysis_to_json(analyse(inputs(true), rq));
  REQUIRE(j.contains("holdout"));
  for (const char* k : {"rule", "fitted_runs", "held_out_runs", "metric", "mean_abs_rel_error", "runs"}) CHECK(j["holdout"].contains(k));
  CHECK(j["holdout"]["rule"] == "tokens_per_param>100");
  REQUIRE(!j["holdout"]["runs"].empty());
  for (const char* k : {"N", "D", "observed", "predicted", "rel_error"}) CHECK(j["holdout"]["runs"][0].contains(k));
  CHECK(j.contains("warnings"));
  SECTION("--law auto") {
    rq.fit.law = "auto";
    rq.holdout.reset();
    nlohmann::json s = analysis_to_json(analyse(inputs(true), rq))["selection"];
    CHECK(s["candidates"].size() == 4);
    CHECK(s["chosen"].is_string());
    CHECK(s["reason"].get<std::string>().find("lowest mean |relative error|") != std::string::npos);
    CHECK(s["t2_loss"].contains("holdout"));
  }
  SECTION("a rule that does not parse") {
    rq.holdout = "tokens>3";
    CHECK_THROWS_AS(analyse(inputs(true), rq), HoldoutRuleError);
  }
}

TEST_CASE("the Chinchilla comparison row's own fit is checked: training losses without a power law are warned") {
  AnalysisRequest rq;
  rq.fit.law = "t2-accuracy";
  rq.fit.lhat = LhatSource::answer_nll;  // the reference is then a fit of its own (not L̂)
  rq.fit.method = AccuracyMethod::two_stage;
  rq.fit.threads = 1;
  rq.plan = true;
  auto reference_warnings = [](const Analysis& a) {
    int n = 0;
    for (const Warning& w : a.warnings) n += w.message.rfind("Chinchilla reference", 0) == 0;
    return n;
  };
  LoadedInputs clean = inputs(true);
  Analysis a = analyse(clean, rq);
  REQUIRE(a.fit.has_reference);
  CHECK(reference_warnings(a) == 0);  // the synthetic training losses follow Hoffmann's law
  // The same runs with training losses that do not follow N or D (a flat 2.0 +- 0.1 pattern):
  // the reference's R^2 collapses and the row's law is not identified.
  LoadedInputs flat = inputs(true);
  for (std::size_t i = 0; i < flat.data.checkpoints.size(); ++i)
    flat.data.checkpoints[i].loss = 2.0 + 0.1 * ((i * 7919) % 13 / 12.0 - 0.5);
  Analysis b = analyse(flat, rq);
  REQUIRE(b.fit.has_reference);
  CHECK(reference_warnings(b) >= 1);
  bool poor = false;
  for (const Warning& w : b.warnings)
    poor |= w.code == "poor_fit" && w.message.rfind("Chinchilla reference", 0) == 0;
  CHECK(poor);
}

TEST_CASE("the T2-vs-Chinchilla gap is printed with whether the data decide it, or said to be unchecked") {
  AnalysisRequest rq;
  rq.fit.law = "t2-accuracy";
  rq.fit.lhat = LhatSource::train_loss;
  rq.fit.threads = 1;
  rq.plan = true;
  SECTION("without a bootstrap the text says the gap was not checked, and no warning claims either way") {
    Analysis a = analyse(inputs(true), rq);
    REQUIRE(a.plan);
    std::string text = render_analysis(a);
    INFO(text);
    CHECK(text.find("T2 vs Chinchilla: ") != std::string::npos);
    CHECK(text.find("not checked against the data's noise") != std::string::npos);
    nlohmann::json j = analysis_to_json(a);
    CHECK(j["plan"]["advantage"].is_number());
    CHECK(!j["plan"].contains("intervals"));
    for (const auto& w : j["warnings"]) CHECK(w["code"] != "advantage_not_decided");
  }
  SECTION("with a bootstrap the interval is printed, and a warning is raised exactly when it contains 0") {
    rq.bootstrap = 30;
    Analysis a = analyse(inputs(true), rq);
    REQUIRE(a.plan);
    REQUIRE(a.intervals.replicates > 0);
    std::string text = render_analysis(a);
    INFO(text);
    CHECK(text.find("bootstrap fits [") != std::string::npos);
    nlohmann::json j = analysis_to_json(a);
    REQUIRE(j["plan"]["intervals"]["advantage"].size() == 2);
    bool contains0 = a.intervals.advantage.lo <= 0 && a.intervals.advantage.hi >= 0;
    bool warned = false;
    for (const auto& w : j["warnings"]) warned |= w["code"] == "advantage_not_decided";
    CHECK(warned == contains0);
    CHECK((text.find("not decided by the data") != std::string::npos) == contains0);
  }
}

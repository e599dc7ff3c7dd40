// test_protocol.cpp — coordinator/worker messages survive encoding exactly, damaged ones are
// refused, and run_job turns every kind of workload failure into a classified result.
#include <catch2/catch.hpp>

#include "contract/protocol.hpp"
#include "workers/synthetic/synthetic_workload.hpp"
#include "contract/wire.hpp"

using namespace t2;

TEST_CASE("job and result messages round-trip through the wire format") {
  JobMessage j;
  j.kind = JobKind::eval;
  j.attempt = 3;
  j.eval.index = 17;
  j.eval.run = 4;
  j.eval.task = "spatial";
  j.eval.problems = 2;
  j.eval.samples = 3;
  j.eval.temperature = 0.7;
  j.eval.seed = 99;
  j.eval.checkpoint = "/tmp/ck";
  auto bytes = encode_message(j);
  auto back = decode_job(bytes.data(), bytes.size());
  CHECK(back.kind == JobKind::eval);
  CHECK(back.attempt == 3);
  CHECK(back.eval.index == 17);
  CHECK(back.eval.task == "spatial");
  CHECK(back.eval.temperature == 0.7);
  CHECK(back.eval.checkpoint == "/tmp/ck");

  ResultMessage r;
  r.kind = JobKind::eval;
  r.index = 17;
  r.ok = true;
  r.eval.problems = 2;
  r.eval.samples = 3;
  r.eval.correct = {1, 0, 1, 0, 0, 1};
  r.eval.answer_nll = {0.5, 2.0};
  auto rb = encode_message(r);
  auto r2 = decode_result(rb.data(), rb.size());
  CHECK(r2.eval.correct == r.eval.correct);
  CHECK(r2.eval.answer_nll == r.eval.answer_nll);

  SECTION("a truncated message is refused, not read past its end") {
    CHECK_THROWS_AS(decode_result(rb.data(), rb.size() - 5), WireError);
  }
}

namespace {
struct FailingWorkload : Workload {
  int mode = 0;
  std::string name() const override { return "failing"; }
  TrainResult train(const TrainSpec&, const CancelFlag&) override {
    if (mode == 0) throw JobFailure(FailureClass::timeout, "took too long");
    if (mode == 1) throw std::runtime_error("boom");
    TrainResult r;
    r.final_loss = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  EvalResult evaluate(const EvalSpec&, const CancelFlag&) override {
    EvalResult e;
    e.problems = 1;
    e.samples = 1;  // wrong shape: the spec asks for more
    e.correct = {1};
    e.answer_nll = {0.1};
    return e;
  }
};
}  // namespace

TEST_CASE("run_job classifies workload failures") {
  FailingWorkload w;
  std::atomic<bool> cancel{false};
  JobMessage j;
  j.kind = JobKind::train;
  w.mode = 0;
  auto r = run_job(w, j, cancel);
  CHECK(!r.ok);
  CHECK(r.failure == FailureClass::timeout);
  w.mode = 1;
  r = run_job(w, j, cancel);
  CHECK(r.failure == FailureClass::error);
  CHECK(r.reason == "boom");
  w.mode = 2;
  r = run_job(w, j, cancel);
  CHECK(r.failure == FailureClass::bad_result);
  CHECK_THAT(r.reason, Catch::Contains("finite"));
  j.kind = JobKind::eval;
  j.eval.problems = 4;
  j.eval.samples = 2;
  r = run_job(w, j, cancel);
  CHECK(r.failure == FailureClass::bad_result);
}

TEST_CASE("the synthetic workload is deterministic for a seed and follows its law") {
  SyntheticTruth truth;
  truth.loss_noise = 0;
  SyntheticWorkload w(truth);
  std::atomic<bool> cancel{false};
  TrainSpec t;
  t.n_params = 1e6;
  t.n_tokens = 1e8;
  t.seed = 5;
  auto r = w.train(t, cancel);
  CHECK(r.final_loss == Approx(truth.loss(1e6, 1e8)));
  CHECK(r.flops == Approx(6e14));
  EvalSpec e;
  e.n_params = 1e6;
  e.n_tokens = 1e8;
  e.task = "arithmetic";
  e.problems = 400;
  e.samples = 32;
  e.seed = 11;
  auto a = w.evaluate(e, cancel), b = w.evaluate(e, cancel);
  CHECK(a.correct == b.correct);
  CHECK(a.answer_nll == b.answer_nll);
  // The mean single-sample accuracy follows mu(L) of the ground truth.
  double hits = 0;
  for (auto c : a.correct) hits += c;
  double mu = truth.mean_accuracy(truth.loss(1e6, 1e8));
  CHECK(hits / a.correct.size() == Approx(mu).margin(0.05));
  // Another seed gives other outcomes.
  e.seed = 12;
  CHECK(w.evaluate(e, cancel).correct != a.correct);
}
